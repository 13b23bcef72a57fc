//! Races between requests: exactly one of two saves wins, logout is never undone, and with the
//! merge on conflict no request's change is lost.

use std::sync::Arc;

use serde_json::json;
use session_core::{Error, Session, SessionKey};
use tokio::sync::Barrier;

use super::{Must, is_gone, load, require, seed, spawn_at};
use crate::{Fixture, TestContext};

/// Two saves of one loaded version, started together: exactly one wins, the other is a
/// conflict, and the store holds the winner's data. Repeated to catch interleavings, each round
/// on a fresh session.
pub async fn racing_saves_exactly_one_wins(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ConditionalSave);
    for round in 0..25 {
        let stored = seed(&ctx, &fixture, json!({"writer": "none"})).await;
        race_saves(&fixture, &stored.key, 2, round).await;
    }
}

/// Eight writers save one loaded version at once, forty rounds on one session: each round
/// exactly one wins. Heavy enough that a save which checks the version and writes in two steps
/// is caught every run, not one run in ten.
pub async fn many_writers_racing_saves_exactly_one_wins(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ConditionalSave);
    let stored = seed(&ctx, &fixture, json!({"writer": "none"})).await;
    for round in 0..40 {
        race_saves(&fixture, &stored.key, 8, round).await;
    }
}

/// `writers` saves of the version under `key`, started together: asserts exactly one wins and
/// the store holds its data.
async fn race_saves(fixture: &Fixture, key: &SessionKey, writers: usize, round: usize) {
    let loaded = load(fixture, key).await;
    let barrier = Arc::new(Barrier::new(writers));
    let tasks: Vec<_> = (0..writers)
        .map(|writer| {
            let (backend, key) = (Arc::clone(&fixture.backend), key.clone());
            let mut record = loaded.clone();
            Arc::make_mut(&mut record.data)
                .insert("writer".into(), json!(format!("{round}-{writer}")));
            spawn_at(&barrier, async move {
                (writer, backend.save(&key, record).await)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.must("join") {
            (writer, Ok(_)) => winners.push(writer),
            (_, Err(Error::Conflict)) => {}
            (writer, Err(other)) => panic!("round {round}: {writer} failed with {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
    assert_eq!(
        load(fixture, key).await.data["writer"],
        format!("{round}-{}", winners[0]),
        "round {round}: the store holds another writer's data than the winner's"
    );
}

/// A delete and a save started together: whichever lands first, the session stays deleted.
/// The save either wins before the delete or is `Gone`; nothing is resurrected.
pub async fn racing_delete_and_save_never_resurrects(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    for round in 0..50 {
        let stored = seed(&ctx, &fixture, json!({"user": "alice"})).await;
        let record = load(&fixture, &stored.key).await;
        let barrier = Arc::new(Barrier::new(2));
        let (backend, key) = (Arc::clone(&fixture.backend), stored.key.clone());
        let save = spawn_at(&barrier, async move { backend.save(&key, record).await });
        let (backend, key) = (Arc::clone(&fixture.backend), stored.key.clone());
        let delete = spawn_at(&barrier, async move { backend.delete(&key).await });
        delete.await.must("join").must("delete");
        match save.await.must("join") {
            Ok(_) | Err(Error::Gone) => {}
            Err(other) => panic!("round {round}: save failed with {other:?}"),
        }
        assert!(
            is_gone(&fixture, &stored.key).await,
            "round {round}: resurrected"
        );
    }
}

/// Two requests on one session change different keys at the same time: both changes land.
pub async fn concurrent_requests_keep_both_changes(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ConditionalSave);
    let store = ctx.store(&fixture);
    let seed = store.session(None);
    seed.insert("base", 0).await.must("insert");
    seed.save().await.must("save");
    let key = seed.key().must("key");
    for round in 0..10 {
        let barrier = Arc::new(Barrier::new(2));
        let mut tasks = Vec::new();
        for side in ["left", "right"] {
            let (session, barrier) = (store.session(Some(key.as_str())), Arc::clone(&barrier));
            tasks.push(tokio::spawn(async move {
                session.insert(&format!("{side}{round}"), round).await?;
                barrier.wait().await;
                session.save().await
            }));
        }
        for task in tasks {
            task.await.must("join").must("save");
        }
    }
    let record = load(&fixture, &key).await;
    for round in 0..10 {
        for side in ["left", "right"] {
            assert_eq!(
                record.data[&format!("{side}{round}")],
                round,
                "{side}{round} was lost"
            );
        }
    }
}

/// Twenty requests each add one item to the same cart with `modify`: all twenty items land.
pub async fn concurrent_cart_updates_all_land(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ConditionalSave);
    let store = ctx.store(&fixture);
    let seed = store.session(None);
    seed.insert("cart", Vec::<String>::new())
        .await
        .must("insert");
    seed.save().await.must("save");
    let key = seed.key().must("key");
    let barrier = Arc::new(Barrier::new(20));
    let mut tasks = Vec::new();
    for item in 0..20 {
        let (session, barrier): (Session, _) =
            (store.session(Some(key.as_str())), Arc::clone(&barrier));
        tasks.push(tokio::spawn(async move {
            session
                .modify("cart", move |cart: Option<Vec<String>>| {
                    let mut cart = cart.unwrap_or_default();
                    cart.push(format!("item{item}"));
                    cart
                })
                .await?;
            barrier.wait().await;
            session.save().await
        }));
    }
    for task in tasks {
        task.await.must("join").must("save with merge");
    }
    let cart: Vec<String> = ctx
        .store(&fixture)
        .session(Some(key.as_str()))
        .get("cart")
        .await
        .must("get")
        .must("cart");
    let mut sorted = cart.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 20, "items lost or doubled: {cart:?}");
}

/// A request that loaded the session before a logout elsewhere cannot write it back, even
/// through the merge path.
pub async fn logout_race_never_resurrects_through_merge(ctx: TestContext, fixture: Fixture) {
    require!(fixture, ServerSide);
    let store = ctx.store(&fixture);
    for round in 0..20 {
        let seed = store.session(None);
        seed.insert("user", "alice").await.must("insert");
        seed.save().await.must("save");
        let key = seed.key().must("key");
        let writer = store.session(Some(key.as_str()));
        writer.insert("seen", round).await.must("insert");
        let logout = store.session(Some(key.as_str()));
        let barrier = Arc::new(Barrier::new(2));
        let write = spawn_at(&barrier, async move { writer.save().await });
        let flush = spawn_at(&barrier, async move { logout.flush().await });
        flush.await.must("join").must("flush");
        match write.await.must("join") {
            Ok(_) | Err(Error::Gone) => {}
            Err(other) => panic!("round {round}: {other:?}"),
        }
        assert!(is_gone(&fixture, &key).await, "round {round}: resurrected");
    }
}
