//! How long Redis keeps a record.

use time::OffsetDateTime;

/// Milliseconds Redis keeps a record expiring at `expires_at`, seen from `now` (at least 1: a
/// record saved already expired is dropped by Redis at once and is never live for `load`).
pub(crate) fn ttl_millis(expires_at: OffsetDateTime, now: OffsetDateTime) -> i64 {
    let millis = (expires_at - now).whole_milliseconds();
    i64::try_from(millis).unwrap_or(i64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn ttl_is_never_below_one_millisecond() {
        let now = datetime!(2023-11-14 22:13:20 UTC);
        assert_eq!(ttl_millis(now + time::Duration::seconds(2), now), 2_000);
        assert_eq!(ttl_millis(now, now), 1);
        assert_eq!(ttl_millis(now - time::Duration::seconds(2), now), 1);
    }
}
