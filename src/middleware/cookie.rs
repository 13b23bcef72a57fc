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
    let mut expires = [0u8; HTTP_DATE_LEN];
    let mut age = itoa::Buffer::new();
    let mut parts = Parts::default();
    let mut add = |part| parts.add(part);
    for part in [settings.cookie_name.as_str(), "=", value] {
        add(part);
    }
    if let Some(domain) = &settings.cookie_domain {
        add("; Domain=");
        add(domain);
    }
    if let Some(max_age) = max_age {
        add("; expires=");
        add(http_date(
            &mut expires,
            now.saturating_add(time::Duration::seconds(max_age)),
        ));
    }
    if settings.cookie_httponly {
        add("; HttpOnly");
    }
    if let Some(max_age) = max_age {
        add("; Max-Age=");
        add(age.format(max_age));
    }
    add("; Path=");
    add(&settings.cookie_path);
    if let Some(same_site) = settings.cookie_samesite.attribute() {
        add("; SameSite=");
        add(same_site);
    }
    if settings.cookie_secure {
        add("; Secure");
    }
    if settings.cookie_partitioned {
        add("; Partitioned");
    }
    let parts = parts.as_slice();
    // Exactly the length: the header value then takes the buffer over without allocating
    // (`Bytes` from a `Vec` whose capacity is its length).
    let mut out = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    push_all(&mut out, parts);
    out
}

/// A cookie's pieces, before they are joined.
#[derive(Default)]
struct Parts<'a> {
    parts: [&'a str; 18],
    len: usize,
}

impl<'a> Parts<'a> {
    fn add(&mut self, part: &'a str) {
        // 18 is more than `set` ever adds (16 at most).
        debug_assert!(
            self.len < self.parts.len(),
            "a cookie of more parts than `set` adds"
        );
        if let Some(slot) = self.parts.get_mut(self.len) {
            *slot = part;
            self.len += 1;
        }
    }

    fn as_slice(&self) -> &[&'a str] {
        &self.parts[..self.len]
    }
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

/// The length of an HTTP date: `Tue, 28 Nov 2023 22:13:20 GMT`.
const HTTP_DATE_LEN: usize = 29;

/// Writes the HTTP date of `at` into `buffer` and returns it: `Tue, 28 Nov 2023 22:13:20 GMT`.
fn http_date(buffer: &mut [u8; HTTP_DATE_LEN], at: OffsetDateTime) -> &str {
    const DAYS: [&[u8; 3]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let at = at.to_offset(UtcOffset::UTC);
    let two = |n: u8| [b'0' + n / 10 % 10, b'0' + n % 10];
    // Years 0 to 9999: four digits, as Python's `%Y`.
    let year = u16::try_from(at.year().clamp(0, 9999)).unwrap_or(0);
    let [century_tens, century_ones] = two(u8::try_from(year / 100).unwrap_or(0));
    let [year_tens, year_ones] = two(u8::try_from(year % 100).unwrap_or(0));
    let [day_tens, day_ones] = two(at.day());
    let [hour_tens, hour_ones] = two(at.hour());
    let [minute_tens, minute_ones] = two(at.minute());
    let [second_tens, second_ones] = two(at.second());
    let [d0, d1, d2] = *DAYS[usize::from(at.weekday().number_days_from_monday())];
    let [m0, m1, m2] = *MONTHS[usize::from(u8::from(at.month()) - 1)];
    *buffer = [
        d0,
        d1,
        d2,
        b',',
        b' ',
        day_tens,
        day_ones,
        b' ',
        m0,
        m1,
        m2,
        b' ',
        century_tens,
        century_ones,
        year_tens,
        year_ones,
        b' ',
        hour_tens,
        hour_ones,
        b':',
        minute_tens,
        minute_ones,
        b':',
        second_tens,
        second_ones,
        b' ',
        b'G',
        b'M',
        b'T',
    ];
    // Every byte above is ASCII.
    std::str::from_utf8(buffer).unwrap_or("Thu, 01 Jan 1970 00:00:00 GMT")
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
