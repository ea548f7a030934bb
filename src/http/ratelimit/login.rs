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

use std::net::IpAddr;
use std::time::{Duration, Instant};

use ipnet::IpNet;

use super::MAX_KEYS;
use super::keys::{Key, client_network, client_networks};
use super::window::Windows;
use crate::config::ThrottleSettings;

/// Counters of tries and wrong passwords (see the module documentation).
pub struct LoginThrottle {
    settings: ThrottleSettings,
    from_client: Windows,
    account: Windows,
    client: Windows,
    /// Wrong passwords per account, for the owner's warning.
    failures: Windows,
}

/// What a wrong password led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    Counted,
    /// This one took the account to `alert_after` in this window: tell the owner.
    AlertOwner,
}

/// One counted try at an account's password; settle it with [`Attempt::failed`] or
/// [`Attempt::succeeded`]. Dropped unsettled (the password was never checked), it is taken
/// back.
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    account: String,
    client: Option<IpAddr>,
    settled: bool,
}

impl LoginThrottle {
    pub fn new(settings: &ThrottleSettings) -> Self {
        Self::with_capacity(settings, MAX_KEYS)
    }

    fn with_capacity(settings: &ThrottleSettings, capacity: usize) -> Self {
        let window = Duration::from_secs(settings.window_secs);
        Self {
            settings: settings.clone(),
            from_client: Windows::new(window, capacity),
            account: Windows::new(window, capacity),
            client: Windows::new(window, capacity),
            failures: Windows::new(window, capacity),
        }
    }

    /// Counts a try at the password of `account` (as [`super::email_key`] writes it)
    /// from `client`, or refuses it with the seconds to wait.
    pub fn attempt(&self, account: &str, client: Option<IpAddr>) -> Result<Attempt<'_>, u64> {
        self.attempt_at(account, client, Instant::now())
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

    fn attempt_at(
        &self,
        account: &str,
        client: Option<IpAddr>,
        now: Instant,
    ) -> Result<Attempt<'_>, u64> {
        let s = &self.settings;
        let net = client_network(client);
        let pair = [(Key::AccountFrom(account, net), s.per_account_and_client)];
        let whole = [(Key::Account(account), s.per_account)];
        let clients = self.client_keys(client);
        let steps: [(&Windows, &[(Key<'_>, u32)]); 3] = [
            (&self.from_client, &pair),
            (&self.account, &whole),
            (&self.client, &clients),
        ];
        for (done, (windows, keys)) in steps.iter().enumerate() {
            if let Err(wait) = windows.try_count(keys, now) {
                for (windows, keys) in &steps[..done] {
                    take_back(windows, keys, now);
                }
                return Err(wait);
            }
        }
        Ok(Attempt {
            throttle: self,
            account: account.to_owned(),
            client,
            settled: false,
        })
    }
}

/// Takes back the event just counted for each key with a limit.
fn take_back(windows: &Windows, keys: &[(Key<'_>, u32)], now: Instant) {
    for (key, limit) in keys {
        if *limit > 0 {
            windows.uncount(key, now);
        }
    }
}

impl Attempt<'_> {
    fn pair_key(&self) -> Key<'_> {
        let net: Option<IpNet> = client_network(self.client);
        Key::AccountFrom(&self.account, net)
    }

    /// The password was wrong: the try stays counted.
    pub fn failed(self) -> Failure {
        self.failed_at(Instant::now())
    }

    fn failed_at(mut self, now: Instant) -> Failure {
        self.settled = true;
        let settings = &self.throttle.settings;
        let failures = self
            .throttle
            .failures
            .count(&Key::Account(&self.account), now);
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
    pub fn succeeded(mut self) {
        self.settled = true;
        let throttle = self.throttle;
        let now = Instant::now();
        throttle.from_client.forget(&self.pair_key());
        take_back(
            &throttle.account,
            &[(Key::Account(&self.account), throttle.settings.per_account)],
            now,
        );
        take_back(&throttle.client, &throttle.client_keys(self.client), now);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let throttle = self.throttle;
        let s = &throttle.settings;
        let now = Instant::now();
        take_back(
            &throttle.from_client,
            &[(self.pair_key(), s.per_account_and_client)],
            now,
        );
        take_back(
            &throttle.account,
            &[(Key::Account(&self.account), s.per_account)],
            now,
        );
        take_back(&throttle.client, &throttle.client_keys(self.client), now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ThrottleSettings {
        ThrottleSettings {
            per_account_and_client: 3,
            per_account: 10,
            per_ip: 5,
            alert_after: 4,
            window_secs: 60,
        }
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("an address"))
    }

    fn fail(
        throttle: &LoginThrottle,
        account: &str,
        client: Option<IpAddr>,
        now: Instant,
    ) -> Failure {
        throttle
            .attempt_at(account, client, now)
            .unwrap_or_else(|wait| panic!("{account} refused for {wait} s"))
            .failed_at(now)
    }

    #[test]
    fn a_guesser_is_stopped_while_the_owner_still_signs_in() {
        let throttle = LoginThrottle::new(&settings());
        let now = Instant::now();
        let (owner, guesser) = (ip("198.51.100.7"), ip("203.0.113.9"));
        for _ in 0..3 {
            assert_eq!(fail(&throttle, "ana", guesser, now), Failure::Counted);
        }
        assert_eq!(throttle.attempt_at("ana", guesser, now).err(), Some(60));
        throttle
            .attempt_at("ana", owner, now)
            .expect("the owner may try")
            .succeeded();
        // Another account from the guesser's address is not the same pair.
        assert!(throttle.attempt_at("ben", guesser, now).is_ok());
        // Once the window is over the guesser may try again.
        let later = now + Duration::from_secs(60);
        assert!(throttle.attempt_at("ana", guesser, later).is_ok());
    }

    #[test]
    fn tries_in_flight_count_before_their_passwords_are_checked() {
        let throttle = LoginThrottle::new(&settings());
        let now = Instant::now();
        let guesser = ip("203.0.113.9");
        // Three tries at once: all counted before any is settled, so a fourth waits.
        let in_flight: Vec<Attempt<'_>> = (0..3)
            .map(|_| throttle.attempt_at("ana", guesser, now).expect("allowed"))
            .collect();
        assert!(throttle.attempt_at("ana", guesser, now).is_err());
        // A try whose password was never checked is taken back.
        let mut in_flight = in_flight.into_iter();
        drop(in_flight.next());
        let again = throttle
            .attempt_at("ana", guesser, now)
            .expect("a place was freed");
        for attempt in in_flight.chain([again]) {
            attempt.failed_at(now);
        }
        assert!(throttle.attempt_at("ana", guesser, now).is_err());
    }

    #[test]
    fn a_refused_try_leaves_no_count_behind() {
        let throttle = LoginThrottle::new(&settings());
        let now = Instant::now();
        // The client's own limit (5) refuses the sixth account; the pair and account counts
        // it passed on the way are taken back.
        for i in 0..5 {
            fail(&throttle, &format!("user{i}"), ip("203.0.113.9"), now);
        }
        for _ in 0..20 {
            assert!(throttle.attempt_at("ana", ip("203.0.113.9"), now).is_err());
        }
        for i in 0..9 {
            fail(&throttle, "ana", ip(&format!("192.0.2.{i}")), now);
        }
        assert!(
            throttle.attempt_at("ana", ip("198.51.100.1"), now).is_ok(),
            "nine failures and no phantom tries: the ceiling of ten is not reached"
        );
    }

    #[test]
    fn the_owner_is_alerted_once_and_the_ceiling_holds_for_everyone() {
        let throttle = LoginThrottle::new(&settings());
        let now = Instant::now();
        let outcomes: Vec<Failure> = (0..10)
            .map(|i| fail(&throttle, "ana", ip(&format!("203.0.113.{i}")), now))
            .collect();
        let alerts: Vec<usize> = outcomes
            .iter()
            .enumerate()
            .filter(|(_, f)| **f == Failure::AlertOwner)
            .map(|(i, _)| i)
            .collect();
        assert_eq!(alerts, vec![3], "the fourth failure alerts, once");
        assert_eq!(
            throttle.attempt_at("ana", ip("198.51.100.7"), now).err(),
            Some(60)
        );
        // A new window may alert again.
        let later = now + Duration::from_secs(61);
        let again: Vec<Failure> = (0..4)
            .map(|i| fail(&throttle, "ana", ip(&format!("192.0.2.{i}")), later))
            .collect();
        assert_eq!(again.last(), Some(&Failure::AlertOwner));
    }

    #[test]
    fn a_client_rotating_ipv6_addresses_is_one_client() {
        let throttle = LoginThrottle::new(&settings());
        let now = Instant::now();
        for i in 0..5 {
            let address = ip(&format!("2001:db8:1:2::{:x}", 0x1000 + i));
            fail(&throttle, &format!("user{i}"), address, now);
        }
        assert!(
            throttle
                .attempt_at("someone", ip("2001:db8:1:2:ffff::1"), now)
                .is_err()
        );
        // The same for one account tried from many addresses of a /64.
        for i in 0..3 {
            fail(&throttle, "ana", ip(&format!("2001:db8:9:9::{i}")), now);
        }
        assert!(
            throttle
                .attempt_at("ana", ip("2001:db8:9:9::abcd"), now)
                .is_err()
        );
        // Spreading over the /56s of one /48 meets the /48's count (16 × 5).
        for i in 0..80u32 {
            // A different /56 each time, all in 2001:db8:7::/48.
            let address = ip(&format!("2001:db8:7:{:x}::1", i << 8));
            fail(&throttle, &format!("x{i}"), address, now);
        }
        assert!(
            throttle
                .attempt_at("y", ip("2001:db8:7:ffff::1"), now)
                .is_err()
        );
    }

    #[test]
    fn the_right_password_clears_only_its_own_client() {
        let throttle = LoginThrottle::new(&settings());
        let now = Instant::now();
        let (owner, guesser) = (ip("198.51.100.7"), ip("203.0.113.9"));
        for _ in 0..2 {
            fail(&throttle, "ana", owner, now);
            fail(&throttle, "ana", guesser, now);
        }
        throttle
            .attempt_at("ana", owner, now)
            .expect("allowed")
            .succeeded();
        fail(&throttle, "ana", owner, now);
        fail(&throttle, "ana", guesser, now);
        assert!(throttle.attempt_at("ana", owner, now).is_ok());
        assert!(throttle.attempt_at("ana", guesser, now).is_err());
    }

    #[test]
    fn its_counters_are_bounded() {
        let throttle = LoginThrottle::with_capacity(&settings(), 100);
        let now = Instant::now();
        for i in 0..1_000 {
            let client = ip(&format!("10.0.{}.{}", i / 256, i % 256));
            fail(&throttle, &format!("user{i}"), client, now);
        }
        for windows in [
            &throttle.from_client,
            &throttle.account,
            &throttle.client,
            &throttle.failures,
        ] {
            assert_eq!(windows.len(), 100);
        }
    }
}
