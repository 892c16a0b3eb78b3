//! A minimal Prometheus registry: counters and gauges with labels, rendered in the text exposition format.
//! Per application instance (not a global recorder), so several test servers in one process stay apart.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use crate::AppState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
}

/// Rendered labels (`{a="b"}`) → value.
type Series = BTreeMap<String, f64>;

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<&'static str, (Kind, Series)>>,
}

fn render_labels(labels: &[(&str, &str)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = labels
        .iter()
        .map(|(k, v)| {
            let v = v
                .replace('\\', "\\\\")
                .replace('"', "\\\"")
                .replace('\n', "\\n");
            format!("{k}=\"{v}\"")
        })
        .collect();
    format!("{{{}}}", inner.join(","))
}

impl Metrics {
    fn update(
        &self,
        kind: Kind,
        name: &'static str,
        labels: &[(&str, &str)],
        f: impl FnOnce(&mut f64),
    ) {
        let mut series = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let (_, values) = series
            .entry(name)
            .or_insert_with(|| (kind, BTreeMap::new()));
        f(values.entry(render_labels(labels)).or_insert(0.0));
    }

    /// Adds one to a counter.
    pub fn inc(&self, name: &'static str, labels: &[(&str, &str)]) {
        self.add(name, labels, 1.0);
    }

    pub fn add(&self, name: &'static str, labels: &[(&str, &str)], by: f64) {
        self.update(Kind::Counter, name, labels, |v| *v += by);
    }

    pub fn set_gauge(&self, name: &'static str, labels: &[(&str, &str)], value: f64) {
        self.update(Kind::Gauge, name, labels, |v| *v = value);
    }

    pub fn add_gauge(&self, name: &'static str, labels: &[(&str, &str)], by: f64) {
        self.update(Kind::Gauge, name, labels, |v| *v += by);
    }

    /// Prometheus text format (version 0.0.4).
    pub fn render(&self) -> String {
        let series = self.series.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = String::new();
        for (name, (kind, values)) in series.iter() {
            let kind = match kind {
                Kind::Counter => "counter",
                Kind::Gauge => "gauge",
            };
            let _ = writeln!(out, "# TYPE {name} {kind}");
            for (labels, value) in values {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        }
        out
    }
}

/// Counts requests by method, route and status, and sums their durations.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    let labels = [
        ("method", method.as_str()),
        ("route", route.as_str()),
        ("status", status.as_str()),
    ];
    state.metrics.inc("cahoot_http_requests_total", &labels);
    state.metrics.add(
        "cahoot_http_request_duration_seconds_sum",
        &labels[..2],
        started.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_and_gauges_render_in_prometheus_text_format() {
        let m = Metrics::default();
        m.inc("cahoot_logins_total", &[("result", "success")]);
        m.inc("cahoot_logins_total", &[("result", "success")]);
        m.set_gauge("cahoot_draining", &[], 0.0);
        let text = m.render();
        assert!(text.contains("# TYPE cahoot_logins_total counter\n"));
        assert!(text.contains("cahoot_logins_total{result=\"success\"} 2\n"));
        assert!(text.contains("# TYPE cahoot_draining gauge\ncahoot_draining 0\n"));
    }
}
