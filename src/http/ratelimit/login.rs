//! The wrong-password throttle (`login_throttle`), used by login and by the erasure of one's
//! account.
//!
//! Wrong passwords are counted three ways within one window: per account *and* client, with a
//! low limit, so whoever guesses is stopped while the owner, from her own client, still signs
//! in; per account from everywhere, with a much higher ceiling, against guessing spread over
//! many addresses; and per client whatever the account. A client is an IPv4 address or an
//! IPv6 network (see [`super::keys`]). When an account's wrong passwords reach `alert_after`,
//! [`LoginThrottle::failed`] says so, once per window, so its owner can be told.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use super::keys::{Key, client_network, client_networks};
use super::window::{MAX_KEYS, Windows};
use crate::config::ThrottleSettings;

/// Counters of wrong passwords (see the module documentation).
pub struct LoginThrottle {
    settings: ThrottleSettings,
    from_client: Windows,
    account: Windows,
    client: Windows,
}

/// What a wrong password led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    Counted,
    /// This one took the account to `alert_after` in this window: tell the owner.
    AlertOwner,
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
        }
    }

    /// `Some(seconds to wait)` when `account` (as [`crate::auth::email_key`] writes it) may not
    /// be tried from `client` now.
    pub fn blocked(&self, account: &str, client: Option<IpAddr>) -> Option<u64> {
        self.blocked_at(account, client, Instant::now())
    }

    fn blocked_at(&self, account: &str, client: Option<IpAddr>, now: Instant) -> Option<u64> {
        let s = &self.settings;
        let pair = Key::AccountFrom(account, client_network(client));
        let waits = [
            self.from_client
                .used_up(&pair, s.per_account_and_client, now),
            self.account
                .used_up(&Key::Account(account), s.per_account, now),
        ]
        .into_iter()
        .chain(client_networks(client).into_iter().map(|(net, factor)| {
            self.client
                .used_up(&Key::Client(net), s.per_ip.saturating_mul(factor), now)
        }));
        waits.flatten().max()
    }

    /// Counts a wrong password for `account` from `client`.
    pub fn failed(&self, account: &str, client: Option<IpAddr>) -> Failure {
        self.failed_at(account, client, Instant::now())
    }

    fn failed_at(&self, account: &str, client: Option<IpAddr>, now: Instant) -> Failure {
        let pair = Key::AccountFrom(account, client_network(client));
        self.from_client.count(&pair, now);
        for (net, _) in client_networks(client) {
            self.client.count(&Key::Client(net), now);
        }
        let failures = self.account.count(&Key::Account(account), now);
        // Past the ceiling nothing more is counted, so the alert comes at the ceiling at most.
        let mut alert_at = self.settings.alert_after;
        if self.settings.per_account > 0 {
            alert_at = alert_at.min(self.settings.per_account);
        }
        if alert_at > 0 && failures == alert_at {
            Failure::AlertOwner
        } else {
            Failure::Counted
        }
    }

    /// The right password from `client`: its own count for `account` starts again (the
    /// account's ceiling and the client's count do not).
    pub fn succeeded(&self, account: &str, client: Option<IpAddr>) {
        self.from_client
            .forget(&Key::AccountFrom(account, client_network(client)));
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

    #[test]
    fn a_guesser_is_stopped_while_the_owner_still_signs_in() {
        let throttle = LoginThrottle::new(&settings());
        let now = Instant::now();
        let (owner, guesser) = (ip("198.51.100.7"), ip("203.0.113.9"));
        for _ in 0..3 {
            assert_eq!(throttle.blocked_at("ana", guesser, now), None);
            assert_eq!(throttle.failed_at("ana", guesser, now), Failure::Counted);
        }
        assert_eq!(throttle.blocked_at("ana", guesser, now), Some(60));
        assert_eq!(throttle.blocked_at("ana", owner, now), None);
        // Another account from the guesser's address is not the same pair.
        assert_eq!(throttle.blocked_at("ben", guesser, now), None);
        // Once the window is over the guesser may try again.
        let later = now + Duration::from_secs(60);
        assert_eq!(throttle.blocked_at("ana", guesser, later), None);
    }

    #[test]
    fn the_owner_is_alerted_once_and_the_ceiling_holds_for_everyone() {
        let throttle = LoginThrottle::new(&settings());
        let now = Instant::now();
        let outcomes: Vec<Failure> = (0..10)
            .map(|i| throttle.failed_at("ana", ip(&format!("203.0.113.{i}")), now))
            .collect();
        let alerts = outcomes
            .iter()
            .enumerate()
            .filter(|(_, f)| **f == Failure::AlertOwner)
            .map(|(i, _)| i)
            .collect::<Vec<_>>();
        assert_eq!(alerts, vec![3], "the fourth failure alerts, once");
        assert_eq!(
            throttle.blocked_at("ana", ip("198.51.100.7"), now),
            Some(60)
        );
        // A new window may alert again.
        let later = now + Duration::from_secs(61);
        let again: Vec<Failure> = (0..4)
            .map(|i| throttle.failed_at("ana", ip(&format!("192.0.2.{i}")), later))
            .collect();
        assert_eq!(again.last(), Some(&Failure::AlertOwner));
    }

    #[test]
    fn a_client_rotating_ipv6_addresses_is_one_client() {
        let throttle = LoginThrottle::new(&settings());
        let now = Instant::now();
        for i in 0..5 {
            let address = ip(&format!("2001:db8:1:2::{:x}", 0x1000 + i));
            throttle.failed_at(&format!("user{i}"), address, now);
        }
        assert!(
            throttle
                .blocked_at("someone", ip("2001:db8:1:2:ffff::1"), now)
                .is_some()
        );
        // The same for one account tried from many addresses of a /64.
        for i in 0..3 {
            throttle.failed_at("ana", ip(&format!("2001:db8:9:9::{i}")), now);
        }
        assert!(
            throttle
                .blocked_at("ana", ip("2001:db8:9:9::abcd"), now)
                .is_some()
        );
        // Spreading over the /64s of one /48 meets the /48's count (16 × 5).
        for i in 0..80u32 {
            // A different /56 each time, all in 2001:db8:7::/48.
            let address = ip(&format!("2001:db8:7:{:x}::1", i << 8));
            assert_eq!(
                throttle.blocked_at(&format!("x{i}"), address, now),
                None,
                "{i}"
            );
            throttle.failed_at(&format!("x{i}"), address, now);
        }
        assert!(
            throttle
                .blocked_at("y", ip("2001:db8:7:ffff::1"), now)
                .is_some()
        );
    }

    #[test]
    fn the_right_password_clears_only_its_own_client() {
        let throttle = LoginThrottle::new(&settings());
        let now = Instant::now();
        let (owner, guesser) = (ip("198.51.100.7"), ip("203.0.113.9"));
        for _ in 0..2 {
            throttle.failed_at("ana", owner, now);
            throttle.failed_at("ana", guesser, now);
        }
        throttle.succeeded("ana", owner);
        throttle.failed_at("ana", owner, now);
        throttle.failed_at("ana", guesser, now);
        assert_eq!(throttle.blocked_at("ana", owner, now), None);
        assert!(throttle.blocked_at("ana", guesser, now).is_some());
    }

    #[test]
    fn its_counters_are_bounded() {
        let throttle = LoginThrottle::with_capacity(&settings(), 100);
        let now = Instant::now();
        for i in 0..1_000 {
            throttle.failed_at(
                &format!("user{i}"),
                ip(&format!("10.0.{}.{}", i / 256, i % 256)),
                now,
            );
        }
        for windows in [&throttle.from_client, &throttle.account, &throttle.client] {
            assert_eq!(windows.len(), 100);
        }
    }
}
