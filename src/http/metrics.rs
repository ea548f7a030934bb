//! Request metrics: a counter and a latency histogram per method, route pattern (never the raw
//! path, so ids do not multiply the series) and status, recorded by the [`record`] middleware
//! and registered by [`RequestMetrics::register`].

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::web;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

/// Upper bounds (seconds) of the latency histogram's buckets.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The label of requests no route matched.
const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

/// The request counters, shared by every worker.
#[derive(Clone)]
pub struct RequestMetrics {
    requests: Family<RequestLabels, Counter>,
    durations: Family<RequestLabels, Histogram>,
}

impl Default for RequestMetrics {
    fn default() -> Self {
        Self {
            requests: Family::default(),
            durations: Family::new_with_constructor(|| Histogram::new(BUCKETS)),
        }
    }
}

impl RequestMetrics {
    /// Registers the request counter and the latency histogram.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "butterfly_http_requests",
            "Requests answered, by method, route pattern and status",
            self.requests.clone(),
        );
        registry.register(
            "butterfly_http_request_duration_seconds",
            "Time to answer a request, by method, route pattern and status",
            self.durations.clone(),
        );
    }

    /// Counts one answered request.
    pub fn observe(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let labels = RequestLabels {
            method: method_label(method),
            route: route.to_owned(),
            status,
        };
        self.requests.get_or_create(&labels).inc();
        self.durations.get_or_create(&labels).observe(seconds);
    }
}

/// Known methods by name; anything else is `other`, so that made-up methods add no series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Middleware: times every request and counts it by method, route pattern and status.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let Some(metrics) = req.app_data::<web::Data<RequestMetrics>>().cloned() else {
        return next.call(req).await;
    };
    let started = Instant::now();
    let method = req.method().clone();
    let route_before = req.match_pattern();
    let result = next.call(req).await;
    let seconds = started.elapsed().as_secs_f64();
    match &result {
        Ok(res) => {
            let route = res.request().match_pattern();
            let route = route.as_deref().unwrap_or(UNMATCHED);
            metrics.observe(&method, route, res.status().as_u16(), seconds);
        }
        Err(e) => {
            let route = route_before.as_deref().unwrap_or(UNMATCHED);
            let status = e.as_response_error().status_code().as_u16();
            metrics.observe(&method, route, status, seconds);
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use prometheus_client::encoding::prometheus_text::encode;

    use super::*;

    #[test]
    fn requests_encode_as_a_counter_and_a_cumulative_histogram() {
        let metrics = RequestMetrics::default();
        metrics.observe(&Method::GET, "/api/v1/threads/{id}", 200, 0.003);
        metrics.observe(&Method::GET, "/api/v1/threads/{id}", 200, 0.2);
        let mut registry = Registry::default();
        metrics.register(&mut registry);
        let mut out = String::new();
        encode(&mut out, &registry).expect("encodes");
        assert!(out.contains(
            "# HELP butterfly_http_requests_total Requests answered, by method, route pattern and status.\n\
             # TYPE butterfly_http_requests_total counter\n\
             butterfly_http_requests_total{method=\"GET\",route=\"/api/v1/threads/{id}\",status=\"200\"} 2\n"
        ), "{out}");
        assert!(out.contains("# TYPE butterfly_http_request_duration_seconds histogram\n"));
        assert!(out.contains("status=\"200\",le=\"0.005\"} 1\n"), "{out}");
        assert!(out.contains("status=\"200\",le=\"0.25\"} 2\n"), "{out}");
        assert!(out.contains("status=\"200\",le=\"1\"} 2\n"), "{out}");
        assert!(out.contains("status=\"200\",le=\"+Inf\"} 2\n"), "{out}");
        assert!(out.contains("butterfly_http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/threads/{id}\",status=\"200\"} 2\n"), "{out}");
    }

    #[test]
    fn label_values_are_escaped() {
        let metrics = RequestMetrics::default();
        metrics.observe(&Method::GET, "a\"b\\c\nd", 404, 0.001);
        let mut registry = Registry::default();
        metrics.register(&mut registry);
        let mut out = String::new();
        encode(&mut out, &registry).expect("encodes");
        assert!(out.contains("route=\"a\\\"b\\\\c\\nd\""), "{out}");
    }
}
