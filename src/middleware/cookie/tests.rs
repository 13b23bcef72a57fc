use super::*;
use time::macros::datetime;

#[test]
fn djangos_exact_headers() {
    let now = datetime!(2023-11-14 22:13:20 UTC);
    let settings = Settings::default();
    assert_eq!(
        set(&settings, "abc", Some(1_209_600), now),
        "sessionid=abc; expires=Tue, 28 Nov 2023 22:13:20 GMT; HttpOnly; Max-Age=1209600; Path=/; SameSite=Lax"
    );
    assert_eq!(
        set(&settings, "abc", None, now),
        "sessionid=abc; HttpOnly; Path=/; SameSite=Lax"
    );
    assert_eq!(
        delete(&settings),
        "sessionid=\"\"; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax"
    );
    let mut custom = Settings::default();
    custom.cookie_domain = Some(".example.local".into());
    custom.cookie_path = "/example/".into();
    assert_eq!(
        delete(&custom),
        "sessionid=\"\"; Domain=.example.local; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/example/; SameSite=Lax"
    );
    let mut secure = Settings::default();
    secure.cookie_secure = true;
    secure.cookie_httponly = false;
    secure.cookie_domain = Some(".example.com".into());
    secure.cookie_path = "/app".into();
    secure.cookie_samesite = session_core::settings::SameSite::None;
    assert_eq!(
        set(&secure, "k", Some(1_209_600), now),
        "sessionid=k; Domain=.example.com; expires=Tue, 28 Nov 2023 22:13:20 GMT; Max-Age=1209600; Path=/app; SameSite=None; Secure"
    );
    assert!(delete(&secure).ends_with("; Path=/app; SameSite=None; Secure"));
}

#[test]
fn http_dates_pad_every_field() {
    let settings = Settings::default();
    for (now, max_age, expires) in [
        (
            datetime!(2024-03-01 04:05:06 UTC),
            0,
            "Fri, 01 Mar 2024 04:05:06 GMT",
        ),
        (
            datetime!(2023-12-31 23:59:59 UTC),
            1,
            "Mon, 01 Jan 2024 00:00:00 GMT",
        ),
        (
            datetime!(0999-01-02 00:00:00 UTC),
            0,
            "Wed, 02 Jan 0999 00:00:00 GMT",
        ),
    ] {
        let header = set(&settings, "k", Some(max_age), now);
        assert!(
            header.starts_with(&format!(
                "sessionid=k; expires={expires}; HttpOnly; Max-Age={max_age};"
            )),
            "{header}"
        );
    }
}

#[test]
fn cookies_are_read_as_django_reads_them() {
    let mut headers = HeaderMap::new();
    headers.append(COOKIE, "a=1; sessionid=first; b=2".parse().unwrap());
    headers.append(COOKIE, "sessionid=\"second\"".parse().unwrap());
    assert_eq!(find(&headers, "sessionid"), Some("second"));
    assert_eq!(find(&headers, "other"), None);
}

#[test]
fn vary_is_patched_once() {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::VARY, "Accept-Encoding".parse().unwrap());
    patch_vary(&mut headers);
    patch_vary(&mut headers);
    assert_eq!(headers[http::header::VARY], "Accept-Encoding, Cookie");
    headers.insert(http::header::VARY, "*".parse().unwrap());
    patch_vary(&mut headers);
    assert_eq!(headers[http::header::VARY], "*");
    let mut none = HeaderMap::new();
    patch_vary(&mut none);
    patch_vary(&mut none);
    assert_eq!(none[http::header::VARY], "Cookie");
}

#[test]
fn the_cookie_is_built_at_its_exact_length() {
    let now = datetime!(2023-11-14 22:13:20 UTC);
    let mut every = Settings::default();
    every.cookie_domain = Some(".example.com".into());
    every.cookie_secure = true;
    every.cookie_partitioned = true;
    for settings in [Settings::default(), every] {
        for max_age in [Some(1_209_600), Some(0), None] {
            let cookie = set(&settings, "abcdefgh12345678", max_age, now);
            // A header value takes such a buffer over without allocating again.
            assert_eq!(cookie.capacity(), cookie.len(), "{cookie}");
        }
    }
}
