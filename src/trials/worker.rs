//! The trials' background worker: closes published notices whose recruitment end date has
//! passed (telling their coordinators) and sends the alert digests that waited for the daily
//! email limit. It runs once at start, then every [`INTERVAL`], and stops with the server.
//! Both jobs are safe with several servers: each change is guarded by the state it expects.

use std::time::Duration;

use tokio::sync::watch;

use super::{alerts, service};
use crate::app::AppState;

pub const INTERVAL: Duration = Duration::from_secs(60);

/// One pass of both jobs.
pub async fn sweep(state: &AppState) {
    let today = service::today();
    let app = state.clone();
    match state
        .db
        .write(move |conn| service::close_expired(&app, conn, today))
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(closed = n, "closed trial notices whose recruitment ended"),
        Err(e) => tracing::warn!(error = %e, "closing expired trial notices failed"),
    }
    let app = state.clone();
    match state
        .db
        .write(move |conn| alerts::send_due_digests(&app, conn))
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(sent = n, "sent trial alert digests"),
        Err(e) => tracing::warn!(error = %e, "sending trial alert digests failed"),
    }
}

/// Spawns the worker; it stops when `shutdown` turns true or its sender is gone.
pub fn spawn_worker(
    state: AppState,
    shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    crate::app::periodic::spawn(state, INTERVAL, shutdown, |state| async move {
        sweep(&state).await
    })
}
