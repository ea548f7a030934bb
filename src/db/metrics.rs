//! Metrics of the database: its pools and the statements run through them, read from the
//! handle at each scrape ([`register`]); and [`TableGauges`], the port through which a module
//! reports gauges it reads from its own tables when the metrics are scraped.

use std::fmt;

use diesel::QueryResult;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::{MetricType, TypedMetric};
use prometheus_client::registry::Registry;

use super::{AnyConnection, Db, PoolMetrics};

/// Gauges a module reads from its own tables when the metrics are scraped: it queries them on
/// the connection given and registers them, with their values, in that scrape's registry.
pub type TableGauges = fn(&mut AnyConnection, &mut Registry) -> QueryResult<()>;

/// Registers the pools' connections and checkouts and the statements run, read from `db` at
/// each scrape.
pub fn register(registry: &mut Registry, db: &Db) {
    registry.register_collector(Box::new(DbCollector(db.clone())));
}

struct DbCollector(Db);

impl fmt::Debug for DbCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DbCollector")
    }
}

impl Collector for DbCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> fmt::Result {
        let pools = self.0.pool_metrics();
        let mut connections = encoder.encode_descriptor(
            "butterfly_db_pool_connections",
            "Open database connections by pool and state (in_use, idle).",
            None,
            MetricType::Gauge,
        )?;
        for pool in &pools {
            for (state, n) in [("in_use", pool.in_use), ("idle", pool.idle)] {
                let labels = [("pool", pool.name), ("state", state)];
                ConstGauge::new(n).encode(connections.encode_family(&labels)?)?;
            }
        }
        per_pool(
            &mut encoder,
            &pools,
            "butterfly_db_pool_max_connections",
            "Largest number of connections the pool opens.",
            |p| ConstGauge::new(p.max),
        )?;
        per_pool(
            &mut encoder,
            &pools,
            "butterfly_db_pool_checkouts",
            "Connections handed out by the pool.",
            |p| ConstCounter::new(p.checkouts),
        )?;
        per_pool(
            &mut encoder,
            &pools,
            "butterfly_db_pool_waits",
            "Checkouts that found no idle connection and waited (1 ms or more).",
            |p| ConstCounter::new(p.waits),
        )?;
        per_pool(
            &mut encoder,
            &pools,
            "butterfly_db_pool_wait_seconds",
            "Time spent waiting for a pooled connection.",
            |p| ConstCounter::new(p.wait_seconds),
        )?;
        per_pool(
            &mut encoder,
            &pools,
            "butterfly_db_pool_timeouts",
            "Checkouts that gave up waiting (answered 503).",
            |p| ConstCounter::new(p.timeouts),
        )?;
        per_pool(
            &mut encoder,
            &pools,
            "butterfly_db_pool_queued_seconds",
            "Time database work waited for a blocking thread before asking for a connection.",
            |p| ConstCounter::new(p.queued_seconds),
        )?;
        per_pool(
            &mut encoder,
            &pools,
            "butterfly_db_pool_held_seconds",
            "Time connections were held: statements, decoding their rows and the work between them.",
            |p| ConstCounter::new(p.held_seconds),
        )?;
        let statements = ConstCounter::new(self.0.statements_executed());
        statements.encode(encoder.encode_descriptor(
            "butterfly_db_statements",
            "SQL statements executed through the pools.",
            None,
            ConstCounter::<u64>::TYPE,
        )?)
    }
}

/// One family with a series per pool, labelled `pool`.
fn per_pool<M: EncodeMetric + TypedMetric>(
    encoder: &mut DescriptorEncoder,
    pools: &[PoolMetrics],
    name: &str,
    help: &str,
    value: impl Fn(&PoolMetrics) -> M,
) -> fmt::Result {
    let mut family = encoder.encode_descriptor(name, help, None, M::TYPE)?;
    for pool in pools {
        value(pool).encode(family.encode_family(&[("pool", pool.name)])?)?;
    }
    Ok(())
}
