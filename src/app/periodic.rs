//! Background jobs that run once when the server starts, then at a fixed interval, and stop
//! with the server. Each job must be safe with several servers on one database (guarded by
//! the state it expects, or claiming its rows).

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

use super::AppState;

/// Spawns `job` on the server's runtime; it stops when `shutdown` turns true or its sender is
/// gone (a pass under way finishes first).
pub fn spawn<F, Fut>(
    state: AppState,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
    job: F,
) -> tokio::task::JoinHandle<()>
where
    F: Fn(AppState) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    actix_web::rt::spawn(async move {
        loop {
            if *shutdown.borrow() {
                break;
            }
            job(state.clone()).await;
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() {
                        break;
                    }
                }
                _ = actix_web::rt::time::sleep(interval) => {}
            }
        }
    })
}
