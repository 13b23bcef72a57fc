//! # session-file (skeleton)
//!
//! Django's `file` engine for `sessions`: one file per session, named `<cookie name><key>` as
//! Django names it, written crash-safely (temp file, fsync, rename), with conditional saves
//! guarded by advisory locks and an expiry that is really honoured.
//!
//! This crate is a placeholder until step 5 of the roadmap lands; it exports nothing yet.
