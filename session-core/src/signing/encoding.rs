//! The encodings `django.core.signing` uses: URL-safe base64 without padding, base62
//! timestamps, and JSON as Python's `json.dumps(separators=(",", ":"))` writes it.

use std::io;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

/// Django's `b64_encode`: URL-safe alphabet, `=` padding stripped.
pub fn b64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// [`b64_encode`] appended to `out`.
pub(crate) fn b64_encode_into(bytes: &[u8], out: &mut String) {
    URL_SAFE_NO_PAD.encode_string(bytes, out);
}

/// Django's `b64_decode` for what [`b64_encode`] writes; `None` for anything else.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// [`b64_decode`] into `out`: the decoded bytes, `None` when `text` is not base64 or does not
/// fit.
pub(crate) fn b64_decode_into<'a>(text: &str, out: &'a mut [u8]) -> Option<&'a [u8]> {
    let len = URL_SAFE_NO_PAD.decode_slice(text, out).ok()?;
    out.get(..len)
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Django's `b62_encode`: `0-9A-Za-z`, a `-` before negative numbers.
///
/// ```
/// use session_core::signing::{b62_decode, b62_encode};
/// assert_eq!(b62_encode(1_700_000_000), "1r31eq");
/// assert_eq!(b62_encode(0), "0");
/// assert_eq!(b62_encode(-5), "-5");
/// assert_eq!(b62_decode("1r31eq"), Some(1_700_000_000));
/// ```
pub fn b62_encode(n: i64) -> String {
    let mut out = String::with_capacity(12);
    b62_encode_into(n, &mut out);
    out
}

/// [`b62_encode`] appended to `out`.
pub(crate) fn b62_encode_into(n: i64, out: &mut String) {
    let mut magnitude = n.unsigned_abs();
    // 62^11 > u64::MAX: eleven digits and a sign are always enough.
    let mut digits = [0u8; 12];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = BASE62[usize::try_from(magnitude % 62).unwrap_or(0)];
        magnitude /= 62;
        if magnitude == 0 {
            break;
        }
    }
    if n < 0 {
        start -= 1;
        digits[start] = b'-';
    }
    out.extend(digits[start..].iter().map(|&b| char::from(b)));
}

/// Django's `b62_decode`; `None` for characters outside the alphabet, an empty string or an
/// overflow.
pub fn b62_decode(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for byte in digits.bytes() {
        let digit = BASE62.iter().position(|&b| b == byte)?;
        n = n.checked_mul(62)?.checked_add(i64::try_from(digit).ok()?)?;
    }
    Some(if negative { -n } else { n })
}

/// `value` as Django's `JSONSerializer` writes it: compact, keys in order, every non-ASCII
/// character escaped as `\uXXXX` (UTF-16 surrogate pairs beyond the BMP), as Python's
/// `ensure_ascii` does, so that Django, which reads the bytes as latin-1, sees the same text.
///
/// ```
/// let json = session_core::signing::django_json(&serde_json::json!({"name": "José 🎉"}))?;
/// assert_eq!(json, br#"{"name":"Jos\u00e9 \ud83c\udf89"}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
///
/// # Errors
/// What `value`'s `Serialize` returns (never, for JSON values).
pub fn django_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(512);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    value.serialize(&mut serializer)?;
    Ok(out)
}

/// serde_json's compact formatter, with non-ASCII characters escaped.
struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some(at) = rest.bytes().position(|b| !b.is_ascii()) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let Some(c) = rest[at..].chars().next() else {
                break;
            };
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}
