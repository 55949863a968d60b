//! Failed sign-ins, counted per user name from one address, and per
//! address, over a window, from the stored `sign_in_failed` and `signed_in`
//! events: every replica folds the same events, so the limits hold across
//! replicas and restarts. Past a limit, sign-in is refused until the window
//! ends, before the password is even looked at.
//!
//! The user limit counts one address's failures: someone guessing from
//! elsewhere cannot lock the duty officer out of the map on the day it is
//! needed. Guessing one user's password from many addresses is bounded by
//! each address's limit and by Argon2's cost.

use chrono::{DateTime, TimeDelta, Utc};
use std::collections::HashMap;
use std::time::Duration;

/// Failures allowed per user name from one address in a window.
pub const PER_USER: u32 = 5;
/// Failures allowed per address in a window.
pub const PER_ADDRESS: u32 = 20;
/// The window: 15 minutes.
pub const WINDOW: TimeDelta = TimeDelta::minutes(15);
/// Keys kept at most (windows that ended are dropped first).
const MAX_KEYS: usize = 100_000;

/// Failure counts by key (`user:{name}\0{address}`, `addr:{address}`): how many, since when.
#[derive(Debug, Clone, Default)]
pub struct Failures {
    counts: HashMap<String, (u32, DateTime<Utc>)>,
}

impl Failures {
    /// How long `user` from `address` must wait at `now`, if over a limit.
    pub fn retry_after(&self, user: &str, address: &str, now: DateTime<Utc>) -> Option<Duration> {
        [(user_key(user, address), PER_USER), (key("addr", address), PER_ADDRESS)]
            .into_iter()
            .filter_map(|(key, limit)| {
                let (n, start) = self.counts.get(&key)?;
                let left = (*start + WINDOW - now).to_std().ok().filter(|d| !d.is_zero())?;
                (*n >= limit).then_some(left)
            })
            .max()
    }

    /// Counts a failure of `user` from `address` at `at`.
    pub fn fail(&mut self, user: &str, address: &str, at: DateTime<Utc>) {
        if self.counts.len() >= MAX_KEYS {
            self.counts.retain(|_, (_, start)| at - *start < WINDOW);
        }
        for key in [user_key(user, address), key("addr", address)] {
            let entry = self.counts.entry(key).or_insert((0, at));
            if at - entry.1 >= WINDOW {
                *entry = (0, at);
            }
            entry.0 += 1;
        }
    }

    /// A successful sign-in clears the user's counts (not the addresses').
    pub fn succeed(&mut self, user: &str) {
        let prefix = user_key(user, "");
        self.counts.retain(|k, _| !k.starts_with(&prefix));
    }
}

fn key(kind: &str, name: &str) -> String {
    format!("{kind}:{name}")
}

fn user_key(user: &str, address: &str) -> String {
    format!("user:{user}\0{address}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_is_held_back_after_five_failures_and_an_address_after_twenty() {
        let mut f = Failures::default();
        let t0 = Utc::now();
        for _ in 0..PER_USER {
            assert!(f.retry_after("wang", "10.0.0.1", t0).is_none());
            f.fail("wang", "10.0.0.1", t0);
        }
        let wait = f.retry_after("wang", "10.0.0.1", t0 + TimeDelta::minutes(1)).unwrap();
        assert_eq!(wait, Duration::from_secs(14 * 60));
        assert!(f.retry_after("li", "10.0.0.1", t0).is_none());
        // From another address wang still may: nobody locks him out from elsewhere.
        assert!(f.retry_after("wang", "10.0.0.9", t0).is_none());
        // The window ends.
        assert!(f.retry_after("wang", "10.0.0.1", t0 + WINDOW).is_none());
        for i in 0..PER_ADDRESS {
            f.fail(&format!("u{i}"), "10.0.0.2", t0);
        }
        assert!(f.retry_after("zhao", "10.0.0.2", t0).is_some());
        f.succeed("wang");
        assert!(f.retry_after("wang", "10.0.0.1", t0).is_none());
        // (a user named like another's prefix keeps their count)
        f.fail("wan", "10.0.0.3", t0);
        f.succeed("wa");
        assert!(f.counts.keys().any(|k| k.starts_with("user:wan\0")));
    }

    #[test]
    fn a_failure_after_the_window_starts_a_new_count() {
        let mut f = Failures::default();
        let t0 = Utc::now();
        for _ in 0..PER_USER - 1 {
            f.fail("wang", "a", t0);
        }
        f.fail("wang", "a", t0 + WINDOW);
        assert!(
            f.retry_after("wang", "a", t0 + WINDOW).is_none(),
            "one failure in the new window"
        );
    }
}
