//! `/metrics`: the server's metrics in the Prometheus text exposition format (0.0.4), encoded
//! by `prometheus-client` from a registry composed here of the metrics each module registers
//! itself:
//!
//! - requests by method, route pattern and status, counted and timed (`http::metrics`);
//! - database pools and SQL statements (`db::metrics`), dropped log lines (`telemetry`),
//!   password-hashing slots (`auth::password`), rate-limit refusals (`http::ratelimit`), and
//!   the running version (here);
//! - read from the database at each scrape, through the [`TableGauges`] port of the module
//!   owning the table: the outbox backlog (`notify::outbox`) and the open moderation queue
//!   items (`queue`); and here whether the database answered.
//!
//! Who may read it: with `metrics.token` set, whoever sends `Authorization: Bearer <token>`;
//! without, only clients on the loopback interface whose request no proxy forwarded. Anyone
//! else gets the same 404 as an address that does not exist.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use prometheus_client::encoding::prometheus_text::{CONTENT_TYPE, encode};
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::config::MetricsSettings;
use crate::db::DbError;
use crate::db::metrics::TableGauges;
use crate::http::error::ApiError;
use crate::http::metrics::RequestMetrics;
use crate::http::ratelimit::RouteLimits;
use crate::notify::outbox;
use crate::queue;

/// The gauges read from the database at each scrape, each registered by the module owning
/// its table.
const TABLE_GAUGES: [TableGauges; 2] = [outbox::register_backlog, queue::register_open_items];

/// The server's metrics: each module's own, registered once when the server is built.
pub struct Metrics {
    registry: Registry,
}

impl Metrics {
    /// Composes the registry from the metrics each module registers.
    pub fn new(state: &AppState, requests: &RequestMetrics, limits: &RouteLimits) -> Self {
        let mut registry = Registry::default();
        requests.register(&mut registry);
        crate::db::metrics::register(&mut registry, &state.db);
        crate::telemetry::register_metrics(&mut registry);
        state.hasher.register_metrics(&mut registry);
        limits.register_metrics(&mut registry);
        registry.register(
            "butterfly_build",
            "The running version (always 1)",
            Info::new([("version", env!("CARGO_PKG_VERSION"))]),
        );
        Self { registry }
    }
}

/// The gauges read from the database now, and whether it answered: a registry for this
/// scrape alone.
async fn read_tables(state: &AppState) -> Registry {
    let tables = state
        .db
        .read(|conn| {
            let mut registry = Registry::default();
            for register in TABLE_GAUGES {
                register(conn, &mut registry).map_err(DbError::Query)?;
            }
            Ok::<_, DbError>(registry)
        })
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "metrics: the database did not answer"))
        .ok();
    let up = tables.is_some();
    let mut registry = tables.unwrap_or_default();
    registry.register(
        "butterfly_database_up",
        "Whether the database answered the metrics queries (1) or not (0)",
        ConstGauge::new(i64::from(up)),
    );
    registry
}

// ----- who may read -----

/// Whether this request may read the metrics.
fn may_read(req: &HttpRequest, settings: &MetricsSettings) -> bool {
    match &settings.token {
        Some(token) => {
            let presented = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, token)| token.trim());
            presented.is_some_and(|presented| same_secret(presented, token.expose()))
        }
        None => {
            let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
                .iter()
                .any(|name| req.headers().contains_key(*name));
            let loopback = req.peer_addr().is_some_and(|peer| match peer.ip() {
                std::net::IpAddr::V6(v6) => {
                    v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
                }
                v4 => v4.is_loopback(),
            });
            loopback && !forwarded
        }
    }
}

/// Compares in time independent of where the two differ.
fn same_secret(presented: &str, expected: &str) -> bool {
    let a = Sha256::digest(presented.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y))
        == 0
}

/// Server metrics in the Prometheus text format.
///
/// Served only to loopback clients whose request no proxy forwarded, or, when `metrics.token`
/// is configured, to whoever sends `Authorization: Bearer <metrics token>` (not an access
/// token). Anyone else gets 404, as if nothing were here.
#[utoipa::path(tag = "operations", responses(
    (status = 200, content_type = "text/plain; version=0.0.4", body = String,
        description = "Metrics in the Prometheus text exposition format",
        example = "butterfly_http_requests_total{method=\"GET\",route=\"/api/v1/boards\",status=\"200\"} 3\n"),
    (status = 404, body = crate::http::error::Problem, content_type = "application/problem+json",
        description = "Not served to this client"),
))]
#[get("/metrics")]
pub async fn get_metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    if !may_read(&req, &state.settings.metrics) {
        return Err(ApiError::NotFound("nothing exists at this address".into()));
    }
    let scrape = read_tables(&state).await;
    let mut out = String::with_capacity(16 * 1024);
    encode(&mut out, &metrics.registry)
        .and_then(|()| encode(&mut out, &scrape))
        .map_err(|_| ApiError::Internal("the metrics could not be encoded".into()))?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("s3cret-token", "s3cret-token"));
        assert!(!same_secret("s3cret-tokeN", "s3cret-token"));
        assert!(!same_secret("", "s3cret-token"));
    }
}
