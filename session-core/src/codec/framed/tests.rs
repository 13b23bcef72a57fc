type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

use super::*;
use crate::{Data, Expiry, ExpiryPolicy};
use time::macros::datetime;

fn record() -> Record {
    let mut data = Data::new();
    data.insert("cart".into(), serde_json::json!(["apple", "pé:ar"]));
    Record::new(
        data,
        Expiry::Seconds(60),
        datetime!(2023-11-14 22:13:20.123456 UTC),
        &ExpiryPolicy::default(),
    )
    .unwrap()
}

#[test]
fn a_record_round_trips_with_its_header() -> TestResult {
    let record = record();
    let bytes = encode(&record, 7)?;
    assert_eq!(
        std::str::from_utf8(&bytes)?,
        r#"7:1700000060123456:1700000000123456:1700000000123456:{"cart":["apple","pé:ar"],"_session_expiry":60}"#
    );
    let header = parse(&bytes).ok_or("no header")?;
    assert_eq!(header.version, 7);
    assert_eq!(header.expires_at_micros, micros(record.expires_at));
    let decoded = decode(&header)?;
    assert_eq!(
        decoded,
        Record {
            version: Version::counter(7),
            ..record
        }
    );
    Ok(())
}

/// Values written before the times moved into the header (the times inside the JSON) still
/// decode, to the same record.
#[test]
fn the_earlier_layout_still_decodes() -> TestResult {
    let record = Record {
        version: Version::counter(7),
        ..record()
    };
    let mut earlier = b"7:1700000060123456:".to_vec();
    earlier.extend_from_slice(&crate::codec::dict::encode(&record)?);
    assert!(earlier.ends_with(b"\"_session_version\":7}"));
    let header = parse(&earlier).ok_or("no header")?;
    assert_eq!(decode(&header)?, record);
    Ok(())
}

#[test]
fn broken_times_are_codec_errors() -> TestResult {
    for bad in [
        &b"1:2:x:3:{}"[..],
        b"1:2:3:{}",
        b"1:2:3:99999999999999999999:{}",
        b"1:2:3:4:{\"_session_expiry\":\"soon\"}",
        b"1:2:3:4:[1]",
    ] {
        let header = parse(bad).ok_or("no header")?;
        assert!(
            matches!(decode(&header), Err(crate::Error::Codec { .. })),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    Ok(())
}

#[test]
fn the_header_wins_over_the_record_for_expiry() -> TestResult {
    let bytes = encode(&record(), 1)?;
    let header = parse(&bytes).ok_or("no header")?;
    let moved = Header {
        expires_at_micros: 1_700_000_000_000_000,
        ..header
    };
    assert_eq!(
        decode(&moved)?.expires_at,
        datetime!(2023-11-14 22:13:20 UTC)
    );
    Ok(())
}

#[test]
fn foreign_or_corrupt_values_have_no_header() -> TestResult {
    for bad in [
        &b""[..],
        b"garbage",
        b"1:",
        b":1:{}",
        b"1::{}",
        b"x:1:{}",
        b"1:y:{}",
        b"123456789012345678901234:1:{}",
        b"\xff\xfe:1:{}",
    ] {
        assert_eq!(parse(bad), None, "{bad:?}");
    }
    let header = parse(b"1:2:not json").ok_or("no header")?;
    assert!(decode(&header).is_err());
    Ok(())
}
