//! The ClinicalTrials.gov API v2 client of the registry sync: reads one study record,
//! `GET {registry_url}/api/v2/studies/{nctId}`, over HTTPS (OpenSSL) or plain HTTP.
//!
//! Each request may take `timeout_secs` in all (connecting, the answer and its body). A
//! timeout, a connection error, a 5xx or a 429 is tried again up to `retries` times, waiting
//! `retry_base_ms` and then twice as long each time, or what a `Retry-After` of up to a minute
//! asks (a longer one gives up for this pass). Two requests, retries included, are at least
//! `request_interval_ms` apart. A 404 says the registry has no such study; any other answer,
//! or a record larger than an import allows, is reported as unreadable.

use std::cell::Cell;
use std::time::{Duration, Instant};

use awc::error::SendRequestError;
use awc::http::StatusCode;
use awc::http::header::{ACCEPT, RETRY_AFTER, USER_AGENT};

use super::import::MAX_RECORD_BYTES;
use crate::config::TrialSyncSettings;

/// The longest `Retry-After` waited for; a registry asking for more is left for the next pass.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// The longest wait between two attempts when the registry says nothing.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The registry answered 404: it has no such study (or no longer shows it).
    #[error("the registry has no study {0} (404)")]
    NotFound(String),
    /// The registry could not be reached or kept failing, after every retry.
    #[error("the registry is unavailable: {0}")]
    Unavailable(String),
    /// An answer that is not a record: another status, or a body too large.
    #[error("the registry's answer cannot be used: {0}")]
    Unusable(String),
}

/// What one attempt gave.
enum Attempt {
    Record(Vec<u8>),
    /// Worth another try, after `wait` if the registry said how long.
    Retry(String, Option<Duration>),
    Fail(FetchError),
}

/// One pass's client: it keeps the pace of its requests.
pub struct RegistryClient {
    client: awc::Client,
    base: String,
    timeout: Duration,
    interval: Duration,
    retries: u32,
    retry_base: Duration,
    last_request: Cell<Option<Instant>>,
}

impl RegistryClient {
    pub fn new(settings: &TrialSyncSettings) -> Self {
        let timeout = Duration::from_secs(settings.timeout_secs.max(1));
        let client = awc::Client::builder()
            .timeout(timeout)
            .add_default_header((
                USER_AGENT,
                concat!("butterfly/", env!("CARGO_PKG_VERSION"), " (registry sync)"),
            ))
            .finish();
        Self {
            client,
            base: settings.registry_url.trim_end_matches('/').to_owned(),
            timeout,
            interval: Duration::from_millis(settings.request_interval_ms),
            retries: settings.retries,
            retry_base: Duration::from_millis(settings.retry_base_ms),
            last_request: Cell::new(None),
        }
    }

    /// The record of study `nct` as the registry serves it (JSON bytes).
    pub async fn study(&self, nct: &str) -> Result<Vec<u8>, FetchError> {
        let url = format!("{}/api/v2/studies/{nct}", self.base);
        let mut attempt = 0;
        loop {
            let wait = match self.attempt(&url, nct).await {
                Attempt::Record(body) => return Ok(body),
                Attempt::Fail(e) => return Err(e),
                Attempt::Retry(why, _) if attempt >= self.retries => {
                    return Err(FetchError::Unavailable(why));
                }
                Attempt::Retry(why, Some(asked)) if asked > MAX_RETRY_AFTER => {
                    return Err(FetchError::Unavailable(format!(
                        "{why}; asked to wait {} s",
                        asked.as_secs()
                    )));
                }
                Attempt::Retry(why, asked) => {
                    let wait = asked.unwrap_or_else(|| backoff(self.retry_base, attempt));
                    tracing::info!(nct, attempt, wait_ms = wait.as_millis() as u64, reason = %why, "retrying a registry record");
                    wait
                }
            };
            actix_web::rt::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// Waits until the polite interval since the last request has passed.
    async fn keep_pace(&self) {
        if let Some(last) = self.last_request.get() {
            let since = last.elapsed();
            if since < self.interval {
                actix_web::rt::time::sleep(self.interval - since).await;
            }
        }
        self.last_request.set(Some(Instant::now()));
    }

    async fn attempt(&self, url: &str, nct: &str) -> Attempt {
        self.keep_pace().await;
        let exchange = async {
            let mut response = match self
                .client
                .get(url)
                .insert_header((ACCEPT, "application/json"))
                .send()
                .await
            {
                Ok(response) => response,
                Err(
                    e @ (SendRequestError::Timeout
                    | SendRequestError::Connect(_)
                    | SendRequestError::Send(_)
                    | SendRequestError::Response(_)
                    | SendRequestError::H2(_)),
                ) => return Attempt::Retry(e.to_string(), None),
                Err(e) => return Attempt::Fail(FetchError::Unusable(e.to_string())),
            };
            let status = response.status();
            if status == StatusCode::NOT_FOUND {
                return Attempt::Fail(FetchError::NotFound(nct.to_owned()));
            }
            if status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
                let asked = response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs);
                return Attempt::Retry(format!("answered {status}"), asked);
            }
            if !status.is_success() {
                return Attempt::Fail(FetchError::Unusable(format!("answered {status}")));
            }
            match response.body().limit(MAX_RECORD_BYTES).await {
                Ok(body) => Attempt::Record(body.to_vec()),
                Err(awc::error::PayloadError::Overflow) => Attempt::Fail(FetchError::Unusable(
                    format!("the record is larger than {MAX_RECORD_BYTES} bytes"),
                )),
                Err(e) => Attempt::Retry(format!("the record could not be read: {e}"), None),
            }
        };
        match actix_web::rt::time::timeout(self.timeout, exchange).await {
            Ok(attempt) => attempt,
            Err(_) => Attempt::Retry(
                format!("no complete answer within {} s", self.timeout.as_secs()),
                None,
            ),
        }
    }
}

/// `base`, doubled for each attempt made, at most [`MAX_BACKOFF`].
fn backoff(base: Duration, attempt: u32) -> Duration {
    base.saturating_mul(2u32.saturating_pow(attempt))
        .min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_twice_as_long_each_time_up_to_a_minute() {
        let base = Duration::from_secs(1);
        assert_eq!(backoff(base, 0), Duration::from_secs(1));
        assert_eq!(backoff(base, 1), Duration::from_secs(2));
        assert_eq!(backoff(base, 3), Duration::from_secs(8));
        assert_eq!(backoff(base, 40), MAX_BACKOFF);
    }

    /// The registry is read over HTTPS: the client starts a TLS handshake (which fails here,
    /// against a listener that hangs up) instead of refusing the scheme ("SSL is not
    /// supported" without a TLS connector).
    #[actix_web::test]
    async fn https_addresses_are_read_over_tls() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = std::thread::spawn(move || drop(listener.accept()));
        let client = RegistryClient::new(&TrialSyncSettings {
            registry_url: format!("https://127.0.0.1:{port}"),
            retries: 0,
            timeout_secs: 10,
            ..TrialSyncSettings::default()
        });
        let error = client.study("NCT06323538").await.unwrap_err();
        server.join().unwrap();
        let FetchError::Unavailable(message) = error else {
            panic!("not a connection failure: {error:?}");
        };
        assert!(message.contains("Failed to connect to host"), "{message}");
        assert!(!message.contains("SSL is not supported"), "{message}");
    }
}
