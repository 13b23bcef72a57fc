//! Drives one visitor's session through Django's life cycle on the in-process engine and prints
//! what happens at each step: `cargo run --example moka_session`.

#![allow(clippy::print_stdout)] // printing what happens is the point of this example

use std::sync::Arc;

use session_kit::{Expiry, MokaBackend, SessionStore};

#[tokio::main(flavor = "current_thread")]
async fn main() -> session_kit::Result<()> {
    let store = SessionStore::new(Arc::new(MokaBackend::new()));

    // Request 1: an anonymous visitor adds to a cart. The middleware would save at the end.
    let request = store.session(None);
    request
        .modify("cart", |cart: Option<Vec<String>>| {
            let mut cart = cart.unwrap_or_default();
            cart.push("apple".to_owned());
            cart
        })
        .await?;
    report("anonymous visitor adds an apple", &request).await?;
    request.save().await?;
    let cookie = request.key().map(|key| key.as_str().to_owned());
    println!(
        "  saved; the cookie now carries a {}-character key",
        cookie.as_deref().map_or(0, str::len)
    );

    // Request 2: the cookie comes back; the visitor logs in. cycle_key keeps the cart under a
    // new key (session fixation defence) and kills the old one at once.
    let request = store.session(cookie.as_deref());
    request.cycle_key().await?;
    request.insert("_auth_user_id", "1").await?;
    request.set_expiry(Expiry::seconds(3600)).await?;
    request.save().await?;
    report(
        "login: key cycled, user stored, one-hour idle expiry",
        &request,
    )
    .await?;
    let old_cookie = store.session(cookie.as_deref());
    println!(
        "  the pre-login cookie now loads {} keys",
        old_cookie.len().await?
    );
    let cookie = request.key().map(|key| key.as_str().to_owned());

    // Request 3: two tabs add to the cart at the same time; both items land.
    let (tab_a, tab_b) = (
        store.session(cookie.as_deref()),
        store.session(cookie.as_deref()),
    );
    for (tab, item) in [(&tab_a, "pear"), (&tab_b, "plum")] {
        tab.modify("cart", move |cart: Option<Vec<String>>| {
            let mut cart = cart.unwrap_or_default();
            cart.push(item.to_owned());
            cart
        })
        .await?;
    }
    tab_a.save().await?;
    tab_b.save().await?; // conflicts, reloads, re-applies its change, saves
    let cart: Option<Vec<String>> = store.session(cookie.as_deref()).get("cart").await?;
    println!("- two tabs added at once; the cart is {cart:?}");

    // Request 4: logout flushes: the record is deleted, the key dropped.
    let request = store.session(cookie.as_deref());
    request.flush().await?;
    report("logout", &request).await?;
    let replay = store.session(cookie.as_deref());
    println!(
        "  replaying the old cookie loads {} keys",
        replay.len().await?
    );
    Ok(())
}

async fn report(step: &str, session: &session_kit::Session) -> session_kit::Result<()> {
    println!("- {step}");
    println!(
        "  accessed={} modified={} empty={} keys={:?} expiry age={}s",
        session.accessed(),
        session.modified(),
        session.is_empty(),
        session.keys().await?,
        session.get_expiry_age().await?,
    );
    Ok(())
}
