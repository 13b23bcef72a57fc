//! The index of sessions by user (`session_core::users`): listing, revoking one, logging out
//! everywhere else, and the index following logins, logouts and expiry.

use session_core::users::PublicId;
use session_core::{Expiry, Session, SessionStore};
use time::Duration;

use super::{Must, is_gone, require};
use crate::{Fixture, TestContext};

/// A saved session of `user` (or an anonymous one, for `None`) with `expiry`.
async fn session_of(store: &SessionStore, user: Option<&str>, expiry: Expiry) -> Session {
    let session = store.session(None);
    session.set_expiry(expiry).await.must("set_expiry");
    match user {
        Some(user) => session.set_user(user).await.must("set_user"),
        None => session.insert("cart", ["apple"]).await.must("insert"),
    }
    session.save().await.must("save");
    session
}

/// The public id of a saved session.
fn id_of(session: &Session) -> PublicId {
    PublicId::of(&session.key().must("a saved session has a key"))
}

/// A user's live sessions are listed for that user only, by public ids that are not the keys,
/// with the asking session marked.
pub async fn user_sessions_are_listed_for_their_owner_only(ctx: TestContext, fixture: Fixture) {
    require!(fixture, UserIndex);
    let store = ctx.store(&fixture);
    let laptop = session_of(&store, Some("7"), Expiry::Default).await;
    let phone = session_of(&store, Some("7"), Expiry::Default).await;
    let other = session_of(&store, Some("8"), Expiry::Default).await;
    session_of(&store, None, Expiry::Default).await;

    let listed = laptop.user_sessions().await.must("user_sessions");
    let mut ids: Vec<_> = listed.iter().map(|s| s.id.clone()).collect();
    ids.sort();
    let mut expected = vec![id_of(&laptop), id_of(&phone)];
    expected.sort();
    assert_eq!(ids, expected, "user 7's sessions, and only those");
    for session in &listed {
        for key in [laptop.key(), phone.key()].into_iter().flatten() {
            assert!(
                !session.id.as_str().contains(key.as_str()),
                "a key in a listing"
            );
        }
        assert_eq!(session.current, session.id == id_of(&laptop));
        assert_eq!(session.created, ctx.now());
        assert_eq!(session.last_seen, ctx.now());
    }
    let theirs = store.user_sessions("8").await.must("user_sessions");
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].id, id_of(&other));
    assert!(
        store
            .user_sessions("9")
            .await
            .must("user_sessions")
            .is_empty()
    );
}

/// Revoking one session deletes it (it never loads again) and leaves the others; another
/// user's id revokes nothing.
pub async fn a_revoked_session_never_loads_again(ctx: TestContext, fixture: Fixture) {
    require!(fixture, UserIndex);
    let store = ctx.store(&fixture);
    let laptop = session_of(&store, Some("7"), Expiry::Default).await;
    let phone = session_of(&store, Some("7"), Expiry::Default).await;
    let other = session_of(&store, Some("8"), Expiry::Default).await;
    assert!(
        !laptop.revoke(&id_of(&other)).await.must("revoke"),
        "user 7 revoked user 8's session"
    );
    assert!(!is_gone(&fixture, &other.key().must("key")).await);
    assert!(laptop.revoke(&id_of(&phone)).await.must("revoke"));
    assert!(
        is_gone(&fixture, &phone.key().must("key")).await,
        "the revoked session loads"
    );
    assert!(!is_gone(&fixture, &laptop.key().must("key")).await);
    assert_eq!(store.user_sessions("7").await.must("list").len(), 1);
    assert!(!laptop.revoke(&id_of(&phone)).await.must("revoke again"));
}

/// "Log out other sessions" deletes every session of the user but the asking one.
pub async fn log_out_everywhere_else_keeps_only_this_session(ctx: TestContext, fixture: Fixture) {
    require!(fixture, UserIndex);
    let store = ctx.store(&fixture);
    let here = session_of(&store, Some("7"), Expiry::Default).await;
    let mut elsewhere = Vec::new();
    for _ in 0..4 {
        elsewhere.push(session_of(&store, Some("7"), Expiry::Default).await);
    }
    let other = session_of(&store, Some("8"), Expiry::Default).await;
    assert_eq!(here.revoke_others().await.must("revoke_others"), 4);
    for session in &elsewhere {
        assert!(
            is_gone(&fixture, &session.key().must("key")).await,
            "a session survived"
        );
    }
    assert!(!is_gone(&fixture, &here.key().must("key")).await);
    assert!(!is_gone(&fixture, &other.key().must("key")).await);
    let listed = here.user_sessions().await.must("list");
    assert_eq!(listed.len(), 1);
    assert!(listed[0].current);
    assert_eq!(store.revoke_all("8").await.must("revoke_all"), 1);
    assert!(is_gone(&fixture, &other.key().must("key")).await);
}

/// A login's cycle moves the entry to the new key; a logout removes it.
pub async fn the_index_follows_cycle_and_flush(ctx: TestContext, fixture: Fixture) {
    require!(fixture, UserIndex);
    let store = ctx.store(&fixture);
    let session = session_of(&store, Some("7"), Expiry::Default).await;
    let before = id_of(&session);
    session.cycle_key().await.must("cycle_key");
    let listed = store.user_sessions("7").await.must("list");
    assert_eq!(listed.len(), 1, "one session after the cycle");
    assert_eq!(listed[0].id, id_of(&session));
    assert_ne!(listed[0].id, before);
    session.flush().await.must("flush");
    assert!(store.user_sessions("7").await.must("list").is_empty());
}

/// Expired sessions are never listed, before and after `clear_expired`.
pub async fn expired_sessions_are_never_listed(ctx: TestContext, fixture: Fixture) {
    require!(fixture, UserIndex);
    let store = ctx.store(&fixture);
    let short = session_of(&store, Some("7"), Expiry::Seconds(10)).await;
    let long = session_of(&store, Some("7"), Expiry::Seconds(3600)).await;
    ctx.clock.advance(Duration::seconds(10));
    let listed = store.user_sessions("7").await.must("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, id_of(&long));
    fixture.backend.clear_expired().await.must("clear_expired");
    let listed = store.user_sessions("7").await.must("list");
    assert_eq!(listed.len(), 1);
    assert_ne!(listed[0].id, id_of(&short));
    assert!(
        !long.revoke(&id_of(&short)).await.must("revoke"),
        "an expired session revoked"
    );
}
