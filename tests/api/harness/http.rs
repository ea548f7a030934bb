//! The answer to one HTTP request, with the assertions the tests make about answers: a status
//! with a JSON body, or a problem document (RFC 9457) with the right status; and [`call`], one
//! request to a server running as its own process.

use awc::http::Method;
use awc::http::header::HeaderMap;
use serde_json::Value;

/// One request to a server running as its own process (not a [`super::TestApp`]): its status
/// and JSON body (`Null` when the body is not JSON), or why no answer came.
pub async fn call(
    client: &awc::Client,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> Result<(u16, Value), String> {
    let mut request = client.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let sent = match body {
        Some(body) => request.send_json(&body).await,
        None => request.send().await,
    };
    let mut response = sent.map_err(|e| format!("{url}: {e}"))?;
    let bytes = response.body().await.map_err(|e| format!("{url}: {e}"))?;
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Ok((response.status().as_u16(), json))
}

/// Status, headers and body of one response.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Reply {
    /// The body as JSON; panics (showing the body) if it is not JSON.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "expected a JSON body ({e}), got status {} and body {:?}",
                self.status, self.body
            )
        })
    }

    /// A header as text, if present.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }

    /// A header that holds a whole number (`Retry-After`, `RateLimit-Remaining`); fails the
    /// test when it is missing or is not one.
    #[track_caller]
    pub fn header_number(&self, name: &str) -> u64 {
        self.header(name)
            .unwrap_or_else(|| panic!("no {name} header (status {}): {}", self.status, self.body))
            .parse()
            .unwrap_or_else(|e| panic!("{name} is not a number: {e}"))
    }

    /// Asserts the status and returns the JSON body (`Null` when the body is empty).
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "expected status {status}, got {} with body {}",
            self.status, self.body
        );
        if self.body.trim().is_empty() {
            Value::Null
        } else {
            self.json()
        }
    }

    /// Asserts an `application/problem+json` answer with this status and returns the problem.
    #[track_caller]
    pub fn expect_problem(&self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "expected a {status} problem, got status {} with body {}",
            self.status, self.body
        );
        self.problem()
    }

    /// Asserts a 422 naming `field` in its `errors` map.
    #[track_caller]
    pub fn expect_invalid_field(&self, field: &str) -> Value {
        let problem = self.expect_problem(422);
        let message = problem["errors"][field].as_str().unwrap_or_else(|| {
            panic!("expected `errors.{field}` to be a message in the problem {problem}")
        });
        assert!(
            !message.trim().is_empty(),
            "`errors.{field}` is empty in {problem}"
        );
        problem
    }

    #[track_caller]
    fn problem(&self) -> Value {
        let content_type = self.header("content-type").unwrap_or_default();
        assert!(
            content_type.starts_with("application/problem+json"),
            "expected content type application/problem+json, got {content_type:?} (status {}, body {})",
            self.status,
            self.body
        );
        let problem = self.json();
        assert!(
            problem["type"].is_string(),
            "the problem has no string `type`: {problem}"
        );
        assert!(
            problem["title"].is_string(),
            "the problem has no string `title`: {problem}"
        );
        assert_eq!(
            problem["status"].as_u64(),
            Some(u64::from(self.status)),
            "the problem's `status` does not match the HTTP status: {problem}"
        );
        problem
    }
}
