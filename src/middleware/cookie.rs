//! The session cookie on the wire, exactly as Django reads and writes it.

use http::HeaderMap;
use http::header::COOKIE;
use session_core::Settings;
use time::{OffsetDateTime, UtcOffset};

/// Browsers drop a cookie whose `Set-Cookie` is longer than this; we never send one.
pub const MAX_COOKIE_BYTES: usize = 4096;

/// The value of cookie `name` in the request: Django's parser splits every `Cookie` header on
/// `;`, trims, unquotes `"…"`, and keeps the **last** occurrence of a name.
pub(crate) fn find<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut found = None;
    for header in headers.get_all(COOKIE) {
        let Ok(text) = header.to_str() else { continue };
        for pair in text.split(';') {
            let Some((key, value)) = pair.trim().split_once('=') else {
                continue;
            };
            if key.trim() == name {
                let value = value.trim();
                let unquoted = value
                    .strip_prefix('"')
                    .and_then(|v| v.strip_suffix('"'))
                    .unwrap_or(value);
                found = Some(unquoted);
            }
        }
    }
    found
}

/// `Set-Cookie` for the session key, attributes in Django's (alphabetical) order. `max_age`
/// `None` is a browser-session cookie: neither `expires` nor `Max-Age`. Written into one
/// buffer: a request allocates this once.
pub(crate) fn set(
    settings: &Settings,
    value: &str,
    max_age: Option<i64>,
    now: OffsetDateTime,
) -> String {
    let mut out = String::with_capacity(
        settings.cookie_name.len() + value.len() + settings.cookie_path.len() + 120,
    );
    push_all(&mut out, &[&settings.cookie_name, "=", value]);
    if let Some(domain) = &settings.cookie_domain {
        push_all(&mut out, &["; Domain=", domain]);
    }
    if let Some(max_age) = max_age {
        out.push_str("; expires=");
        push_http_date(&mut out, now + time::Duration::seconds(max_age));
    }
    if settings.cookie_httponly {
        out.push_str("; HttpOnly");
    }
    if let Some(max_age) = max_age {
        push_all(
            &mut out,
            &["; Max-Age=", itoa::Buffer::new().format(max_age)],
        );
    }
    push_all(&mut out, &["; Path=", &settings.cookie_path]);
    if let Some(same_site) = settings.cookie_samesite.attribute() {
        push_all(&mut out, &["; SameSite=", same_site]);
    }
    if settings.cookie_secure {
        out.push_str("; Secure");
    }
    if settings.cookie_partitioned {
        out.push_str("; Partitioned");
    }
    out
}

fn push_all(out: &mut String, parts: &[&str]) {
    for part in parts {
        out.push_str(part);
    }
}

/// Django's deletion cookie: empty value, `Max-Age=0`, the epoch, the same Path/Domain and
/// SameSite; `Secure` only for `__Secure-`/`__Host-` names or `SameSite=None`; never `HttpOnly`.
pub(crate) fn delete(settings: &Settings) -> String {
    let name = &settings.cookie_name;
    let mut out = String::with_capacity(name.len() + settings.cookie_path.len() + 100);
    push_all(&mut out, &[name, "=\"\""]);
    if let Some(domain) = &settings.cookie_domain {
        push_all(&mut out, &["; Domain=", domain]);
    }
    out.push_str("; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0");
    push_all(&mut out, &["; Path=", &settings.cookie_path]);
    let same_site = settings.cookie_samesite.attribute();
    if let Some(same_site) = same_site {
        push_all(&mut out, &["; SameSite=", same_site]);
    }
    let secure = name.starts_with("__Secure-")
        || name.starts_with("__Host-")
        || same_site.is_some_and(|s| s.eq_ignore_ascii_case("none"));
    if secure {
        out.push_str("; Secure");
    }
    out
}

/// Appends the HTTP date of `at` to `out`: `Tue, 28 Nov 2023 22:13:20 GMT`.
fn push_http_date(out: &mut String, at: OffsetDateTime) {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let at = at.to_offset(UtcOffset::UTC);
    let two = |n: u8| [char::from(b'0' + n / 10), char::from(b'0' + n % 10)];
    out.push_str(DAYS[usize::from(at.weekday().number_days_from_monday())]);
    out.push_str(", ");
    out.extend(two(at.day()));
    out.push(' ');
    out.push_str(MONTHS[usize::from(u8::from(at.month()) - 1)]);
    out.push(' ');
    // Years 0 to 9999: four digits, as Python's `%Y`.
    let year = at.year().clamp(0, 9999).unsigned_abs();
    out.extend(
        (0..4).rev().map(|place| {
            char::from(b'0' + u8::try_from(year / 10u32.pow(place) % 10).unwrap_or(0))
        }),
    );
    out.push(' ');
    out.extend(two(at.hour()));
    out.push(':');
    out.extend(two(at.minute()));
    out.push(':');
    out.extend(two(at.second()));
    out.push_str(" GMT");
}

/// Adds `Cookie` to `Vary` as Django's `patch_vary_headers` does: case-insensitive, appended
/// with `", "`, and a `*` stays `*`.
pub(crate) fn patch_vary(headers: &mut HeaderMap) {
    if !headers.contains_key(http::header::VARY) {
        headers.insert(http::header::VARY, http::HeaderValue::from_static("Cookie"));
        return;
    }
    let mut values: Vec<String> = headers
        .get_all(http::header::VARY)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect();
    if values.iter().any(|v| v == "*") {
        headers.insert(http::header::VARY, http::HeaderValue::from_static("*"));
        return;
    }
    if !values.iter().any(|v| v.eq_ignore_ascii_case("cookie")) {
        values.push("Cookie".to_owned());
    }
    if let Ok(value) = http::HeaderValue::from_str(&values.join(", ")) {
        headers.insert(http::header::VARY, value);
    }
}

#[cfg(test)]
mod tests;
