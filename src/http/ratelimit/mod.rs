//! Rate limiting. On PostgreSQL the counters live in the database, so that every server on it
//! counts the same requests (`shared`); on SQLite, where one process serves, in the process.
//!
//! - [`LoginThrottle`]: wrong passwords per account and client, per account, and per client
//!   (`login_throttle`, used by the login and erasure services).
//! - [`enforce`]: one middleware that limits requests by route pattern and method
//!   (`rate_limits` in the settings): registration, login, password reset, verification
//!   resend, posting, flagging, trial interest, search and messaging (posting and flagging not for
//!   moderators and administrators, by their tokens' role), counted with governor (GCRA: a
//!   burst of N, refilled at N per window, see `limiter`). Each request counts against the
//!   client (an IPv4 address; an IPv6 /64, /56 and /48, see `keys`) and against the account:
//!   the bearer token's user, or, on the routes used before signing in, the email address of
//!   the body. That address is counted by the JSON extractor where the body is parsed, through
//!   the [`AccountLimit`] this middleware hands it: one parse, so the limit keys on exactly the
//!   address the handler acts on. Over a limit the answer is 429 problem+json with
//!   `Retry-After` (when the next request fits); every answer of a limited route carries
//!   `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (IETF draft "RateLimit
//!   header fields for HTTP": the limit per window, the burst left now, the seconds until
//!   the whole allowance is back), describing the tightest of the limits that apply.
//! - [`client_ip`]: the socket's peer, or with `trusted_proxies` configured the right-most
//!   address of `X-Forwarded-For` that is not a trusted proxy.
//!
//! Every set of counters in process holds at most `MAX_KEYS` keys; when more come, some are dropped even
//! while still counting: for the request limits those whose allowance is closest to whole
//! again (see `store`), for wrong passwords the windows that started longest ago (`window`).

mod docs;
mod keys;
mod limiter;
mod login;
mod quota;
mod shared;
mod store;
mod window;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

pub use self::docs::RateLimitDocs;
use self::keys::{IPV6_GROUPS, Key, client_networks};
pub use self::keys::{TrustedProxies, client_ip};
use self::limiter::{Counters, LONGEST_WINDOW};
pub use self::login::{Attempt, Failure, LoginThrottle};
use self::quota::{Quota, Verdict};
use self::shared::Limit;
pub use self::shared::SharedCounters;
use crate::config::{RateLimit, RateLimitSettings};
use crate::db::DbError;
use crate::http::error::ApiError;

/// An email address as accounts are looked up by it (`users.email_lower`) and counted under by
/// the rate limits and the wrong-password throttle: trimmed and lower-cased.
pub fn email_key(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// Keys each set of counters holds at most.
const MAX_KEYS: usize = 50_000;

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
    Messaging,
}

impl Rule {
    pub const ALL: [Rule; 9] = [
        Self::Registration,
        Self::Login,
        Self::PasswordReset,
        Self::VerificationResend,
        Self::Posting,
        Self::Flagging,
        Self::TrialInterest,
        Self::Search,
        Self::Messaging,
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
            Self::Messaging => "messaging",
        }
    }

    /// Its place in [`Rule::ALL`].
    fn index(self) -> usize {
        self as usize
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
            Self::Messaging => settings.messaging,
        }
    }

    /// Limits meant for members that moderators and administrators are not held by (as
    /// Discourse exempts its staff): they post and flag as part of their work, and every
    /// one of those actions is still recorded.
    fn exempts_staff(self) -> bool {
        matches!(self, Self::Posting | Self::Flagging)
    }

    /// Routes used before signing in name their account by the body's `email`, and act on
    /// that address whoever is signed in.
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
    // The second step of a sign-in counts with the first (its body names no address).
    (Method::POST, "/api/v1/sessions/two-factor", Rule::Login),
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
    (Method::POST, "/api/v1/conversations", Rule::Messaging),
    (
        Method::POST,
        "/api/v1/conversations/{id}/messages",
        Rule::Messaging,
    ),
];

/// The counters of every limited route, shared by the server's workers (and on PostgreSQL by
/// every server on the database).
pub struct RouteLimits {
    settings: RateLimitSettings,
    /// In process: one set per rule, in the order of [`Rule::ALL`], each with its rule's
    /// limits. Empty when the counters are shared.
    counters: Vec<Counters>,
    /// The counters in the database, on PostgreSQL.
    shared: Option<SharedCounters>,
    /// Requests refused, per rule (a metric).
    refused: Family<RuleLabel, Counter>,
    /// The account a request is made by, if it says (a valid bearer token's subject).
    identify: Identify,
}

/// The `rule` label of the refusals.
#[derive(Clone, Debug, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RuleLabel {
    rule: &'static str,
}

impl From<Rule> for RuleLabel {
    fn from(rule: Rule) -> Self {
        Self { rule: rule.name() }
    }
}

/// The account a request is made by, as its bearer token says.
pub struct Requester {
    /// The account id.
    pub account: String,
    /// The token names a moderator or an administrator.
    pub staff: bool,
}

/// Tells the account a request is made by, without asking the database.
pub type Identify = fn(&actix_web::HttpRequest) -> Option<Requester>;

impl RouteLimits {
    /// The limits of `settings`, counted in the database when `shared` is given, else in
    /// this process.
    pub fn new(
        settings: RateLimitSettings,
        identify: Identify,
        shared: Option<SharedCounters>,
    ) -> Self {
        let in_process = if shared.is_some() {
            &[][..]
        } else {
            &Rule::ALL[..]
        };
        let counters = in_process
            .iter()
            .map(|rule| {
                let limit = rule.limit(&settings);
                let window = Duration::from_secs(limit.window_secs.max(1));
                let per_client = IPV6_GROUPS
                    .iter()
                    .map(|&(_, factor)| limit.per_ip.saturating_mul(factor));
                Counters::new(window, per_client.chain([limit.per_account]))
            })
            .collect();
        // Every rule has its series from the start, at 0.
        let refused = Family::default();
        for rule in Rule::ALL {
            let _ = refused.get_or_create(&rule.into());
        }
        Self {
            settings,
            counters,
            shared,
            refused,
            identify,
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

    /// Registers the refusals, per rule (every rule, from 0).
    pub fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "butterfly_rate_limited",
            "Requests refused with 429 by the rate limits, by rule",
            self.refused.clone(),
        );
    }

    async fn count(&self, rule: Rule, keys: &[(Key<'_>, u32)]) -> Result<Verdict, DbError> {
        let Some(shared) = &self.shared else {
            return Ok(match self.counters.get(rule.index()) {
                Some(counters) => counters.try_count(keys),
                None => Verdict::Unlimited,
            });
        };
        let window = Duration::from_secs(rule.limit(&self.settings).window_secs)
            .clamp(Duration::from_secs(1), LONGEST_WINDOW);
        let limits = keys
            .iter()
            .map(|(key, limit)| Limit {
                id: shared.id(rule.name(), key),
                limit: *limit,
                window,
            })
            .collect();
        shared.take(limits).await
    }

    fn refusal(&self, rule: Rule) {
        self.refused.get_or_create(&rule.into()).inc();
        tracing::info!(rule = rule.name(), "rate limited");
    }
}

/// The account limit of a route that names its account by the body's `email`, handed by
/// [`enforce`] to the JSON extractor (through the request's extensions), which counts the
/// request once it has parsed the body.
#[derive(Clone)]
pub struct AccountLimit {
    limits: web::Data<RouteLimits>,
    rule: Rule,
    limit: u32,
    outcome: Rc<Cell<Option<Verdict>>>,
}

impl AccountLimit {
    /// Counts the request against the account `email` names (trimmed and lower-cased, as the
    /// accounts look it up); 429 when that account's allowance is used up.
    pub async fn count(&self, email: &str) -> Result<(), ApiError> {
        let account = email_key(email);
        let verdict = self
            .limits
            .count(self.rule, &[(Key::Account(&account), self.limit)])
            .await?;
        self.outcome.set(Some(verdict));
        match verdict {
            Verdict::Refused { retry_after, .. } => {
                self.limits.refusal(self.rule);
                Err(ApiError::TooManyRequests { retry_after })
            }
            Verdict::Allowed(_) | Verdict::Unlimited => Ok(()),
        }
    }
}

const RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RATELIMIT_RESET: HeaderName = HeaderName::from_static("ratelimit-reset");

fn set_quota_headers(headers: &mut HeaderMap, quota: Quota) {
    headers.insert(RATELIMIT_LIMIT, HeaderValue::from(quota.limit));
    headers.insert(RATELIMIT_REMAINING, HeaderValue::from(quota.remaining));
    headers.insert(RATELIMIT_RESET, HeaderValue::from(quota.reset_secs));
}

/// Middleware: counts requests to the limited routes per client and per account, answers 429
/// once one is used up, and adds the `RateLimit-*` headers to every answer of a limited route.
pub async fn enforce(
    req: ServiceRequest,
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
    let requester = if rule.account_in_body() {
        None
    } else {
        (limits.identify)(req.request())
    };
    if let Some(staff) = requester
        .as_ref()
        .filter(|r| r.staff && rule.exempts_staff())
    {
        tracing::info!(
            rule = rule.name(),
            account = %staff.account,
            "staff request not counted by the rate limits"
        );
        return Ok(next.call(req).await?.map_into_right_body());
    }
    let user = requester.map(|r| r.account);
    let mut keys: Vec<(Key<'_>, u32)> = client_networks(client_ip(req.request()))
        .into_iter()
        .map(|(net, factor)| (Key::Client(net), limit.per_ip.saturating_mul(factor)))
        .collect();
    if let Some(user) = user.as_deref() {
        keys.push((Key::User(user), limit.per_account));
    }
    let verdict = match limits.count(rule, &keys).await {
        Ok(verdict) => verdict,
        Err(e) => {
            let response = ApiError::from(e).error_response();
            return Ok(req.into_response(response).map_into_left_body());
        }
    };
    let client_quota = match verdict {
        Verdict::Unlimited => None,
        Verdict::Allowed(quota) => Some(quota),
        Verdict::Refused { quota, retry_after } => {
            limits.refusal(rule);
            let mut response = ApiError::TooManyRequests { retry_after }.error_response();
            set_quota_headers(response.headers_mut(), quota);
            return Ok(req.into_response(response).map_into_left_body());
        }
    };
    let account = (rule.account_in_body() && limit.per_account > 0).then(|| AccountLimit {
        limits: limits.clone(),
        rule,
        limit: limit.per_account,
        outcome: Rc::default(),
    });
    if let Some(account) = &account {
        req.extensions_mut().insert(account.clone());
    }
    let mut res = next.call(req).await?;
    let quota = match account.and_then(|a| a.outcome.get()) {
        Some(Verdict::Refused { quota, .. }) => Some(quota),
        Some(Verdict::Allowed(quota)) => Some(quota.tighter(client_quota)),
        Some(Verdict::Unlimited) | None => client_quota,
    };
    if let Some(mut quota) = quota {
        // A handler's own 429 (the failed-login throttle, a new member's posting pace).
        if let Some(wait) = throttled_by_handler(res.status(), res.headers()) {
            quota.remaining = 0;
            quota.reset_secs = quota.reset_secs.max(wait);
        }
        set_quota_headers(res.headers_mut(), quota);
    }
    Ok(res.map_into_right_body())
}

/// The wait a 429 answer asks for.
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
