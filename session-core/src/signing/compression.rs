//! When [`Signer::dumps`](super::Signer::dumps) tries zlib on the JSON.

/// When to try zlib before signing. Whatever is chosen, zlib is used only when it saves more
/// than one byte (Django's rule), and readers accept both forms.
///
/// ```
/// use session_core::signing::Compression;
///
/// assert!(!Compression::Never.applies_to(10_000));
/// assert!(Compression::Always.applies_to(20)); // Django's `compress=True`
/// assert!(!Compression::FromBytes(1024).applies_to(300));
/// assert!(Compression::FromBytes(1024).applies_to(1024));
/// assert_eq!(Compression::from(true), Compression::Always);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// Never (Django's `compress=False`).
    Never,
    /// On every payload (Django's `compress=True`): the same bytes as Django.
    Always,
    /// On JSON of at least this many bytes. Below, the payload stays plain: still Django's
    /// format, a little larger, and sealed several times faster (deflate's fixed cost, about
    /// 4 µs, dwarfs signing a small session).
    FromBytes(usize),
}

impl Compression {
    /// Whether zlib is tried on `json_len` bytes of JSON.
    pub fn applies_to(self, json_len: usize) -> bool {
        match self {
            Self::Never => false,
            Self::Always => true,
            Self::FromBytes(min) => json_len >= min,
        }
    }
}

impl From<bool> for Compression {
    /// Django's `compress=` flag.
    fn from(compress: bool) -> Self {
        if compress { Self::Always } else { Self::Never }
    }
}
