use super::*;
use session_core::{Data, Expiry, ExpiryPolicy, MockClock, Record};

#[tokio::test]
async fn the_sweeper_clears_and_stops_when_dropped() {
    let clock = MockClock::default();
    let backend = Arc::new(
        session_cache::MokaBackend::builder()
            .context(session_core::Context::default().with_clock(clock.shared()))
            .build(),
    );
    let record = || {
        Record::new(
            Data::new(),
            Expiry::Seconds(10),
            session_core::Clock::now(&clock),
            &ExpiryPolicy::default(),
        )
        .unwrap()
    };
    for _ in 0..3 {
        backend.create(record()).await.unwrap();
    }
    clock.advance(time::Duration::seconds(10));
    let sweeper = spawn_clear_expired(backend.clone(), Duration::from_millis(10));
    for _ in 0..200 {
        if backend.entry_count() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(backend.entry_count(), 0, "swept");
    drop(sweeper);
    tokio::time::sleep(Duration::from_millis(20)).await;
    backend.create(record()).await.unwrap();
    clock.advance(time::Duration::seconds(10));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        backend.entry_count(),
        1,
        "stopped: nothing swept after the drop"
    );
}

#[test]
fn jitter_shortens_by_at_most_ten_percent() {
    for _ in 0..100 {
        let wait = jittered(Duration::from_secs(100));
        assert!(
            wait <= Duration::from_secs(100) && wait >= Duration::from_secs(90),
            "{wait:?}"
        );
    }
}
