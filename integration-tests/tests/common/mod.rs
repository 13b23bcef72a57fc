//! Factories shared by the test files: each file uses those of its own engine.

#![allow(dead_code, unreachable_pub)]

pub(crate) mod db;
pub(crate) mod redis;

#[allow(unused_imports)] // the db test files call it by this short name
pub(crate) use db::db_fixture;
