//! Test data helpers.

/// `len` lowercase letters from a fixed xorshift sequence: text that compression cannot shrink
/// much, for sessions that must stay large once encoded (cookie-size limits).
///
/// ```
/// let text = session_conformance::incompressible_text(100);
/// assert_eq!(text.len(), 100);
/// assert_eq!(text, session_conformance::incompressible_text(100));
/// ```
pub fn incompressible_text(len: usize) -> String {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'a' + u8::try_from(state % 26).unwrap_or(0))
        })
        .collect()
}
