//! The session cookie on the wire, exactly as Django reads and writes it.

use http::HeaderMap;
use http::header::COOKIE;
use session_core::Settings;
use time::{OffsetDateTime, UtcOffset};

/// Browsers drop a cookie whose `Set-Cookie` is longer than this; we never send one.
pub const MAX_COOKIE_BYTES: usize = 4096;

/// The value of cookie `name` in the request: Django's parser splits every `Cookie` header on
/// `;`, trims, unquotes `"…"`, and keeps the **last** occurrence of a name.
pub(crate) fn find(headers: &HeaderMap, name: &str) -> Option<String> {
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
                found = Some(unquoted.to_owned());
            }
        }
    }
    found
}

/// `Set-Cookie` for the session key, attributes in Django's (alphabetical) order. `max_age`
/// `None` is a browser-session cookie: neither `expires` nor `Max-Age`.
pub(crate) fn set(
    settings: &Settings,
    value: &str,
    max_age: Option<i64>,
    now: OffsetDateTime,
) -> String {
    let mut out = format!("{}={value}", settings.cookie_name);
    if let Some(domain) = &settings.cookie_domain {
        out.push_str(&format!("; Domain={domain}"));
    }
    if let Some(max_age) = max_age {
        let expires = now + time::Duration::seconds(max_age);
        out.push_str(&format!("; expires={}", http_date(expires)));
    }
    if settings.cookie_httponly {
        out.push_str("; HttpOnly");
    }
    if let Some(max_age) = max_age {
        out.push_str(&format!("; Max-Age={max_age}"));
    }
    out.push_str(&format!("; Path={}", settings.cookie_path));
    if let Some(same_site) = settings.cookie_samesite.attribute() {
        out.push_str(&format!("; SameSite={same_site}"));
    }
    if settings.cookie_secure {
        out.push_str("; Secure");
    }
    if settings.cookie_partitioned {
        out.push_str("; Partitioned");
    }
    out
}

/// Django's deletion cookie: empty value, `Max-Age=0`, the epoch, the same Path/Domain and
/// SameSite; `Secure` only for `__Secure-`/`__Host-` names or `SameSite=None`; never `HttpOnly`.
pub(crate) fn delete(settings: &Settings) -> String {
    let name = &settings.cookie_name;
    let mut out = format!("{name}=\"\"");
    if let Some(domain) = &settings.cookie_domain {
        out.push_str(&format!("; Domain={domain}"));
    }
    out.push_str("; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0");
    out.push_str(&format!("; Path={}", settings.cookie_path));
    let same_site = settings.cookie_samesite.attribute();
    if let Some(same_site) = same_site {
        out.push_str(&format!("; SameSite={same_site}"));
    }
    let secure = name.starts_with("__Secure-")
        || name.starts_with("__Host-")
        || same_site.is_some_and(|s| s.eq_ignore_ascii_case("none"));
    if secure {
        out.push_str("; Secure");
    }
    out
}

/// An HTTP date: `Tue, 28 Nov 2023 22:13:20 GMT`.
pub(crate) fn http_date(at: OffsetDateTime) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT",
        DAYS[usize::from(at.weekday().number_days_from_monday())],
        at.day(),
        MONTHS[usize::from(u8::from(at.month()) - 1)],
        at.year(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// Adds `Cookie` to `Vary` as Django's `patch_vary_headers` does: case-insensitive, appended
/// with `", "`, and a `*` stays `*`.
pub(crate) fn patch_vary(headers: &mut HeaderMap) {
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
