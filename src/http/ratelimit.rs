//! Rate limiting, in process: each server instance counts on its own, so behind a load
//! balancer with N instances a client may get up to N times the configured limit.
//!
//! - [`Limiter`]: fixed-window counters of failed logins per account and per client IP
//!   (`login_throttle`, used by the login service).
//! - [`enforce`]: one middleware that limits requests by route pattern and method
//!   (`rate_limits` in the settings): registration, login, password reset, verification
//!   resend, posting, flagging, trial interest and search. Each request counts against the
//!   client IP and against the account: the bearer token's user when one is signed in, or the
//!   email address in the body on the routes used before signing in. Over the limit the answer
//!   is 429 problem+json with `Retry-After`; every answer of a limited route carries
//!   `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (IETF draft "RateLimit
//!   header fields for HTTP"), describing the tightest of the limits that apply.
//! - [`client_ip`]: the socket's peer, or with `trusted_proxies` configured the right-most
//!   address of `X-Forwarded-For` that is not a trusted proxy.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, ResponseError, web};
use futures_util::StreamExt;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::config::{ConfigError, RateLimit, RateLimitSettings};
use crate::http::MAX_BODY_BYTES;
use crate::http::error::ApiError;
use crate::startup::AppState;

/// Counts events per key within a window.
#[derive(Clone)]
pub struct Limiter {
    limit: u32,
    window: Duration,
    counts: Arc<Mutex<HashMap<String, (u32, Instant)>>>,
}

impl Limiter {
    pub fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit: limit.max(1),
            window,
            counts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// `Some(seconds to wait)` when `key` has used up its window.
    pub fn blocked(&self, key: &str) -> Option<u64> {
        let counts = self.counts.lock().ok()?;
        let (count, start) = counts.get(key)?;
        let elapsed = start.elapsed();
        (*count >= self.limit && elapsed < self.window)
            .then(|| (self.window - elapsed).as_secs().max(1))
    }

    /// Counts one event for `key`.
    pub fn record(&self, key: &str) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        let now = Instant::now();
        if counts.len() > MAX_KEYS {
            let window = self.window;
            counts.retain(|_, (_, start)| now.duration_since(*start) < window);
        }
        let entry = counts.entry(key.to_owned()).or_insert((0, now));
        if now.duration_since(entry.1) >= self.window {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    /// Forgets `key` (after a successful login).
    pub fn reset(&self, key: &str) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.remove(key);
        }
    }
}

/// Past this many counters, expired ones are swept out before a new one is added.
const MAX_KEYS: usize = 100_000;

// ----- client IP -----

/// An address or a CIDR range (`10.0.0.0/8`, `fd00::/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct IpRange {
    addr: IpAddr,
    prefix: u8,
}

impl IpRange {
    fn parse(raw: &str) -> Option<Self> {
        let raw = raw.trim();
        let (addr, prefix) = match raw.split_once('/') {
            Some((addr, prefix)) => (addr.parse::<IpAddr>().ok()?, Some(prefix.parse().ok()?)),
            None => (raw.parse::<IpAddr>().ok()?, None),
        };
        let bits = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Self { addr, prefix })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        let mask = |bits: u32, width: u32| -> u128 {
            if bits == 0 {
                0
            } else {
                (!0u128 << (width - bits)) & (!0u128 >> (128 - width))
            }
        };
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let m = mask(u32::from(self.prefix), 32);
                u128::from(u32::from(net)) & m == u128::from(u32::from(ip)) & m
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let m = mask(u32::from(self.prefix), 128);
                u128::from(net) & m == u128::from(ip) & m
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) as the IPv4 address they are.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The reverse proxies whose `X-Forwarded-For` is believed (`trusted_proxies`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Vec<IpRange>);

impl TrustedProxies {
    /// Parses `trusted_proxies`; an entry that is neither an address nor a CIDR range is a
    /// configuration error.
    pub fn parse(entries: &[String]) -> Result<Self, ConfigError> {
        entries
            .iter()
            .map(|entry| {
                IpRange::parse(entry).ok_or_else(|| {
                    ConfigError(format!(
                        "trusted_proxies: `{entry}` is neither an IP address nor a range such as 10.0.0.0/8"
                    ))
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(ip))
    }

    /// The client: the peer, unless the peer is a trusted proxy; then the right-most address
    /// of `X-Forwarded-For` that is not itself a trusted proxy (addresses further left were
    /// written by the client and may be forged).
    pub fn client(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = canonical(peer?);
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>().map(canonical) {
                Ok(ip) if self.trusts(ip) => client = ip,
                Ok(ip) => return Some(ip),
                // Unreadable: stop at the last address a trusted proxy vouched for.
                Err(_) => break,
            }
        }
        Some(client)
    }
}

/// The client's IP address as the settings say to find it (see [`TrustedProxies::client`]).
pub fn client_ip(req: &HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip());
    match req.app_data::<web::Data<TrustedProxies>>() {
        Some(trusted) => trusted.client(peer, req.headers()),
        None => peer.map(canonical),
    }
}

// ----- the route limits -----

/// The kinds of request that are limited; each has its own `RateLimit` in the settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    Registration,
    Login,
    PasswordReset,
    VerificationResend,
    Posting,
    Flagging,
    TrialInterest,
    Search,
}

impl Rule {
    pub const ALL: [Rule; 8] = [
        Self::Registration,
        Self::Login,
        Self::PasswordReset,
        Self::VerificationResend,
        Self::Posting,
        Self::Flagging,
        Self::TrialInterest,
        Self::Search,
    ];

    /// The settings key, also the `rule` label in metrics.
    pub fn name(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Login => "login",
            Self::PasswordReset => "password_reset",
            Self::VerificationResend => "verification_resend",
            Self::Posting => "posting",
            Self::Flagging => "flagging",
            Self::TrialInterest => "trial_interest",
            Self::Search => "search",
        }
    }

    fn limit(self, settings: &RateLimitSettings) -> RateLimit {
        match self {
            Self::Registration => settings.registration,
            Self::Login => settings.login,
            Self::PasswordReset => settings.password_reset,
            Self::VerificationResend => settings.verification_resend,
            Self::Posting => settings.posting,
            Self::Flagging => settings.flagging,
            Self::TrialInterest => settings.trial_interest,
            Self::Search => settings.search,
        }
    }

    /// Routes used before signing in name their account by the body's `email`.
    fn account_in_body(self) -> bool {
        matches!(
            self,
            Self::Registration | Self::Login | Self::PasswordReset | Self::VerificationResend
        )
    }
}

/// The limited routes: method, route pattern (as registered with actix) and rule.
pub const LIMITED_ROUTES: &[(Method, &str, Rule)] = &[
    (Method::POST, "/api/v1/accounts", Rule::Registration),
    (Method::POST, "/api/v1/sessions", Rule::Login),
    (Method::POST, "/api/v1/password-resets", Rule::PasswordReset),
    (
        Method::POST,
        "/api/v1/accounts/verify/resend",
        Rule::VerificationResend,
    ),
    (Method::POST, "/api/v1/boards/{slug}/threads", Rule::Posting),
    (Method::POST, "/api/v1/threads/{id}/posts", Rule::Posting),
    (Method::POST, "/api/v1/posts/{id}/flags", Rule::Flagging),
    (
        Method::POST,
        "/api/v1/trials/{id}/interest",
        Rule::TrialInterest,
    ),
    (Method::GET, "/api/v1/search", Rule::Search),
];

/// Where a key stands in its window, as the `RateLimit-*` headers tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the window ends.
    pub reset_secs: u64,
}

/// The outcome of counting one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// No limit applies (all set to 0).
    Unlimited,
    Allowed(Quota),
    Refused(Quota),
}

struct Window {
    count: u32,
    start: Instant,
    length: Duration,
}

/// The counters of every limited route, shared by the server's workers.
pub struct RouteLimits {
    settings: RateLimitSettings,
    windows: Mutex<HashMap<String, Window>>,
    refused: [AtomicU64; Rule::ALL.len()],
}

impl RouteLimits {
    pub fn new(settings: RateLimitSettings) -> Self {
        Self {
            settings,
            windows: Mutex::new(HashMap::new()),
            refused: Default::default(),
        }
    }

    /// The rule for a request, if its route is limited.
    fn rule_for(&self, method: &Method, pattern: &str) -> Option<Rule> {
        if !self.settings.enabled {
            return None;
        }
        LIMITED_ROUTES
            .iter()
            .find(|(m, p, _)| m == method && *p == pattern)
            .map(|(_, _, rule)| *rule)
    }

    /// Requests refused so far, per rule (for metrics).
    pub fn refusals(&self) -> Vec<(&'static str, u64)> {
        Rule::ALL
            .iter()
            .zip(&self.refused)
            .map(|(rule, n)| (rule.name(), n.load(Ordering::Relaxed)))
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Window>> {
        // A panic while holding the lock leaves the counters usable.
        self.windows.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts one request against each `(key, limit)` (limit 0: not counted), unless one of
    /// them is used up already.
    fn count(&self, keys: &[(String, u32)], length: Duration, now: Instant) -> Verdict {
        let mut windows = self.lock();
        if windows.len() > MAX_KEYS {
            windows.retain(|_, w| now.duration_since(w.start) < w.length);
        }
        let active: Vec<&(String, u32)> = keys.iter().filter(|(_, limit)| *limit > 0).collect();
        if active.is_empty() {
            return Verdict::Unlimited;
        }
        let mut refused: Option<Quota> = None;
        for (key, limit) in &active {
            let window = windows.entry(key.clone()).or_insert(Window {
                count: 0,
                start: now,
                length,
            });
            if now.duration_since(window.start) >= window.length {
                *window = Window {
                    count: 0,
                    start: now,
                    length,
                };
            }
            if window.count >= *limit {
                let quota = Quota {
                    limit: *limit,
                    remaining: 0,
                    reset_secs: seconds_left(window, now),
                };
                // When several are used up, the client must wait for the last to reset.
                if refused.is_none_or(|r| quota.reset_secs > r.reset_secs) {
                    refused = Some(quota);
                }
            }
        }
        if let Some(quota) = refused {
            return Verdict::Refused(quota);
        }
        let mut tightest: Option<Quota> = None;
        for (key, limit) in &active {
            let Some(window) = windows.get_mut(key) else {
                continue;
            };
            window.count += 1;
            let quota = Quota {
                limit: *limit,
                remaining: limit.saturating_sub(window.count),
                reset_secs: seconds_left(window, now),
            };
            let tighter = tightest.is_none_or(|t| {
                (quota.remaining, std::cmp::Reverse(quota.reset_secs))
                    < (t.remaining, std::cmp::Reverse(t.reset_secs))
            });
            if tighter {
                tightest = Some(quota);
            }
        }
        tightest.map_or(Verdict::Unlimited, Verdict::Allowed)
    }
}

/// Whole seconds until the window ends, rounded up, at least 1.
fn seconds_left(window: &Window, now: Instant) -> u64 {
    let left = window
        .length
        .saturating_sub(now.duration_since(window.start));
    let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
    secs.max(1)
}

const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

fn set_quota_headers(headers: &mut HeaderMap, quota: Quota) {
    headers.insert(RATELIMIT_LIMIT, HeaderValue::from(quota.limit));
    headers.insert(RATELIMIT_REMAINING, HeaderValue::from(quota.remaining));
    headers.insert(RATELIMIT_RESET, HeaderValue::from(quota.reset_secs));
}

/// The user id of a valid bearer token, without asking the database (a revoked session's
/// token still counts against its own account, which is harmless).
fn bearer_subject(req: &ServiceRequest) -> Option<String> {
    let state = req.app_data::<web::Data<AppState>>()?;
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    state
        .keys
        .verify(token.trim())
        .ok()
        .map(|claims| claims.sub)
}

#[derive(Deserialize)]
struct EmailField {
    email: Option<String>,
}

/// The `email` of a JSON body, read and put back for the handler. A body over the JSON limit
/// gets the 413 the handler would give.
async fn email_in_body(req: &mut ServiceRequest) -> Result<Option<String>, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    if !is_json {
        return Ok(None);
    }
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::BadRequest(format!("the request body cannot be read: {e}")))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(ApiError::PayloadTooLarge(format!(
                "the request body is larger than {MAX_BODY_BYTES} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let email = serde_json::from_slice::<EmailField>(&body)
        .ok()
        .and_then(|field| field.email)
        .map(|email| email.trim().to_lowercase())
        .filter(|email| !email.is_empty());
    req.set_payload(actix_web::dev::Payload::from(body));
    Ok(email)
}

/// Middleware: counts requests to the limited routes per client IP and per account, answers
/// 429 once either is used up, and adds the `RateLimit-*` headers to every answer of a limited
/// route.
pub async fn enforce(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody, impl MessageBody>>, actix_web::Error> {
    let limits = req.app_data::<web::Data<RouteLimits>>().cloned();
    let rule = limits.as_ref().and_then(|limits| {
        let pattern = req.match_pattern()?;
        limits.rule_for(req.method(), &pattern)
    });
    let (Some(limits), Some(rule)) = (limits, rule) else {
        return Ok(next.call(req).await?.map_into_right_body());
    };
    let limit = rule.limit(&limits.settings);
    let account = match bearer_subject(&req) {
        Some(user_id) => Some(format!("user:{user_id}")),
        None if rule.account_in_body() && limit.per_account > 0 => {
            match email_in_body(&mut req).await {
                // Hashed: the counters never hold an address.
                Ok(email) => email.map(|e| format!("email:{}", hex::encode(Sha256::digest(e)))),
                Err(e) => return Ok(req.into_response(e.error_response()).map_into_left_body()),
            }
        }
        None => None,
    };
    let ip = client_ip(req.request()).map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    let mut keys = vec![(format!("{}|ip|{ip}", rule.name()), limit.per_ip)];
    if let Some(account) = account {
        keys.push((format!("{}|{account}", rule.name()), limit.per_account));
    }
    let length = Duration::from_secs(limit.window_secs.max(1));
    match limits.count(&keys, length, Instant::now()) {
        Verdict::Unlimited => Ok(next.call(req).await?.map_into_right_body()),
        Verdict::Refused(quota) => {
            if let Some(counter) = Rule::ALL
                .iter()
                .position(|r| *r == rule)
                .and_then(|i| limits.refused.get(i))
            {
                counter.fetch_add(1, Ordering::Relaxed);
            }
            tracing::info!(rule = rule.name(), "rate limited");
            let mut response = ApiError::TooManyRequests {
                retry_after: quota.reset_secs,
            }
            .error_response();
            set_quota_headers(response.headers_mut(), quota);
            Ok(req.into_response(response).map_into_left_body())
        }
        Verdict::Allowed(quota) => {
            let mut res = next.call(req).await?;
            let quota =
                throttled_by_handler(res.status(), res.headers()).map_or(quota, |wait| Quota {
                    remaining: 0,
                    reset_secs: wait,
                    ..quota
                });
            set_quota_headers(res.headers_mut(), quota);
            Ok(res.map_into_right_body())
        }
    }
}

/// A handler's own 429 (the failed-login throttle, a new member's posting pace): its wait.
fn throttled_by_handler(status: StatusCode, headers: &HeaderMap) -> Option<u64> {
    if status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    headers
        .get(header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

// ----- the OpenAPI document -----

/// Documents the 429 answer and the `RateLimit-*` headers on every limited operation, from
/// the same table the middleware uses.
pub struct RateLimitDocs;

impl utoipa::Modify for RateLimitDocs {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{ContentBuilder, Object, Ref, RefOr, ResponseBuilder, Type};

        let integer = |description: &str| {
            HeaderBuilder::new()
                .schema(Object::with_type(Type::Integer))
                .description(Some(description))
                .build()
        };
        let quota_headers = [
            (
                "RateLimit-Limit",
                integer("Requests allowed in the current window (the tightest limit that applies)"),
            ),
            (
                "RateLimit-Remaining",
                integer("Requests left in the current window"),
            ),
            (
                "RateLimit-Reset",
                integer("Seconds until the current window ends"),
            ),
        ];
        for (method, pattern, rule) in LIMITED_ROUTES {
            let Some(item) = openapi.paths.paths.get_mut(*pattern) else {
                continue;
            };
            let operation = match *method {
                Method::GET => item.get.as_mut(),
                Method::POST => item.post.as_mut(),
                _ => None,
            };
            let Some(operation) = operation else {
                continue;
            };
            let responses = &mut operation.responses.responses;
            let mut too_many = ResponseBuilder::new()
                .description(format!(
                    "Too many requests from this client or account (`rate_limits.{}`); wait `Retry-After` seconds",
                    rule.name()
                ))
                .header("Retry-After", integer("Seconds to wait before trying again"))
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                );
            for (name, header) in &quota_headers {
                too_many = too_many.header(*name, header.clone());
            }
            responses.insert("429".into(), RefOr::T(too_many.build()));
            for response in responses.values_mut() {
                if let RefOr::T(response) = response {
                    for (name, header) in &quota_headers {
                        response
                            .headers
                            .entry((*name).to_owned())
                            .or_insert_with(|| header.clone());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_the_limit_and_forgets_on_reset() {
        let limiter = Limiter::new(2, Duration::from_secs(60));
        limiter.record("a");
        assert!(limiter.blocked("a").is_none());
        limiter.record("a");
        assert!(limiter.blocked("a").is_some_and(|s| s > 0 && s <= 60));
        assert!(limiter.blocked("b").is_none());
        limiter.reset("a");
        assert!(limiter.blocked("a").is_none());
    }

    #[test]
    fn every_limited_route_is_a_documented_operation_with_its_429() {
        use utoipa::OpenApi;
        let doc = crate::http::openapi::ApiDoc::openapi();
        for (method, pattern, rule) in LIMITED_ROUTES {
            let item = doc
                .paths
                .paths
                .get(*pattern)
                .unwrap_or_else(|| panic!("{pattern} ({}) is not a route", rule.name()));
            let operation = match *method {
                Method::GET => item.get.as_ref(),
                Method::POST => item.post.as_ref(),
                _ => None,
            }
            .unwrap_or_else(|| panic!("{method} {pattern} is not a route"));
            assert!(
                operation.responses.responses.contains_key("429"),
                "{method} {pattern} does not document its 429"
            );
        }
    }

    fn keys(ip: u32, account: u32) -> Vec<(String, u32)> {
        vec![("r|ip|1".into(), ip), ("r|user:7".into(), account)]
    }

    #[test]
    fn the_tightest_limit_is_reported_and_refuses_when_used_up() {
        let limits = RouteLimits::new(RateLimitSettings::default());
        let window = Duration::from_secs(60);
        let start = Instant::now();
        let first = limits.count(&keys(5, 2), window, start);
        assert_eq!(
            first,
            Verdict::Allowed(Quota {
                limit: 2,
                remaining: 1,
                reset_secs: 60
            })
        );
        limits.count(&keys(5, 2), window, start);
        let refused = limits.count(&keys(5, 2), window, start + Duration::from_millis(1500));
        assert_eq!(
            refused,
            Verdict::Refused(Quota {
                limit: 2,
                remaining: 0,
                reset_secs: 59
            })
        );
        // A refused request is not counted; a new window starts afresh.
        let later = limits.count(&keys(5, 2), window, start + window);
        assert!(matches!(later, Verdict::Allowed(q) if q.remaining == 1));
    }

    #[test]
    fn zero_turns_a_side_off() {
        let limits = RouteLimits::new(RateLimitSettings::default());
        let now = Instant::now();
        assert_eq!(
            limits.count(&keys(0, 0), Duration::from_secs(1), now),
            Verdict::Unlimited
        );
        for _ in 0..10 {
            assert!(matches!(
                limits.count(&keys(0, 10), Duration::from_secs(60), now),
                Verdict::Allowed(_)
            ));
        }
        assert!(matches!(
            limits.count(&keys(0, 10), Duration::from_secs(60), now),
            Verdict::Refused(_)
        ));
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_str(value).expect("a header value"),
        );
        headers
    }

    #[test]
    fn the_client_is_the_peer_unless_a_trusted_proxy_forwards() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("an address");
        let none = TrustedProxies::default();
        let headers = forwarded("203.0.113.9");
        assert_eq!(
            none.client(Some(ip("10.0.0.2")), &headers),
            Some(ip("10.0.0.2"))
        );
        let proxies = TrustedProxies::parse(&["10.0.0.0/8".into(), "::1".into()]).expect("parses");
        // The client forged the left-most entry; the proxy appended the real one.
        let headers = forwarded("1.1.1.1, 203.0.113.9, 10.0.0.7");
        assert_eq!(
            proxies.client(Some(ip("10.0.0.2")), &headers),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            proxies.client(Some(ip("::ffff:10.0.0.2")), &headers),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            proxies.client(Some(ip("198.51.100.1")), &headers),
            Some(ip("198.51.100.1"))
        );
        assert_eq!(
            proxies.client(Some(ip("10.0.0.2")), &HeaderMap::new()),
            Some(ip("10.0.0.2"))
        );
        assert!(TrustedProxies::parse(&["not-an-ip".into()]).is_err());
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
    }
}
