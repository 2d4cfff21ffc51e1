//! Throttling: too many events for one key (login failures for a username or an address,
//! announcements from an address) within a window block further attempts for that key until
//! the oldest event leaves the window.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

pub const MAX_FAILURES: usize = 5;
pub const WINDOW_MS: i64 = 15 * 60 * 1000;
/// Keeps memory bounded when someone sprays usernames.
const MAX_KEYS: usize = 10_000;

pub struct Throttle {
    max: usize,
    window_ms: i64,
    failures: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl Default for Throttle {
    /// Login throttling: 5 failures in 15 minutes.
    fn default() -> Self {
        Self::new(MAX_FAILURES, WINDOW_MS)
    }
}

impl Throttle {
    pub fn new(max: usize, window_ms: i64) -> Self {
        Self { max, window_ms, failures: Mutex::new(HashMap::new()) }
    }

    /// Seconds until an attempt for any of `keys` is allowed again, or `None` when allowed now.
    pub fn retry_after(&self, keys: &[String], now_ms: i64) -> Option<u64> {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait_ms = 0;
        for key in keys {
            if let Some(times) = map.get_mut(key) {
                prune(times, now_ms, self.window_ms);
                if times.len() >= self.max {
                    let oldest = times.front().copied().unwrap_or(now_ms);
                    wait_ms = wait_ms.max(oldest + self.window_ms - now_ms);
                }
            }
        }
        (wait_ms > 0).then(|| (wait_ms as u64).div_ceil(1000))
    }

    pub fn record_failure(&self, keys: &[String], now_ms: i64) {
        let mut map = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|_, times| {
                prune(times, now_ms, self.window_ms);
                !times.is_empty()
            });
        }
        for key in keys {
            let times = map.entry(key.clone()).or_default();
            prune(times, now_ms, self.window_ms);
            times.push_back(now_ms);
        }
    }

    pub fn clear(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

fn prune(times: &mut VecDeque<i64>, now_ms: i64, window_ms: i64) {
    while times.front().is_some_and(|&t| t + window_ms <= now_ms) {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_five_failures_until_the_window_passes() {
        let t = Throttle::default();
        let keys = vec!["user:ada".to_owned()];
        for i in 0..5 {
            assert_eq!(t.retry_after(&keys, i * 1000), None);
            t.record_failure(&keys, i * 1000);
        }
        assert_eq!(t.retry_after(&keys, 5000), Some(((WINDOW_MS - 5000) / 1000) as u64));
        assert_eq!(t.retry_after(&keys, WINDOW_MS), None, "the first failure has aged out");
    }
}
