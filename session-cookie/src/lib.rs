//! # session-cookie (skeleton)
//!
//! Django's `signed_cookies` engine for `sessions`: the whole session in the cookie, signed
//! byte-compatibly with `django.core.signing`, with an optional AEAD-encrypted mode and
//! zero-downtime key rotation through fallback keys.
//!
//! This crate is a placeholder until step 6 of the roadmap lands; it exports nothing yet.
