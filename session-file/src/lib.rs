//! # session-file
//!
//! Django's `file` engine for `sessions`: one file per session in a directory, named
//! `<cookie name><key>` as Django names it, with what Django's lacks:
//!
//! - writes that survive crashes (temporary file, `fsync`, rename), and leftovers of
//!   interrupted writes swept once they are older than a grace period;
//! - conditional saves guarded by advisory locks, so two processes on one directory never lose
//!   an update and a logged-out session is never written back;
//! - every expiry honoured, integer `set_expiry` included, and a `clear_expired` that reads
//!   only each file's header;
//! - file I/O on tokio's blocking threads.
//!
//! See [`FileBackend`]. Each file holds the [framed](session_core::codec::framed) record:
//! `<version>:<expires µs>:<JSON record>`.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod backend;
mod dir;
mod locks;
mod ops;
mod sweep;

pub use backend::{
    DEFAULT_COOKIE_NAME, DEFAULT_TEMP_GRACE, DEFAULT_UNREADABLE_AGE, FileBackend,
    FileBackendBuilder,
};
