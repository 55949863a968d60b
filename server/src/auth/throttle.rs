//! Failed sign-ins, counted per user and per address over a window: past
//! the limit, sign-in is refused (429 with `Retry-After`) until the window
//! ends, before the password is even looked at.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Failures allowed per user in a window.
pub const PER_USER: u32 = 5;
/// Failures allowed per address in a window.
pub const PER_ADDRESS: u32 = 20;
/// The window.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Keys kept at most (the oldest windows are dropped first).
const MAX_KEYS: usize = 100_000;

/// Failure counts by key (`user:…`, `addr:…`).
#[derive(Debug, Default)]
pub struct Throttle {
    counts: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    /// How long `user` from `address` must wait, if they are over a limit.
    pub fn retry_after(&self, user: &str, address: &str) -> Option<Duration> {
        let counts = self.counts.lock();
        let now = Instant::now();
        [
            (format!("user:{user}"), PER_USER),
            (format!("addr:{address}"), PER_ADDRESS),
        ]
        .into_iter()
        .filter_map(|(key, limit)| {
            let (n, start) = counts.get(&key)?;
            let left = WINDOW.checked_sub(now.duration_since(*start))?;
            (*n >= limit).then_some(left)
        })
        .max()
    }

    /// Counts a failure of `user` from `address`.
    pub fn fail(&self, user: &str, address: &str) {
        let mut counts = self.counts.lock();
        let now = Instant::now();
        if counts.len() >= MAX_KEYS {
            counts.retain(|_, (_, start)| now.duration_since(*start) < WINDOW);
        }
        for key in [format!("user:{user}"), format!("addr:{address}")] {
            let entry = counts.entry(key).or_insert((0, now));
            if now.duration_since(entry.1) >= WINDOW {
                *entry = (0, now);
            }
            entry.0 += 1;
        }
    }

    /// A successful sign-in clears the user's count (not the address's).
    pub fn succeed(&self, user: &str) {
        self.counts.lock().remove(&format!("user:{user}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_held_back_after_five_failures_and_an_address_after_twenty() {
        let t = Throttle::default();
        for _ in 0..PER_USER {
            assert!(t.retry_after("wang", "10.0.0.1").is_none());
            t.fail("wang", "10.0.0.1");
        }
        let wait = t.retry_after("wang", "10.0.0.9").unwrap();
        assert!(wait > Duration::from_secs(800) && wait <= WINDOW);
        assert!(t.retry_after("li", "10.0.0.9").is_none());
        for i in 0..PER_ADDRESS {
            t.fail(&format!("u{i}"), "10.0.0.2");
        }
        assert!(t.retry_after("zhao", "10.0.0.2").is_some());
        t.succeed("wang");
        assert!(t.retry_after("wang", "10.0.0.9").is_none());
    }
}
