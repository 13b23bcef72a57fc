//! Dates as Django writes them: `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`.

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// Formats `at` in UTC the way Python's `datetime.isoformat()` does for an aware UTC datetime:
/// microseconds only when non-zero, always the `+00:00` offset.
///
/// ```
/// use session_core::datetime::format_iso;
/// use time::macros::datetime;
///
/// assert_eq!(format_iso(datetime!(2026-11-25 16:59:41.923281 UTC)), "2026-11-25T16:59:41.923281+00:00");
/// assert_eq!(format_iso(datetime!(2030-01-02 03:04:05 UTC)), "2030-01-02T03:04:05+00:00");
/// ```
pub fn format_iso(at: OffsetDateTime) -> String {
    let mut out = format_naive(at, 'T');
    out.push_str("+00:00");
    out
}

/// Formats `at` in UTC without an offset, `sep` between date and time: Django's SQLite text
/// form uses `' '` (`2030-01-02 03:04:05[.ffffff]`).
pub fn format_naive(at: OffsetDateTime, sep: char) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    let mut out = format!(
        "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    if at.microsecond() != 0 {
        out.push_str(&format!(".{:06}", at.microsecond()));
    }
    out
}

/// Parses what Python's `datetime.fromisoformat` accepts for the dates Django stores:
/// `YYYY-MM-DD[T or space]HH:MM[:SS[.f{1,6}]]` with an optional `Z` or `±HH:MM[:SS]` offset.
/// A date without an offset is taken as UTC (Django with `USE_TZ = True`). Returns `None` for
/// anything else.
///
/// ```
/// use session_core::datetime::parse_iso;
/// use time::macros::datetime;
///
/// assert_eq!(parse_iso("2026-11-25T16:59:41.923281+00:00"), Some(datetime!(2026-11-25 16:59:41.923281 UTC)));
/// assert_eq!(parse_iso("2030-01-02 03:04:05"), Some(datetime!(2030-01-02 03:04:05 UTC)));
/// assert_eq!(parse_iso("2030-01-02T05:04:05+02:00"), Some(datetime!(2030-01-02 03:04:05 UTC)));
/// assert_eq!(parse_iso("yesterday"), None);
/// ```
pub fn parse_iso(text: &str) -> Option<OffsetDateTime> {
    let text = text.as_bytes();
    let date = Date::from_calendar_date(
        i32::try_from(number(text.get(0..4)?)?).ok()?,
        Month::try_from(u8::try_from(number(bytes_after(text, 4, b'-', 2)?)?).ok()?).ok()?,
        u8::try_from(number(bytes_after(text, 7, b'-', 2)?)?).ok()?,
    )
    .ok()?;
    if !matches!(text.get(10), Some(b'T' | b' ')) {
        return None;
    }
    let hour = number(text.get(11..13)?)?;
    let minute = number(bytes_after(text, 13, b':', 2)?)?;
    let mut rest = &text[16..];
    let mut second = 0;
    let mut micro = 0u32;
    if let Some(b':') = rest.first() {
        second = number(rest.get(1..3)?)?;
        rest = &rest[3..];
        if let Some(b'.') = rest.first() {
            let digits = rest[1..].iter().take_while(|b| b.is_ascii_digit()).count();
            if !(1..=6).contains(&digits) {
                return None;
            }
            let fraction = number(&rest[1..=digits])?;
            micro = fraction * 10u32.pow(u32::try_from(6 - digits).ok()?);
            rest = &rest[1 + digits..];
        }
    }
    let time = Time::from_hms_micro(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        micro,
    )
    .ok()?;
    let offset = parse_offset(rest)?;
    Some(
        PrimitiveDateTime::new(date, time)
            .assume_offset(offset)
            .to_offset(UtcOffset::UTC),
    )
}

fn parse_offset(text: &[u8]) -> Option<UtcOffset> {
    match text {
        [] | [b'Z'] => Some(UtcOffset::UTC),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let hours = i8::try_from(number(rest.get(0..2)?)?).ok()?;
            let minutes = i8::try_from(number(bytes_after(rest, 2, b':', 2)?)?).ok()?;
            let seconds = match rest.get(5..) {
                None | Some([]) => 0,
                Some([b':', s @ ..]) if s.len() == 2 => i8::try_from(number(s)?).ok()?,
                Some(_) => return None,
            };
            let signum = if *sign == b'-' { -1 } else { 1 };
            UtcOffset::from_hms(signum * hours, signum * minutes, signum * seconds).ok()
        }
        _ => None,
    }
}

/// The `len` bytes after a `sep` found at `at`.
fn bytes_after(text: &[u8], at: usize, sep: u8, len: usize) -> Option<&[u8]> {
    (text.get(at) == Some(&sep)).then(|| text.get(at + 1..at + 1 + len))?
}

/// A run of ASCII digits as a number (at most 6 digits).
fn number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 6 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .iter()
            .fold(0u32, |acc, d| acc * 10 + u32::from(d - b'0')),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn round_trips_with_and_without_microseconds() {
        for at in [
            datetime!(2023-11-14 22:13:20 UTC),
            datetime!(2023-11-14 22:13:20.000001 UTC),
            datetime!(1999-12-31 23:59:59.999999 UTC),
        ] {
            assert_eq!(parse_iso(&format_iso(at)), Some(at));
            assert_eq!(parse_iso(&format_naive(at, ' ')), Some(at));
        }
    }

    #[test]
    fn formats_like_python() {
        assert_eq!(
            format_naive(datetime!(2030-01-02 03:04:05 UTC), ' '),
            "2030-01-02 03:04:05"
        );
        assert_eq!(
            format_iso(datetime!(2030-01-02 05:04:05 +2)),
            "2030-01-02T03:04:05+00:00"
        );
        assert_eq!(
            format_iso(datetime!(2030-01-02 03:04:05.5 UTC)),
            "2030-01-02T03:04:05.500000+00:00"
        );
    }

    #[test]
    fn accepts_python_variants() {
        let at = datetime!(2030-01-02 03:04:00 UTC);
        assert_eq!(parse_iso("2030-01-02T03:04"), Some(at));
        assert_eq!(parse_iso("2030-01-02T03:04:00Z"), Some(at));
        assert_eq!(parse_iso("2030-01-01T22:04:00-05:00"), Some(at));
        assert_eq!(
            parse_iso("2030-01-02T03:04:00.5"),
            Some(datetime!(2030-01-02 03:04:00.5 UTC))
        );
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        for bad in [
            "",
            "2030",
            "2030-13-01T00:00:00",
            "2030-01-02X03:04:05",
            "2030-01-02T25:00:00",
            "2030-01-02T03:04:05.1234567",
            "2030-01-02T03:04:05+0",
            "2030-01-02T03:04:05 junk",
            "２０３０-01-02T03:04:05",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad:?}");
        }
    }
}
