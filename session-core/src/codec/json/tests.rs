use super::*;
use crate::Expiry;
use crate::ExpiryPolicy;
use crate::codec::{Beside, RecordCodec, dict};
use crate::session::EXPIRY_KEY;
use serde_json::Value;
use serde_json::json;
use time::macros::datetime;

fn record(data: Value, expiry: Expiry) -> Record {
    let Value::Object(data) = data else {
        unreachable!("objects only")
    };
    Record::new(
        data,
        expiry,
        datetime!(2023-11-14 22:13:20.5 UTC),
        &ExpiryPolicy::default(),
    )
    .unwrap()
}

#[test]
fn round_trips_every_expiry_and_keeps_order() {
    for expiry in [
        Expiry::Default,
        Expiry::BrowserClose,
        Expiry::Seconds(-3),
        Expiry::At(datetime!(2030-01-02 03:04:05.000006 UTC)),
    ] {
        let mut original = record(json!({"z": 1, "a": [1, {"é": "🎉"}], "m": null}), expiry);
        original.version = Version::counter(7);
        for bytes in [
            JsonCodec
                .encode(&original, 7, original.modified_at)
                .unwrap()
                .bytes,
            dict::encode(&original).unwrap(),
        ] {
            let decoded = JsonCodec.decode(&bytes, Beside::NOTHING).unwrap();
            assert_eq!(decoded, original);
            assert_eq!(
                decoded.data.keys().collect::<Vec<_>>(),
                ["z", "a", "m"],
                "order kept"
            );
        }
        let decoded = JsonCodec
            .decode(&dict::encode(&original).unwrap(), Beside::NOTHING)
            .unwrap();
        assert_eq!(
            decoded.data.keys().collect::<Vec<_>>(),
            ["z", "a", "m"],
            "order kept"
        );
    }
}

#[test]
fn default_expiry_is_not_written() {
    let bytes = dict::encode(&record(json!({"foo": "bar"}), Expiry::Default)).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(
        text.starts_with(
            r#"{"foo":"bar","_session_created_at":"2023-11-14T22:13:20.500000+00:00""#
        )
    );
    assert!(!text.contains(EXPIRY_KEY));
}

#[test]
fn garbage_is_a_codec_error_not_a_panic() {
    for bad in [
        &b""[..],
        b"null",
        b"[1,2]",
        b"{\"foo\":1}",
        b"{\"_session_created_at\":1}",
        b"\xff\xfe",
        b"{\"_session_expiry\":\"soon\",\"_session_created_at\":\"2023-11-14T22:13:20\"}",
    ] {
        assert!(
            matches!(
                JsonCodec.decode(bad, Beside::NOTHING),
                Err(Error::Codec { .. })
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn foreign_reserved_keys_are_dropped() {
    let mut fields = dict::to_dict(&record(json!({"a": 1}), Expiry::Default));
    fields.insert("_session_future".into(), json!(true));
    let decoded = dict::from_dict(fields).unwrap();
    assert_eq!(decoded.data.keys().collect::<Vec<_>>(), ["a"]);
}

#[test]
fn encoding_without_a_copy_matches_the_dict() {
    let mut original = record(json!({"b": [1, 2], "a": "x"}), Expiry::Seconds(5));
    original.version = Version::counter(3);
    let direct = dict::encode(&original).unwrap();
    let via_dict = serde_json::to_vec(&dict::to_dict(&original)).unwrap();
    assert_eq!(direct, via_dict);
}

#[test]
fn the_store_s_version_and_deadline_win_over_the_header_s() {
    let original = record(json!({"a": 1}), Expiry::Seconds(5));
    let bytes = JsonCodec
        .encode(&original, 3, original.modified_at)
        .unwrap()
        .bytes;
    let later = original.expires_at + time::Duration::seconds(30);
    let decoded = JsonCodec.decode(&bytes, Beside::row(9, later)).unwrap();
    assert_eq!(
        (decoded.version, decoded.expires_at),
        (Version::counter(9), later)
    );
    let stamp = JsonCodec
        .stamp(&bytes[..framed::MAX_HEADER_BYTES], Beside::NOTHING)
        .unwrap();
    assert_eq!(stamp.version, Version::counter(3));
    assert_eq!(stamp.expires_at, original.expires_at);
    let moved = JsonCodec
        .moved(&bytes, Beside::NOTHING, later, later)
        .unwrap();
    let decoded = JsonCodec.decode(&moved.bytes, Beside::NOTHING).unwrap();
    assert_eq!(
        (decoded.version, decoded.expires_at),
        (Version::counter(3), later)
    );
    assert_eq!(decoded.data, original.data);
}
