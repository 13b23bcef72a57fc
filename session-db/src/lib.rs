//! # session-db (skeleton)
//!
//! Django's default `db` engine for `sessions`, over sqlx: one cargo feature per database
//! (`postgres`, `sqlite`, `mysql`; MariaDB counts as MySQL). It will store sessions in Django's
//! own `django_session` table (plus a `version` column for conditional saves), with one
//! statement per operation and bounded-batch `clear_expired`.
//!
//! This crate is a placeholder until step 2 of the roadmap lands; it exports nothing yet.
