//! [`Interned`]: a string attribute that many features share (a county, a
//! city, a supervising authority), kept once in memory.
//!
//! A million enterprises name about a hundred counties: as `String`s that is
//! a million small allocations of the same few words; as [`Interned`] it is
//! a 16-byte pointer each to one copy. Reading one (deserialising, or
//! `From<&str>`) looks the text up in the thread's table first, so values
//! read together share their copy. The table holds at most
//! [`TABLE_LIMIT`] strings per thread: text beyond that (a client writing
//! ever new names) is simply not shared, never kept.
//!
//! It reads, writes and compares as the text itself: the JSON (and every
//! filter, export and tile) cannot tell it from a `String`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// Strings a thread's table keeps at most.
pub const TABLE_LIMIT: usize = 4096;

thread_local! {
    static TABLE: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
}

/// A shared, immutable string (see the module's documentation).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interned(Arc<str>);

impl Interned {
    /// The text, interned in this thread's table.
    pub fn new(text: &str) -> Self {
        TABLE.with(|table| {
            let mut table = table.borrow_mut();
            if let Some(found) = table.get(text) {
                return Self(found.clone());
            }
            let fresh: Arc<str> = Arc::from(text);
            if table.len() < TABLE_LIMIT {
                table.insert(fresh.clone());
            }
            Self(fresh)
        })
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Interned {
    fn default() -> Self {
        Self::new("")
    }
}

impl Deref for Interned {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Interned {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Interned {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Interned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Interned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Interned {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl From<String> for Interned {
    fn from(text: String) -> Self {
        Self::new(&text)
    }
}

impl From<&String> for Interned {
    fn from(text: &String) -> Self {
        Self::new(text)
    }
}

impl From<Interned> for String {
    fn from(text: Interned) -> Self {
        text.0.to_string()
    }
}

impl PartialEq<str> for Interned {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Interned {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl PartialEq<String> for Interned {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Interned> for String {
    fn eq(&self, other: &Interned) -> bool {
        **self == *other.0
    }
}

impl PartialEq<Interned> for &str {
    fn eq(&self, other: &Interned) -> bool {
        **self == *other.0
    }
}

impl Serialize for Interned {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Interned {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Interned;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Interned, E> {
                Ok(Interned::new(v))
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_read_in_one_thread_share_one_copy() {
        let a: Interned = serde_json::from_str("\"小店区\"").unwrap();
        let b: Interned = serde_json::from_str("\"小店区\"").unwrap();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, "小店区");
        assert_eq!(serde_json::to_string(&a).unwrap(), "\"小店区\"");
        assert_ne!(a, Interned::from("迎泽区"));
    }

    #[test]
    fn the_table_stops_growing_at_its_limit_and_values_stay_right() {
        std::thread::spawn(|| {
            let many: Vec<Interned> = (0..TABLE_LIMIT + 100).map(|n| Interned::from(n.to_string())).collect();
            TABLE.with(|t| assert_eq!(t.borrow().len(), TABLE_LIMIT));
            for (n, v) in many.iter().enumerate() {
                assert_eq!(v.as_str(), n.to_string());
            }
        })
        .join()
        .unwrap();
    }
}
