//! The index over the in-test map engine; the conformance suite runs the same on every engine.

use std::sync::Arc;

use super::*;
use crate::session::tests::MapBackend;
use crate::{Backend, SessionStore};

fn indexed() -> (Arc<Indexed<MapBackend, MemoryKeyIndex>>, SessionStore) {
    let backend = Arc::new(Indexed::new(MapBackend::default(), MemoryKeyIndex::new()));
    let store = SessionStore::new(Arc::clone(&backend) as Arc<dyn Backend>);
    (backend, store)
}

async fn logged_in(store: &SessionStore, user: &str) -> crate::Session {
    let session = store.session(None);
    session.set_user(user).await.unwrap();
    session.save().await.unwrap();
    session
}

#[tokio::test]
async fn a_users_sessions_are_listed_marked_and_revoked() {
    let (backend, store) = indexed();
    let laptop = logged_in(&store, "7").await;
    let phone = logged_in(&store, "7").await;
    let _other = logged_in(&store, "8").await;
    let anonymous = store.session(None);
    anonymous.insert("cart", 1).await.unwrap();
    anonymous.save().await.unwrap();

    let listed = laptop.user_sessions().await.unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|s| s.current).count(), 1);
    let phone_id = PublicId::of(&phone.key().unwrap());
    assert!(listed.iter().any(|s| s.id == phone_id && !s.current));
    assert!(
        listed
            .iter()
            .all(|s| !s.id.as_str().contains(laptop.key().unwrap().as_str()))
    );

    assert!(laptop.revoke(&phone_id).await.unwrap());
    assert!(backend.load(&phone.key().unwrap()).await.unwrap().is_none());
    assert_eq!(store.user_sessions("7").await.unwrap().len(), 1);
    assert_eq!(store.user_sessions("8").await.unwrap().len(), 1);
    assert!(
        !store.revoke("8", &phone_id).await.unwrap(),
        "not user 8's session"
    );
}

#[tokio::test]
async fn log_out_everywhere_else_keeps_this_session_only() {
    let (_, store) = indexed();
    let here = logged_in(&store, "7").await;
    for _ in 0..3 {
        logged_in(&store, "7").await;
    }
    assert_eq!(here.revoke_others().await.unwrap(), 3);
    let listed = here.user_sessions().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].current);
}

#[tokio::test]
async fn cycle_moves_the_entry_and_logout_removes_it() {
    let (backend, store) = indexed();
    let session = logged_in(&store, "7").await;
    let before = session.key().unwrap();
    session.cycle_key().await.unwrap();
    let listed = store.user_sessions("7").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, PublicId::of(&session.key().unwrap()));
    assert_ne!(listed[0].id, PublicId::of(&before));
    session.flush().await.unwrap();
    assert!(store.user_sessions("7").await.unwrap().is_empty());
    assert!(
        backend.index().keys("7").await.unwrap().is_empty(),
        "logout unfiled it"
    );
}

#[test]
fn owners_are_non_empty_strings() {
    let mut data = crate::Data::new();
    assert_eq!(owner_of(&data), None);
    data.insert(crate::auth::SESSION_KEY.into(), "".into());
    assert_eq!(owner_of(&data), None);
    data.insert(crate::auth::SESSION_KEY.into(), "42".into());
    assert_eq!(owner_of(&data), Some("42"));
}
