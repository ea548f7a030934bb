//! Prometheus metrics at `/metrics` (text exposition format 0.0.4), from a small hand-written
//! registry: no metrics crate to compile.
//!
//! - Requests: a counter and a latency histogram per method, route pattern (never the raw
//!   path, so ids do not multiply the series) and status, recorded by the [`record`]
//!   middleware.
//! - Read when scraped: database pools (connections in use and idle, checkouts that waited,
//!   time waited, timeouts), SQL statements executed, password-hashing slots (free, waiting,
//!   waits), requests refused by the rate limits, and from the database in two grouped
//!   queries the outbox backlog (pending and dead messages) and the open moderation queue
//!   items by kind.
//!
//! Who may read it: with `metrics.token` set, whoever sends `Authorization: Bearer <token>`;
//! without, only clients on the loopback interface whose request no proxy forwarded. Anyone
//! else gets the same 404 as an address that does not exist.

use std::fmt::Write as _;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use diesel::dsl::count_star;
use diesel::prelude::*;
use prometheus_client::encoding::prometheus_text::{CONTENT_TYPE, encode};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::config::MetricsSettings;
use crate::db::AnyConnection;
use crate::db::schema::{mod_items, outbox};
use crate::http::error::ApiError;
use crate::http::metrics::RequestMetrics;
use crate::http::ratelimit::RouteLimits;
use crate::queue::ItemKind;

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

// ----- gauges read from the database -----

/// Counts read from the database when scraped.
struct DatabaseGauges {
    /// (status, messages) for `pending` and `dead`.
    outbox: Vec<(String, i64)>,
    /// (kind, open items).
    queue: Vec<(String, i64)>,
}

/// Two grouped counts. The outbox one is served by `outbox_status_next_attempt_idx`
/// (status, next_attempt_at); the queue one by the partial index `mod_items_open_subject_key`
/// (kind, subject_id) WHERE status = 'open'.
fn database_gauges(conn: &mut AnyConnection) -> QueryResult<DatabaseGauges> {
    let outbox = outbox::table
        .filter(outbox::status.eq_any(["pending", "dead"]))
        .group_by(outbox::status)
        .select((outbox::status, count_star()))
        .load::<(String, i64)>(conn)?;
    let queue = mod_items::table
        .filter(mod_items::status.eq("open"))
        .group_by(mod_items::kind)
        .select((mod_items::kind, count_star()))
        .load::<(String, i64)>(conn)?;
    Ok(DatabaseGauges { outbox, queue })
}

// ----- the exposition -----

/// Escapes a label value (backslash, double quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Writes `# HELP` and `# TYPE` lines.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn render_database(out: &mut String, gauges: Option<&DatabaseGauges>) {
    family(
        out,
        "butterfly_database_up",
        "gauge",
        "Whether the database answered the metrics queries (1) or not (0).",
    );
    let _ = writeln!(out, "butterfly_database_up {}", u8::from(gauges.is_some()));
    let Some(gauges) = gauges else {
        return;
    };
    let count = |rows: &[(String, i64)], key: &str| {
        rows.iter().find(|(k, _)| k == key).map_or(0, |(_, n)| *n)
    };
    family(
        out,
        "butterfly_outbox_messages",
        "gauge",
        "Emails in the outbox by status: pending (not sent yet) and dead (given up).",
    );
    for status in ["pending", "dead"] {
        let _ = writeln!(
            out,
            "butterfly_outbox_messages{{status=\"{status}\"}} {}",
            count(&gauges.outbox, status)
        );
    }
    family(
        out,
        "butterfly_moderation_queue_open_items",
        "gauge",
        "Open moderation queue items by kind.",
    );
    let mut kinds: Vec<String> = ItemKind::ALL
        .iter()
        .map(|k| k.as_str().to_owned())
        .collect();
    for (kind, _) in &gauges.queue {
        if !kinds.contains(kind) {
            kinds.push(kind.clone());
        }
    }
    for kind in kinds {
        let _ = writeln!(
            out,
            "butterfly_moderation_queue_open_items{{kind=\"{}\"}} {}",
            escape(&kind),
            count(&gauges.queue, &kind)
        );
    }
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
    let gauges = state
        .db
        .read(|conn| database_gauges(conn).map_err(crate::db::DbError::Query))
        .await
        .inspect_err(|e| tracing::warn!(error = %e, "metrics: the database did not answer"))
        .ok();
    let mut out = String::with_capacity(16 * 1024);
    encode(&mut out, &metrics.registry)
        .map_err(|_| ApiError::Internal("the metrics could not be encoded".into()))?;
    render_database(&mut out, gauges.as_ref());
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn secrets_compare_equal_only_when_equal() {
        assert!(same_secret("s3cret-token", "s3cret-token"));
        assert!(!same_secret("s3cret-tokeN", "s3cret-token"));
        assert!(!same_secret("", "s3cret-token"));
    }
}
