//! Latency recording: one HDR histogram for the whole run plus one per second (for "latency over time"),
//! and summaries that go to the terminal and the JSON results.

use hdrhistogram::Histogram;
use serde::Serialize;
use std::time::Duration;
use tokio::time::Instant;

/// Latencies are recorded in microseconds, 1 µs .. 10 min, 3 significant digits.
const MAX_US: u64 = 600_000_000;

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_US, 3).expect("valid histogram bounds")
}

/// A latency metric: the whole-run histogram and per-second histograms keyed by seconds since `start`.
pub struct Series {
    start: Instant,
    pub total: Histogram<u64>,
    per_second: Vec<Histogram<u64>>,
}

impl Series {
    pub fn new(start: Instant) -> Self {
        Series {
            start,
            total: histogram(),
            per_second: Vec::new(),
        }
    }

    /// Records a latency that ended at `at`.
    pub fn record_at(&mut self, latency: Duration, at: Instant) {
        let us = (latency.as_micros() as u64).clamp(1, MAX_US);
        self.total.saturating_record(us);
        let second = at.saturating_duration_since(self.start).as_secs() as usize;
        if self.per_second.len() <= second {
            self.per_second.resize_with(second + 1, histogram);
        }
        self.per_second[second].saturating_record(us);
    }

    pub fn record(&mut self, latency: Duration) {
        self.record_at(latency, Instant::now());
    }

    pub fn count(&self) -> u64 {
        self.total.len()
    }

    pub fn summary(&self) -> Summary {
        Summary::of(&self.total)
    }

    /// Per second: (second, count, p50 ms, p99 ms); seconds without samples are skipped.
    pub fn timeline(&self) -> Vec<TimePoint> {
        self.per_second
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.is_empty())
            .map(|(s, h)| TimePoint {
                second: s as u64,
                count: h.len(),
                p50_ms: ms(h.value_at_quantile(0.5)),
                p99_ms: ms(h.value_at_quantile(0.99)),
                max_ms: ms(h.max()),
            })
            .collect()
    }

    /// (latency ms, percentile) points of the cumulative distribution, for charts.
    pub fn distribution(&self) -> Vec<(f64, f64)> {
        if self.total.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for q in [
            0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.925, 0.95, 0.97, 0.98,
            0.99, 0.995, 0.999, 0.9999, 1.0,
        ] {
            out.push((ms(self.total.value_at_quantile(q)), q * 100.0));
        }
        out
    }
}

pub fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

#[derive(Debug, Clone, Serialize)]
pub struct TimePoint {
    pub second: u64,
    pub count: u64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub p999_ms: f64,
    pub max_ms: f64,
}

impl Summary {
    pub fn of(h: &Histogram<u64>) -> Summary {
        if h.is_empty() {
            return Summary::default();
        }
        Summary {
            count: h.len(),
            mean_ms: h.mean() / 1000.0,
            p50_ms: ms(h.value_at_quantile(0.5)),
            p90_ms: ms(h.value_at_quantile(0.9)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            p999_ms: ms(h.value_at_quantile(0.999)),
            max_ms: ms(h.max()),
        }
    }

    pub fn of_durations(v: &[Duration]) -> Summary {
        let mut h = histogram();
        for d in v {
            h.saturating_record((d.as_micros() as u64).clamp(1, MAX_US));
        }
        Summary::of(&h)
    }

    pub fn line(&self) -> String {
        format!(
            "n={} p50 {:.2} ms  p90 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
            self.count, self.p50_ms, self.p90_ms, self.p99_ms, self.max_ms
        )
    }
}
