use super::*;
use crate::session::tests::store;

const SECRET: &str = "rust-interop-test-secret-key-0123456789";
const PASSWORD: &str =
    "pbkdf2_sha256$1000000$fixedsalt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const ALICE: DjangoUser<'static> = DjangoUser {
    id: "1",
    password: PASSWORD,
};

fn keys(current: &str, fallbacks: &[&str]) -> Keyring {
    Keyring::new(
        Secret::new(current),
        fallbacks.iter().map(|k| Secret::new(*k)).collect(),
    )
    .unwrap()
}

async fn lookup(id: String) -> Option<String> {
    (id == "1").then(|| PASSWORD.to_owned())
}

#[test]
fn the_hash_is_djangos() {
    assert_eq!(
        session_auth_hash(PASSWORD, &Secret::new(SECRET)),
        "460e5dae0b983677a5caf5263a7fff859c58724f1c102fd8dfe547bd60c1ce05"
    );
}

#[tokio::test]
async fn login_cycles_an_anonymous_session_and_keeps_its_data() {
    let store = store();
    let session = store.session(None);
    session.insert("cart", ["apple"]).await.unwrap();
    session.save().await.unwrap();
    let anonymous = session.key().unwrap();
    login(&session, &keys(SECRET, &[]), &ALICE, MODEL_BACKEND)
        .await
        .unwrap();
    session.save().await.unwrap();
    assert_ne!(session.key().unwrap(), anonymous, "a new key at login");
    assert_eq!(
        session.get::<Vec<String>>("cart").await.unwrap().unwrap(),
        ["apple"]
    );
    assert_eq!(
        session.get::<String>(SESSION_KEY).await.unwrap().as_deref(),
        Some("1")
    );
    assert_eq!(
        session
            .get::<String>(BACKEND_SESSION_KEY)
            .await
            .unwrap()
            .as_deref(),
        Some(MODEL_BACKEND)
    );
    let again = store.session(Some(session.key().unwrap().as_str()));
    let who = logged_in_user(&again, &keys(SECRET, &[]), lookup)
        .await
        .unwrap();
    assert_eq!(who.as_deref(), Some("1"));
}

#[tokio::test]
async fn another_users_session_is_flushed_at_login() {
    let store = store();
    let session = store.session(None);
    let bob = DjangoUser {
        id: "2",
        password: "x",
    };
    login(&session, &keys(SECRET, &[]), &bob, MODEL_BACKEND)
        .await
        .unwrap();
    session.insert("bobs", true).await.unwrap();
    session.save().await.unwrap();
    login(&session, &keys(SECRET, &[]), &ALICE, MODEL_BACKEND)
        .await
        .unwrap();
    assert_eq!(session.get::<bool>("bobs").await.unwrap(), None, "flushed");
    assert_eq!(
        session.get::<String>(SESSION_KEY).await.unwrap().as_deref(),
        Some("1")
    );
}

#[tokio::test]
async fn a_password_change_logs_out_and_a_fallback_key_rotates() {
    let store = store();
    let session = store.session(None);
    login(&session, &keys(SECRET, &[]), &ALICE, MODEL_BACKEND)
        .await
        .unwrap();
    session.save().await.unwrap();
    let key = session.key().unwrap();

    // The secret rotated, the old one is a fallback: still logged in, under a new key and hash.
    let rotated = keys("brand-new-secret-key-xxxxxxxxxxxxxxxxxxxxxx", &[SECRET]);
    let next = store.session(Some(key.as_str()));
    assert_eq!(
        logged_in_user(&next, &rotated, lookup)
            .await
            .unwrap()
            .as_deref(),
        Some("1")
    );
    next.save().await.unwrap();
    assert_ne!(next.key().unwrap(), key);
    assert_eq!(
        next.get::<String>(HASH_SESSION_KEY).await.unwrap().unwrap(),
        session_auth_hash(PASSWORD, rotated.current())
    );

    // The password changed: the session is flushed.
    let changed = store.session(Some(next.key().unwrap().as_str()));
    let who = logged_in_user(&changed, &rotated, |_| async {
        Some("new-hash".to_owned())
    })
    .await
    .unwrap();
    assert_eq!(who, None);
    assert_eq!(changed.key(), None, "flushed");
}
