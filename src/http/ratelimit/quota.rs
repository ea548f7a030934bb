//! What the `RateLimit-*` headers and a 429 tell a client, and which of several limits they
//! describe.

use std::time::Duration;

/// Whole seconds, rounded up, at least 1: a wait or a reset as the headers tell it.
pub fn whole_seconds(duration: Duration) -> u64 {
    (duration.as_secs() + u64::from(duration.subsec_nanos() > 0)).max(1)
}

/// Where a client stands, as the `RateLimit-*` headers tell it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    /// Requests per window, and the largest burst.
    pub limit: u32,
    /// Requests that may be sent at once now.
    pub remaining: u32,
    /// Seconds until the whole allowance is back (rounded up).
    pub reset_secs: u64,
}

impl Quota {
    /// The quota a client should be told about: fewer requests left first, then the later
    /// reset.
    pub fn tighter(self, other: Option<Quota>) -> Quota {
        match other {
            Some(other)
                if (other.remaining, std::cmp::Reverse(other.reset_secs))
                    < (self.remaining, std::cmp::Reverse(self.reset_secs)) =>
            {
                other
            }
            _ => self,
        }
    }
}

/// The outcome of counting one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No limit applies (all set to 0).
    Unlimited,
    Allowed(Quota),
    /// Over a limit: nothing was counted; the next request fits in `retry_after` seconds.
    Refused {
        quota: Quota,
        retry_after: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_tighter_prefers_fewer_remaining_then_the_later_reset() {
        let q = |remaining, reset_secs| Quota {
            limit: 10,
            remaining,
            reset_secs,
        };
        assert_eq!(q(3, 10).tighter(Some(q(2, 5))), q(2, 5));
        assert_eq!(q(2, 5).tighter(Some(q(3, 10))), q(2, 5));
        assert_eq!(q(2, 5).tighter(Some(q(2, 9))), q(2, 9));
        assert_eq!(q(2, 5).tighter(None), q(2, 5));
    }
}
