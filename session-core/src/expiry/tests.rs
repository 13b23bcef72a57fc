use super::*;
use serde_json::json;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2023-11-14 22:13:20 UTC);

fn policy(expire_at_browser_close: bool) -> ExpiryPolicy {
    ExpiryPolicy {
        expire_at_browser_close,
        ..ExpiryPolicy::default()
    }
}

#[test]
fn default_expiry_is_cookie_age_even_after_set_expiry_zero() {
    let policy = ExpiryPolicy::default();
    assert_eq!(policy.age(Expiry::Default, NOW), DEFAULT_COOKIE_AGE);
    assert_eq!(policy.age(Expiry::seconds(0), NOW), DEFAULT_COOKIE_AGE);
    assert_eq!(
        policy.date(Expiry::seconds(0), NOW).unwrap(),
        NOW + Duration::seconds(DEFAULT_COOKIE_AGE)
    );
}

#[test]
fn custom_seconds_are_returned_unchanged_and_dated_from_modification() {
    let policy = ExpiryPolicy::default();
    let later = NOW + Duration::hours(5);
    assert_eq!(policy.age(Expiry::Seconds(10), later), 10);
    assert_eq!(policy.age(Expiry::Seconds(-10), later), -10);
    assert_eq!(
        policy.date(Expiry::Seconds(10), later).unwrap(),
        later + Duration::seconds(10)
    );
}

#[test]
fn custom_datetime_counts_down() {
    let policy = ExpiryPolicy::default();
    let at = NOW + Duration::seconds(10);
    assert_eq!(policy.age(Expiry::At(at), NOW), 10);
    assert_eq!(policy.date(Expiry::At(at), NOW).unwrap(), at);
    assert_eq!(policy.age(Expiry::At(at), NOW + Duration::seconds(4)), 6);
}

#[test]
fn timedelta_expiry_is_a_date() {
    let expiry = Expiry::after(NOW, Duration::seconds(10)).unwrap();
    assert_eq!(expiry, Expiry::At(NOW + Duration::seconds(10)));
    assert_eq!(ExpiryPolicy::default().age(expiry, NOW), 10);
}

#[test]
fn age_of_a_date_is_floored_like_python() {
    let policy = ExpiryPolicy::default();
    let plus = NOW + Duration::milliseconds(1900);
    assert_eq!(policy.age(Expiry::At(plus), NOW), 1);
    let minus = NOW - Duration::milliseconds(500);
    assert_eq!(policy.age(Expiry::At(minus), NOW), -1);
    assert_eq!(floor_seconds(Duration::seconds(-3)), -3);
}

#[test]
fn reset_returns_to_default() {
    let policy = ExpiryPolicy::default();
    let mut expiry = Expiry::Default;
    assert_eq!(policy.age(expiry, NOW), DEFAULT_COOKIE_AGE);
    expiry = Expiry::seconds(10);
    assert_eq!(policy.age(expiry, NOW), 10);
    expiry = Expiry::Default;
    assert_eq!(policy.age(expiry, NOW), DEFAULT_COOKIE_AGE);
}

/// Django's `test_get_expire_at_browser_close`: setting × {10, 0, None}.
#[test]
fn expire_at_browser_close_matrix() {
    let cases = [
        (false, Expiry::seconds(10), false),
        (false, Expiry::seconds(0), true),
        (false, Expiry::Default, false),
        (true, Expiry::seconds(10), false),
        (true, Expiry::seconds(0), true),
        (true, Expiry::Default, true),
    ];
    for (setting, expiry, expected) in cases {
        assert_eq!(
            policy(setting).at_browser_close(expiry),
            expected,
            "setting {setting}, expiry {expiry:?}"
        );
    }
    let date = Expiry::At(NOW);
    assert!(!policy(true).at_browser_close(date));
}

#[test]
fn absolute_cap_shortens_but_never_extends() {
    let policy = ExpiryPolicy {
        absolute_age: Some(3600),
        ..ExpiryPolicy::default()
    };
    let created = NOW;
    // Idle expiry two weeks away: the cap wins.
    assert_eq!(
        policy.deadline(Expiry::Default, created, NOW).unwrap(),
        NOW + Duration::hours(1)
    );
    // Activity 50 minutes later does not move the cap.
    let later = NOW + Duration::minutes(50);
    assert_eq!(
        policy.deadline(Expiry::Default, created, later).unwrap(),
        NOW + Duration::hours(1)
    );
    assert_eq!(
        policy.capped_age(Expiry::Default, created, later).unwrap(),
        600
    );
    // A shorter idle expiry is kept.
    assert_eq!(
        policy
            .deadline(Expiry::Seconds(60), created, later)
            .unwrap(),
        later + Duration::seconds(60)
    );
    assert_eq!(
        policy
            .capped_age(Expiry::Seconds(60), created, later)
            .unwrap(),
        60
    );
    // Without a cap: Django's date.
    assert_eq!(
        ExpiryPolicy::default()
            .deadline(Expiry::Default, created, later)
            .unwrap(),
        later + Duration::seconds(DEFAULT_COOKIE_AGE)
    );
}

#[test]
fn json_form_matches_django() {
    assert_eq!(Expiry::Default.to_json(), None);
    assert_eq!(Expiry::seconds(0).to_json(), Some(json!(0)));
    assert_eq!(Expiry::Seconds(10).to_json(), Some(json!(10)));
    assert_eq!(
        Expiry::At(datetime!(2026-11-25 16:59:41.923281 UTC)).to_json(),
        Some(json!("2026-11-25T16:59:41.923281+00:00"))
    );
    for expiry in [
        Expiry::Default,
        Expiry::BrowserClose,
        Expiry::Seconds(-5),
        Expiry::At(NOW),
    ] {
        let json = expiry.to_json().unwrap_or(Value::Null);
        assert_eq!(Expiry::from_json(&json), Some(expiry));
    }
    assert_eq!(Expiry::from_json(&json!(10.9)), Some(Expiry::Seconds(10)));
    assert_eq!(Expiry::from_json(&json!(0.4)), Some(Expiry::BrowserClose));
    assert_eq!(Expiry::from_json(&json!("soon")), None);
    assert_eq!(Expiry::from_json(&json!([1])), None);
    assert_eq!(Expiry::from_json(&json!(1e300)), None);
}

/// The values a visitor posted to the demo's `/expiry` form that used to overflow `time`'s
/// arithmetic and drop the connection: each is now a typed error.
#[test]
fn out_of_range_seconds_are_an_error_not_a_panic() {
    let policy = ExpiryPolicy::default();
    for seconds in [
        253_402_300_799,
        i64::MAX,
        -400_000_000_000,
        i64::MIN,
        -253_402_300_800,
    ] {
        let expiry = Expiry::seconds(seconds);
        assert!(
            matches!(policy.date(expiry, NOW), Err(Error::ExpiryOutOfRange)),
            "{seconds}"
        );
        assert!(
            matches!(
                policy.deadline(expiry, NOW, NOW),
                Err(Error::ExpiryOutOfRange)
            ),
            "{seconds}"
        );
    }
    assert!(Expiry::after(NOW, Duration::MAX).is_err());
    assert!(Expiry::after(NOW, Duration::MIN).is_err());
}

#[test]
fn the_range_ends_are_python_datetime_min_and_max() {
    let policy = ExpiryPolicy::default();
    let to_end = floor_seconds(LATEST - NOW);
    assert_eq!(
        policy.date(Expiry::Seconds(to_end), NOW).unwrap(),
        NOW + Duration::seconds(to_end)
    );
    assert!(policy.date(Expiry::Seconds(to_end + 1), NOW).is_err());
    let to_start = floor_seconds(EARLIEST - NOW);
    assert!(policy.date(Expiry::Seconds(to_start), NOW).is_ok());
    assert!(policy.date(Expiry::Seconds(to_start - 1), NOW).is_err());
    assert!(policy.date(Expiry::At(LATEST), NOW).is_ok());
}

#[test]
fn settings_sized_ages_never_overflow() {
    let policy = ExpiryPolicy {
        cookie_age: MAX_AGE,
        absolute_age: Some(MAX_AGE),
        ..ExpiryPolicy::default()
    };
    assert!(policy.deadline(Expiry::Default, NOW, NOW).is_ok());
    assert_eq!(
        policy.capped_age(Expiry::Default, NOW, NOW).unwrap(),
        MAX_AGE
    );
    let huge = ExpiryPolicy {
        absolute_age: Some(i64::MAX),
        ..ExpiryPolicy::default()
    };
    assert!(matches!(
        huge.capped_age(Expiry::Default, NOW, NOW),
        Err(Error::ExpiryOutOfRange)
    ));
}
