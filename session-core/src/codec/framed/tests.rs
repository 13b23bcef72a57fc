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
}

#[test]
fn a_record_round_trips_with_its_header() -> TestResult {
    let record = record();
    let bytes = encode(&record, 7)?;
    assert!(bytes.starts_with(b"7:1700000060123456:{\"cart\""));
    let header = parse(&bytes).ok_or("no header")?;
    assert_eq!(header.version, 7);
    assert_eq!(header.expires_at_micros, micros(record.expires_at));
    let decoded = decode(&header)?;
    assert_eq!(decoded.version, Version::counter(7));
    assert_eq!(decoded.expires_at, record.expires_at);
    assert_eq!(decoded.data, record.data);
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
