use super::*;
use crate::session::tests::store;

const SECRET: &str = "rust-interop-test-secret-key-0123456789";
const PASSWORD: &str =
    "pbkdf2_sha256$1000000$fixedsalt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
const ALICE: DjangoUser<'static> = DjangoUser {
    id: "1",
    password: PASSWORD,
};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn keys(current: &str, fallbacks: &[&str]) -> crate::Result<Keyring> {
    Keyring::new(
        Secret::new(current),
        fallbacks.iter().map(|k| Secret::new(*k)).collect(),
    )
}

async fn lookup(id: String) -> Option<String> {
    (id == "1").then(|| PASSWORD.to_owned())
}

#[test]
fn the_hash_is_djangos() -> TestResult {
    assert_eq!(
        session_auth_hash(PASSWORD, &Secret::new(SECRET)),
        "460e5dae0b983677a5caf5263a7fff859c58724f1c102fd8dfe547bd60c1ce05"
    );
    Ok(())
}

#[tokio::test]
async fn login_cycles_an_anonymous_session_and_keeps_its_data() -> TestResult {
    let store = store();
    let session = store.session(None);
    session.insert("cart", ["apple"]).await?;
    session.save().await?;
    let anonymous = session.key().ok_or("no key")?;
    login(&session, &keys(SECRET, &[])?, &ALICE, MODEL_BACKEND).await?;
    session.save().await?;
    assert_ne!(
        session.key().ok_or("no key")?,
        anonymous,
        "a new key at login"
    );
    assert_eq!(
        session.get::<Vec<String>>("cart").await?.ok_or("nothing")?,
        ["apple"]
    );
    assert_eq!(
        session.get::<String>(SESSION_KEY).await?.as_deref(),
        Some("1")
    );
    assert_eq!(
        session.get::<String>(BACKEND_SESSION_KEY).await?.as_deref(),
        Some(MODEL_BACKEND)
    );
    let again = store.session(Some(session.key().ok_or("no key")?.as_str()));
    let who = logged_in_user(&again, &keys(SECRET, &[])?, lookup).await?;
    assert_eq!(who.as_deref(), Some("1"));
    Ok(())
}

#[tokio::test]
async fn another_users_session_is_flushed_at_login() -> TestResult {
    let store = store();
    let session = store.session(None);
    let bob = DjangoUser {
        id: "2",
        password: "x",
    };
    login(&session, &keys(SECRET, &[])?, &bob, MODEL_BACKEND).await?;
    session.insert("bobs", true).await?;
    session.save().await?;
    login(&session, &keys(SECRET, &[])?, &ALICE, MODEL_BACKEND).await?;
    assert_eq!(session.get::<bool>("bobs").await?, None, "flushed");
    assert_eq!(
        session.get::<String>(SESSION_KEY).await?.as_deref(),
        Some("1")
    );
    Ok(())
}

#[tokio::test]
async fn a_password_change_logs_out_and_a_fallback_key_rotates() -> TestResult {
    let store = store();
    let session = store.session(None);
    login(&session, &keys(SECRET, &[])?, &ALICE, MODEL_BACKEND).await?;
    session.save().await?;
    let key = session.key().ok_or("no key")?;

    // The secret rotated, the old one is a fallback: still logged in, under a new key and hash.
    let rotated = keys("brand-new-secret-key-xxxxxxxxxxxxxxxxxxxxxx", &[SECRET])?;
    let next = store.session(Some(key.as_str()));
    assert_eq!(
        logged_in_user(&next, &rotated, lookup).await?.as_deref(),
        Some("1")
    );
    next.save().await?;
    assert_ne!(next.key().ok_or("no key")?, key);
    assert_eq!(
        next.get::<String>(HASH_SESSION_KEY)
            .await?
            .ok_or("nothing")?,
        session_auth_hash(PASSWORD, rotated.current())
    );

    // The password changed: the session is flushed.
    let changed = store.session(Some(next.key().ok_or("no key")?.as_str()));
    let who = logged_in_user(&changed, &rotated, |_| async {
        Some("new-hash".to_owned())
    })
    .await?;
    assert_eq!(who, None);
    assert_eq!(changed.key(), None, "flushed");
    Ok(())
}
