//! The wrong-password throttle (`login_throttle`), used by login and by the erasure of one's
//! account. It counts in fixed windows of its own (`window`), not with governor: a try is
//! given back once its password turns out right, and the owner's alert fires when a count
//! within a window reaches a threshold, neither of which a GCRA state can do exactly (see
//! `window` for the details).
//!
//! Tries at a password are counted three ways within one window: per account *and* client,
//! with a low limit, so whoever guesses is stopped while the owner, from her own client, still
//! signs in; per account from everywhere, with a much higher ceiling, against guessing spread
//! over many addresses; and per client whatever the account. A client is an IPv4 address or an
//! IPv6 network (see [`super::keys`]).
//!
//! A try is counted *before* the password is checked ([`LoginThrottle::attempt`]), in one
//! step with the check of the limits, so requests fired together cannot all pass the check
//! before any of them has failed; the right password (or a try that never got to the password)
//! takes it back. When an account's wrong passwords reach `alert_after`, [`Attempt::failed`]
//! says so, once per window, so its owner can be told.
//!
//! On PostgreSQL the counts live in the database, shared by every server on it, on the
//! database's clock (see `shared`); on SQLite in this process (`window`), on the process's
//! clock in microseconds since the Unix epoch.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;

use super::MAX_KEYS;
use super::keys::{Key, client_network, client_networks};
use super::shared::{Event, SharedCounters, now_micros};
use super::window::Windows;
use crate::config::ThrottleSettings;
use crate::db::DbError;
use crate::http::error::ApiError;

/// The four counts of the throttle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Count {
    /// Tries at one account from one client.
    FromClient,
    /// Tries at one account from everywhere.
    Account,
    /// Tries from one client at any account.
    Client,
    /// Wrong passwords per account, for the owner's warning.
    Failures,
}

impl Count {
    /// The counter's name among the shared counters.
    fn name(self) -> &'static str {
        match self {
            Self::FromClient => "login.from_client",
            Self::Account => "login.account",
            Self::Client => "login.client",
            Self::Failures => "login.failures",
        }
    }
}

/// Where the counts are kept.
enum Counts {
    /// In this process: one set of windows per [`Count`], in its order.
    Local(Box<[Windows; 4]>),
    /// In the database, shared by every server on it.
    Shared(Box<SharedCounters>),
}

/// One count's keys, each with its limit.
type Step<'a> = (Count, Vec<(Key<'a>, u32)>);

impl Counts {
    fn local(&self, count: Count) -> Option<&Windows> {
        match self {
            Self::Local(windows) => windows.get(count as usize),
            Self::Shared(_) => None,
        }
    }

    /// Counts one event against every key with a limit of every step, unless one of them is
    /// used up already; then nothing is counted, and the answer is the seconds to wait.
    async fn try_count(
        &self,
        steps: &[Step<'_>],
        length: Duration,
        now: i64,
    ) -> Result<Result<(), u64>, DbError> {
        match self {
            Self::Local(_) => {
                for (done, (count, keys)) in steps.iter().enumerate() {
                    let Some(windows) = self.local(*count) else {
                        continue;
                    };
                    if let Err(wait) = windows.try_count(keys, now) {
                        for (count, keys) in &steps[..done] {
                            for (key, _) in keys.iter().filter(|(_, limit)| *limit > 0) {
                                if let Some(windows) = self.local(*count) {
                                    windows.uncount(key, now);
                                }
                            }
                        }
                        return Ok(Err(wait));
                    }
                }
                Ok(Ok(()))
            }
            Self::Shared(shared) => {
                let events = steps
                    .iter()
                    .flat_map(|(count, keys)| {
                        keys.iter().map(|(key, limit)| Event {
                            id: shared.id(count.name(), key),
                            limit: *limit,
                        })
                    })
                    .collect();
                shared.try_count(events, length).await
            }
        }
    }

    /// Counts one event against `key`; the count in its window.
    async fn count(
        &self,
        count: Count,
        key: &Key<'_>,
        length: Duration,
        now: i64,
    ) -> Result<u32, DbError> {
        match self {
            Self::Local(_) => Ok(self.local(count).map_or(0, |w| w.count(key, now))),
            Self::Shared(shared) => shared.count(shared.id(count.name(), key), length).await,
        }
    }

    /// Takes back one event counted for each key with a limit of every step.
    async fn uncount(&self, steps: &[Step<'_>], now: i64) -> Result<(), DbError> {
        let counted = steps.iter().flat_map(|(count, keys)| {
            keys.iter()
                .filter(|(_, limit)| *limit > 0)
                .map(move |(key, _)| (*count, key))
        });
        match self {
            Self::Local(_) => {
                for (count, key) in counted {
                    if let Some(windows) = self.local(count) {
                        windows.uncount(key, now);
                    }
                }
                Ok(())
            }
            Self::Shared(shared) => {
                let ids = counted.map(|(count, key)| shared.id(count.name(), key));
                shared.uncount(ids.collect()).await
            }
        }
    }

    /// Forgets the window of `key`.
    async fn forget(&self, count: Count, key: &Key<'_>) -> Result<(), DbError> {
        match self {
            Self::Local(_) => {
                if let Some(windows) = self.local(count) {
                    windows.forget(key);
                }
                Ok(())
            }
            Self::Shared(shared) => shared.forget(shared.id(count.name(), key)).await,
        }
    }
}

/// Counters of tries and wrong passwords (see the module documentation).
pub struct LoginThrottle {
    settings: ThrottleSettings,
    window: Duration,
    counts: Counts,
}

/// What a wrong password led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    Counted,
    /// This one took the account to `alert_after` in this window: tell the owner.
    AlertOwner,
}

/// One counted try at an account's password; settle it with [`Attempt::failed`],
/// [`Attempt::succeeded`] or [`Attempt::release`]. Dropped unsettled (the password was never
/// checked), it is taken back.
pub struct Attempt {
    throttle: Arc<LoginThrottle>,
    account: String,
    client: Option<IpAddr>,
    settled: bool,
}

impl LoginThrottle {
    /// A throttle counting in this process.
    pub fn new(settings: &ThrottleSettings) -> Self {
        Self::with_capacity(settings, MAX_KEYS)
    }

    /// A throttle counting in the database, shared by every server on it.
    pub fn shared(settings: &ThrottleSettings, counters: SharedCounters) -> Self {
        Self {
            settings: settings.clone(),
            window: Duration::from_secs(settings.window_secs),
            counts: Counts::Shared(Box::new(counters)),
        }
    }

    fn with_capacity(settings: &ThrottleSettings, capacity: usize) -> Self {
        let window = Duration::from_secs(settings.window_secs);
        Self {
            settings: settings.clone(),
            window,
            counts: Counts::Local(Box::new(std::array::from_fn(|_| {
                Windows::new(window, capacity)
            }))),
        }
    }

    /// Counts a try at the password of `account` (as [`super::email_key`] writes it)
    /// from `client`; 429 with the seconds to wait when there were too many, 503 when the
    /// counters cannot be reached.
    pub async fn attempt(
        self: &Arc<Self>,
        account: &str,
        client: Option<IpAddr>,
    ) -> Result<Attempt, ApiError> {
        match self.attempt_at(account, client, now_micros()).await? {
            Ok(attempt) => Ok(attempt),
            Err(retry_after) => Err(ApiError::TooManyRequests { retry_after }),
        }
    }

    fn client_keys(&self, client: Option<IpAddr>) -> Vec<(Key<'static>, u32)> {
        client_networks(client)
            .into_iter()
            .map(|(net, factor)| {
                (
                    Key::Client(net),
                    self.settings.per_ip.saturating_mul(factor),
                )
            })
            .collect()
    }

    /// The counts one try at `account` from `client` makes.
    fn steps<'a>(&self, account: &'a str, client: Option<IpAddr>) -> [Step<'a>; 3] {
        let s = &self.settings;
        let net = client_network(client);
        [
            (
                Count::FromClient,
                vec![(Key::AccountFrom(account, net), s.per_account_and_client)],
            ),
            (Count::Account, vec![(Key::Account(account), s.per_account)]),
            (Count::Client, self.client_keys(client)),
        ]
    }

    async fn attempt_at(
        self: &Arc<Self>,
        account: &str,
        client: Option<IpAddr>,
        now: i64,
    ) -> Result<Result<Attempt, u64>, DbError> {
        let steps = self.steps(account, client);
        Ok(self
            .counts
            .try_count(&steps, self.window, now)
            .await?
            .map(|()| Attempt {
                throttle: self.clone(),
                account: account.to_owned(),
                client,
                settled: false,
            }))
    }

    /// Takes the try at `account` from `client` back from every count.
    async fn give_back(&self, account: &str, client: Option<IpAddr>, now: i64) {
        let steps = self.steps(account, client);
        if let Err(e) = self.counts.uncount(&steps, now).await {
            tracing::error!(error = %e, "a try at a password could not be taken back");
        }
    }

    /// The password was right: the count of `account` from `client` starts again, and the try
    /// leaves the account's and the client's counts.
    async fn clear(&self, account: &str, client: Option<IpAddr>, now: i64) {
        let [(pair, pair_keys), account_step, client_step] = self.steps(account, client);
        let forgotten = match pair_keys.first() {
            Some((key, _)) => self.counts.forget(pair, key).await,
            None => Ok(()),
        };
        let taken_back = self.counts.uncount(&[account_step, client_step], now).await;
        if let Err(e) = forgotten.and(taken_back) {
            tracing::error!(error = %e, "a right password's tries could not be cleared");
        }
    }
}

impl Attempt {
    /// The password was wrong: the try stays counted.
    pub async fn failed(self) -> Failure {
        self.failed_at(now_micros()).await
    }

    async fn failed_at(mut self, now: i64) -> Failure {
        self.settled = true;
        let throttle = &self.throttle;
        let settings = &throttle.settings;
        let failures = match throttle
            .counts
            .count(
                Count::Failures,
                &Key::Account(&self.account),
                throttle.window,
                now,
            )
            .await
        {
            Ok(failures) => failures,
            Err(e) => {
                tracing::error!(error = %e, "a wrong password could not be counted");
                return Failure::Counted;
            }
        };
        // Past the ceiling nothing more is tried, so the warning comes at the ceiling at most.
        let mut alert_at = settings.alert_after;
        if settings.per_account > 0 {
            alert_at = alert_at.min(settings.per_account);
        }
        if alert_at > 0 && failures == alert_at {
            Failure::AlertOwner
        } else {
            Failure::Counted
        }
    }

    /// The password was right: the count of this account from this client starts again, and
    /// the try leaves the account's and the client's counts.
    pub async fn succeeded(mut self) {
        self.settled = true;
        self.throttle
            .clear(&self.account, self.client, now_micros())
            .await;
    }

    /// The password was right but decides nothing yet (a second step follows): the try is
    /// given back, without starting the count again.
    pub async fn release(mut self) {
        self.settled = true;
        self.throttle
            .give_back(&self.account, self.client, now_micros())
            .await;
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let throttle = self.throttle.clone();
        let local = matches!(throttle.counts, Counts::Local(_));
        let account = std::mem::take(&mut self.account);
        let client = self.client;
        let now = now_micros();
        let give_back = async move { throttle.give_back(&account, client, now).await };
        if local {
            // Nothing in it waits: one poll does it.
            let _ = give_back.now_or_never();
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(give_back);
            }
            Err(_) => tracing::error!("a try at a password was dropped outside the server"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i64 = 1_000_000;

    fn settings() -> ThrottleSettings {
        ThrottleSettings {
            per_account_and_client: 3,
            per_account: 10,
            per_ip: 5,
            alert_after: 4,
            window_secs: 60,
        }
    }

    fn throttle() -> Arc<LoginThrottle> {
        Arc::new(LoginThrottle::new(&settings()))
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("an address"))
    }

    /// A try in process, which cannot fail to be counted.
    async fn try_at(
        throttle: &Arc<LoginThrottle>,
        account: &str,
        client: Option<IpAddr>,
        now: i64,
    ) -> Result<Attempt, u64> {
        throttle
            .attempt_at(account, client, now)
            .await
            .expect("counted in process")
    }

    async fn fail(
        throttle: &Arc<LoginThrottle>,
        account: &str,
        client: Option<IpAddr>,
        now: i64,
    ) -> Failure {
        try_at(throttle, account, client, now)
            .await
            .unwrap_or_else(|wait| panic!("{account} refused for {wait} s"))
            .failed_at(now)
            .await
    }

    #[actix_web::test]
    async fn a_guesser_is_stopped_while_the_owner_still_signs_in() {
        let throttle = throttle();
        let now = now_micros();
        let (owner, guesser) = (ip("198.51.100.7"), ip("203.0.113.9"));
        for _ in 0..3 {
            assert_eq!(fail(&throttle, "ana", guesser, now).await, Failure::Counted);
        }
        assert_eq!(try_at(&throttle, "ana", guesser, now).await.err(), Some(60));
        try_at(&throttle, "ana", owner, now)
            .await
            .expect("the owner may try")
            .succeeded()
            .await;
        // Another account from the guesser's address is not the same pair.
        assert!(try_at(&throttle, "ben", guesser, now).await.is_ok());
        // Once the window is over the guesser may try again.
        let later = now + 60 * SECOND;
        assert!(try_at(&throttle, "ana", guesser, later).await.is_ok());
    }

    #[actix_web::test]
    async fn tries_in_flight_count_before_their_passwords_are_checked() {
        let throttle = throttle();
        let now = now_micros();
        let guesser = ip("203.0.113.9");
        // Three tries at once: all counted before any is settled, so a fourth waits.
        let mut in_flight = Vec::new();
        for _ in 0..3 {
            in_flight.push(
                try_at(&throttle, "ana", guesser, now)
                    .await
                    .expect("allowed"),
            );
        }
        assert!(try_at(&throttle, "ana", guesser, now).await.is_err());
        // Refused once, the pair stays refused for its window, even when tries are given back.
        for attempt in in_flight {
            attempt.release().await;
        }
        assert!(try_at(&throttle, "ana", guesser, now).await.is_err());

        // Short of a refusal, a try whose password was never checked is taken back, dropped
        // or released, and its place is free again.
        let other = ip("203.0.113.10");
        let mut in_flight = Vec::new();
        for _ in 0..3 {
            in_flight.push(try_at(&throttle, "ben", other, now).await.expect("allowed"));
        }
        let mut in_flight = in_flight.into_iter();
        drop(in_flight.next());
        let again = try_at(&throttle, "ben", other, now)
            .await
            .expect("a place was freed");
        in_flight.next().expect("a try").release().await;
        let third = try_at(&throttle, "ben", other, now)
            .await
            .expect("a place was freed");
        for attempt in in_flight.chain([again, third]) {
            attempt.failed_at(now).await;
        }
        assert!(try_at(&throttle, "ben", other, now).await.is_err());
    }

    #[actix_web::test]
    async fn a_refused_try_leaves_no_count_behind() {
        let throttle = throttle();
        let now = now_micros();
        // The client's own limit (5) refuses the sixth account; the pair and account counts
        // it passed on the way are taken back.
        for i in 0..5 {
            fail(&throttle, &format!("user{i}"), ip("203.0.113.9"), now).await;
        }
        for _ in 0..20 {
            assert!(
                try_at(&throttle, "ana", ip("203.0.113.9"), now)
                    .await
                    .is_err()
            );
        }
        for i in 0..9 {
            fail(&throttle, "ana", ip(&format!("192.0.2.{i}")), now).await;
        }
        assert!(
            try_at(&throttle, "ana", ip("198.51.100.1"), now)
                .await
                .is_ok(),
            "nine failures and no phantom tries: the ceiling of ten is not reached"
        );
    }

    #[actix_web::test]
    async fn the_owner_is_alerted_once_and_the_ceiling_holds_for_everyone() {
        let throttle = throttle();
        let now = now_micros();
        let mut outcomes = Vec::new();
        for i in 0..10 {
            outcomes.push(fail(&throttle, "ana", ip(&format!("203.0.113.{i}")), now).await);
        }
        let alerts: Vec<usize> = outcomes
            .iter()
            .enumerate()
            .filter(|(_, f)| **f == Failure::AlertOwner)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(alerts, vec![3], "the fourth failure alerts, once");
        assert_eq!(
            try_at(&throttle, "ana", ip("198.51.100.7"), now)
                .await
                .err(),
            Some(60)
        );
        // A new window may alert again.
        let later = now + 61 * SECOND;
        let mut again = Vec::new();
        for i in 0..4 {
            again.push(fail(&throttle, "ana", ip(&format!("192.0.2.{i}")), later).await);
        }
        assert_eq!(again.last(), Some(&Failure::AlertOwner));
    }

    #[actix_web::test]
    async fn a_client_rotating_ipv6_addresses_is_one_client() {
        let throttle = throttle();
        let now = now_micros();
        for i in 0..5 {
            let address = ip(&format!("2001:db8:1:2::{:x}", 0x1000 + i));
            fail(&throttle, &format!("user{i}"), address, now).await;
        }
        let rotated = try_at(&throttle, "someone", ip("2001:db8:1:2:ffff::1"), now).await;
        assert!(rotated.is_err());
        // The same for one account tried from many addresses of a /64.
        for i in 0..3 {
            fail(&throttle, "ana", ip(&format!("2001:db8:9:9::{i}")), now).await;
        }
        let rotated = try_at(&throttle, "ana", ip("2001:db8:9:9::abcd"), now).await;
        assert!(rotated.is_err());
        // Spreading over the /56s of one /48 meets the /48's count (16 × 5).
        for i in 0..80u32 {
            // A different /56 each time, all in 2001:db8:7::/48.
            let address = ip(&format!("2001:db8:7:{:x}::1", i << 8));
            fail(&throttle, &format!("x{i}"), address, now).await;
        }
        let spread = try_at(&throttle, "y", ip("2001:db8:7:ffff::1"), now).await;
        assert!(spread.is_err());
    }

    #[actix_web::test]
    async fn the_right_password_clears_only_its_own_client() {
        let throttle = throttle();
        let now = now_micros();
        let (owner, guesser) = (ip("198.51.100.7"), ip("203.0.113.9"));
        for _ in 0..2 {
            fail(&throttle, "ana", owner, now).await;
            fail(&throttle, "ana", guesser, now).await;
        }
        try_at(&throttle, "ana", owner, now)
            .await
            .expect("allowed")
            .succeeded()
            .await;
        fail(&throttle, "ana", owner, now).await;
        fail(&throttle, "ana", guesser, now).await;
        assert!(try_at(&throttle, "ana", owner, now).await.is_ok());
        assert!(try_at(&throttle, "ana", guesser, now).await.is_err());
    }

    #[actix_web::test]
    async fn its_counters_are_bounded() {
        let throttle = Arc::new(LoginThrottle::with_capacity(&settings(), 100));
        let now = now_micros();
        for i in 0..1_000 {
            let client = ip(&format!("10.0.{}.{}", i / 256, i % 256));
            fail(&throttle, &format!("user{i}"), client, now).await;
        }
        let Counts::Local(windows) = &throttle.counts else {
            panic!("counted in process");
        };
        for windows in windows.iter() {
            assert_eq!(windows.len(), 100);
        }
    }
}
