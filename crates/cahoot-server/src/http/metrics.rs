//! Prometheus metrics (OpenMetrics text format) through the maintained `prometheus-client` crate. One
//! registry per application instance (not a global recorder), so several test servers in one process stay
//! apart.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Instant;

use crate::AppState;

/// The content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoleLabels {
    role: String,
}

type DurationFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

pub struct Metrics {
    registry: Registry,
    http_requests: Family<RequestLabels, Counter>,
    http_duration: DurationFamily,
    ws_connections: Family<RoleLabels, Gauge>,
    logins: Family<ResultLabels, Counter>,
    answers: Family<ResultLabels, Counter>,
    pub registrations: Counter,
    pub refresh_reuse: Counter,
    pub auth_throttled: Counter,
    pub draining: Gauge,
}

/// Request durations from 0.5 ms to ~16 s.
fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::<RequestLabels, Counter>::default();
        let http_duration: DurationFamily = Family::new_with_constructor(duration_histogram);
        let ws_connections = Family::<RoleLabels, Gauge>::default();
        let logins = Family::<ResultLabels, Counter>::default();
        let answers = Family::<ResultLabels, Counter>::default();
        let (registrations, refresh_reuse, auth_throttled) =
            (Counter::default(), Counter::default(), Counter::default());
        let draining = Gauge::default();
        registry.register(
            "cahoot_http_requests",
            "HTTP requests by method, route and status",
            http_requests.clone(),
        );
        registry.register(
            "cahoot_http_request_duration_seconds",
            "HTTP request durations by method and route",
            http_duration.clone(),
        );
        registry.register(
            "cahoot_ws_connections",
            "Open WebSocket connections by role",
            ws_connections.clone(),
        );
        registry.register(
            "cahoot_logins",
            "Login attempts by result (success, failure)",
            logins.clone(),
        );
        registry.register(
            "cahoot_answers",
            "Answers by result: accepted (new), resent (acknowledged again, counted once), refused",
            answers.clone(),
        );
        registry.register(
            "cahoot_registrations",
            "Host accounts created",
            registrations.clone(),
        );
        registry.register(
            "cahoot_refresh_reuse",
            "Refresh tokens presented again (the family was revoked)",
            refresh_reuse.clone(),
        );
        registry.register(
            "cahoot_auth_throttled",
            "Logins refused by the per-account or per-address budget",
            auth_throttled.clone(),
        );
        registry.register(
            "cahoot_draining",
            "1 while this instance drains before shutting down",
            draining.clone(),
        );
        Metrics {
            registry,
            http_requests,
            http_duration,
            ws_connections,
            logins,
            answers,
            registrations,
            refresh_reuse,
            auth_throttled,
            draining,
        }
    }
}

impl Metrics {
    /// The open WebSocket connections of a role (`host` or `player`).
    pub fn ws_connections(&self, role: &str) -> Gauge {
        self.ws_connections
            .get_or_create(&RoleLabels { role: role.into() })
            .clone()
    }

    /// Counts a login attempt by its result (`success` or `failure`).
    pub fn login(&self, result: &str) {
        self.logins
            .get_or_create(&ResultLabels {
                result: result.into(),
            })
            .inc();
    }

    /// Counts an answer by its result (`accepted`, `resent` or `refused`).
    pub fn answer(&self, result: &str) {
        self.answers
            .get_or_create(&ResultLabels {
                result: result.into(),
            })
            .inc();
    }

    /// Every metric in the OpenMetrics text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Counts requests by method, route and status, and records their durations.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let response = next.run(req).await;
    let route = RouteLabels { method, route };
    state
        .metrics
        .http_duration
        .get_or_create(&route)
        .observe(started.elapsed().as_secs_f64());
    state
        .metrics
        .http_requests
        .get_or_create(&RequestLabels {
            method: route.method,
            route: route.route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_gauges_and_histograms_render_in_openmetrics_text_format() {
        let m = Metrics::default();
        m.registrations.inc();
        m.registrations.inc();
        m.ws_connections("player").inc();
        m.http_duration
            .get_or_create(&RouteLabels {
                method: "GET".into(),
                route: "/healthz".into(),
            })
            .observe(0.002);
        let text = m.render();
        assert!(
            text.contains("# TYPE cahoot_registrations counter\n"),
            "{text}"
        );
        assert!(text.contains("cahoot_registrations_total 2\n"), "{text}");
        assert!(
            text.contains("cahoot_ws_connections{role=\"player\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("cahoot_draining 0\n"), "{text}");
        assert!(
            text.contains(
                "cahoot_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 1\n"
            ),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"));
    }
}
