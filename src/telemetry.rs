//! Logging: the tracing subscriber, and a request id on every request (taken from a sane
//! incoming `X-Request-Id` or generated), echoed in the response and attached to every log
//! line of the request. Logs carry method, route and status, never bodies or query strings.
//!
//! Logging never blocks or fails serving: lines go through a bounded queue to a writer thread.
//! When standard output blocks (a pipe nobody reads) the queue fills and new lines are dropped;
//! when it fails (a full disk) the line is dropped. Either way the drop is counted (a metric,
//! [`register_metrics`]).

use std::io::Write;
use std::sync::LazyLock;
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use rand::RngCore;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Log lines waiting for the writer thread, at most.
const QUEUE_LINES: usize = 1_024;
/// How long [`LogGuard`] waits for the queued lines to be written when the process ends.
const FLUSH_WAIT: Duration = Duration::from_secs(2);

/// Log lines dropped so far because standard output was blocked or failing.
static DROPPED: LazyLock<Counter> = LazyLock::new(Counter::default);

/// Registers the count of dropped log lines.
pub fn register_metrics(registry: &mut Registry) {
    registry.register(
        "butterfly_log_lines_dropped",
        "Log lines dropped because standard output was blocked or failing (a full disk)",
        DROPPED.clone(),
    );
}

fn drop_line() {
    DROPPED.inc();
}

enum Message {
    Line(Vec<u8>),
    /// Answer once every line queued before has been written.
    Flush(SyncSender<()>),
}

/// Hands each formatted event to the writer thread without ever waiting for it.
struct QueueWriter(SyncSender<Message>);

/// One event being formatted; queued when dropped.
pub struct Line {
    buf: Vec<u8>,
    queue: SyncSender<Message>,
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for QueueWriter {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line {
            buf: Vec::new(),
            queue: self.0.clone(),
        }
    }
}

impl Write for Line {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Line {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let line = std::mem::take(&mut self.buf);
        if self.queue.try_send(Message::Line(line)).is_err() {
            drop_line();
        }
    }
}

/// Writes queued lines to standard output; a line that cannot be written is counted, never
/// retried, and never reported on standard error (which may be as full).
fn write_lines(queue: Receiver<Message>) {
    let mut out = std::io::stdout();
    for message in queue {
        match message {
            Message::Line(line) => {
                if out.write_all(&line).and_then(|()| out.flush()).is_err() {
                    drop_line();
                }
            }
            Message::Flush(done) => {
                let _ = done.try_send(());
            }
        }
    }
}

/// Keep it alive while the process runs; dropping it waits briefly for the queued log lines.
#[must_use = "keep the guard until the process ends, so that the last log lines are written"]
pub struct LogGuard(Option<SyncSender<Message>>);

impl Drop for LogGuard {
    fn drop(&mut self) {
        let Some(queue) = self.0.take() else {
            return;
        };
        let (done, flushed) = sync_channel(1);
        let deadline = Instant::now() + FLUSH_WAIT;
        let mut flush = Message::Flush(done);
        loop {
            match queue.try_send(flush) {
                Ok(()) => {
                    let _ =
                        flushed.recv_timeout(deadline.saturating_duration_since(Instant::now()));
                    return;
                }
                Err(TrySendError::Full(back)) if Instant::now() < deadline => {
                    flush = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(_) => return,
            }
        }
    }
}

/// Installs the global subscriber once, writing through the lossy queue; later calls (tests)
/// are ignored.
pub fn init(filter: &str) -> LogGuard {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let (queue, lines) = sync_channel(QUEUE_LINES);
    let writer = std::thread::Builder::new()
        .name("log-writer".into())
        .spawn(move || write_lines(lines));
    if writer.is_err() {
        // No thread, no logs: serving matters more.
        return LogGuard(None);
    }
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .with_writer(QueueWriter(queue.clone()))
        .try_init();
    LogGuard(installed.is_ok().then_some(queue))
}

fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let sane = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    sane.then(|| value.to_owned())
}

fn new_id() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Middleware: request id, a span per request, one log line per response.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = incoming_id(&req).unwrap_or_else(new_id);
    let method = req.method().clone();
    let route = req.match_pattern().unwrap_or_else(|| req.path().to_owned());
    let span = tracing::info_span!("request", request_id = %id, %method, route = %route);
    let started = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            millis = started.elapsed().as_millis() as u64,
            "request done"
        );
    });
    Ok(res)
}
