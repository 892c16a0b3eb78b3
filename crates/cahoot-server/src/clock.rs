//! Wall-clock time in Unix milliseconds: what deadlines, answer times and stored instants are measured in.
//! Instances compare these across machines, so their clocks must be NTP-synchronised (docs/operations.md).

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
