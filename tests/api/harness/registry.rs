//! A stand-in for ClinicalTrials.gov, on `127.0.0.1:0`: it serves study records at
//! `/api/v2/studies/{nctId}` as a story sets them (the fixtures, changed copies, failures), and
//! counts the requests for each study. A study it was told nothing about is answered 404.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::{App, HttpResponse, HttpServer, web};
use serde_json::Value;

/// One answer: a status, a body and perhaps a `Retry-After` (seconds).
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<u64>,
}

impl Answer {
    /// 200 with this record.
    pub fn record(record: &Value) -> Self {
        Self {
            status: 200,
            body: record.to_string(),
            retry_after: None,
        }
    }

    /// This status with a short problem body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            body: format!("{{\"status\": {status}}}"),
            retry_after: None,
        }
    }

    /// 429 asking to come back in `seconds`.
    pub fn too_many(seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds),
            ..Self::status(429)
        }
    }

    /// 200 with a body that is not JSON.
    pub fn garbage() -> Self {
        Self {
            status: 200,
            body: "<html>maintenance</html>".into(),
            retry_after: None,
        }
    }
}

#[derive(Default)]
struct Studies {
    /// Answers in turn; the last one is kept for every later request.
    answers: HashMap<String, VecDeque<Answer>>,
    requests: HashMap<String, usize>,
    delay: Duration,
}

/// The running stand-in; dropping it stops it.
pub struct Registry {
    /// `http://127.0.0.1:<port>`, the `trial_sync.registry_url` of the servers under test.
    pub url: String,
    studies: Arc<Mutex<Studies>>,
    handle: ServerHandle,
}

async fn study(studies: web::Data<Arc<Mutex<Studies>>>, nct: web::Path<String>) -> HttpResponse {
    let nct = nct.into_inner();
    let (answer, delay) = {
        let mut s = studies.lock().expect("the registry's state");
        *s.requests.entry(nct.clone()).or_default() += 1;
        let answer = match s.answers.get_mut(&nct) {
            Some(queue) if queue.len() > 1 => queue.pop_front(),
            Some(queue) => queue.front().cloned(),
            None => None,
        };
        (answer.unwrap_or_else(|| Answer::status(404)), s.delay)
    };
    actix_web::rt::time::sleep(delay).await;
    let mut response = HttpResponse::build(
        actix_web::http::StatusCode::from_u16(answer.status).expect("a valid status"),
    );
    if let Some(seconds) = answer.retry_after {
        response.insert_header(("retry-after", seconds.to_string()));
    }
    response.content_type("application/json").body(answer.body)
}

impl Registry {
    /// Starts it on the test's actix system.
    pub fn start() -> Self {
        let studies = Arc::new(Mutex::new(Studies::default()));
        let data = web::Data::new(studies.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/api/v2/studies/{nct}", web::get().to(study))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("the registry binds a port");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}"),
            studies,
            handle,
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut Studies) -> T) -> T {
        f(&mut self.studies.lock().expect("the registry's state"))
    }

    /// From now on, `nct` is answered with this record.
    pub fn serve(&self, nct: &str, record: &Value) {
        self.answer(nct, vec![Answer::record(record)]);
    }

    /// From now on, `nct` is answered with these answers in turn, then the last one again.
    pub fn answer(&self, nct: &str, answers: Vec<Answer>) {
        self.with(|s| s.answers.insert(nct.to_owned(), answers.into()));
    }

    /// Every answer waits this long first (so that passes overlap).
    pub fn delay(&self, delay: Duration) {
        self.with(|s| s.delay = delay);
    }

    /// How many requests for `nct` came.
    pub fn requests(&self, nct: &str) -> usize {
        self.with(|s| s.requests.get(nct).copied().unwrap_or(0))
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// A real study record of `tests/fixtures/clinicaltrials/`.
pub fn fixture(nct: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/clinicaltrials/{nct}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// The overall status of a record (`RECRUITING`, `COMPLETED`…), changed.
pub fn with_status(record: &Value, status: &str) -> Value {
    let mut record = record.clone();
    record["protocolSection"]["statusModule"]["overallStatus"] = status.into();
    record
}

/// The locations of a record, changed by `f`.
pub fn with_locations(record: &Value, f: impl FnOnce(&mut Vec<Value>)) -> Value {
    let mut record = record.clone();
    let locations = record["protocolSection"]["contactsLocationsModule"]["locations"]
        .as_array_mut()
        .expect("a record with locations");
    f(locations);
    record
}
