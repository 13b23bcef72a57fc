use super::*;
use std::collections::HashSet;

#[test]
fn django_key_length_rule() {
    assert!(SessionKey::from_cookie("").is_none());
    assert!(SessionKey::from_cookie("1234567").is_none());
    assert!(SessionKey::from_cookie("12345678").is_some());
}

#[test]
fn cookie_unsafe_values_are_no_key() {
    for bad in [
        "abcd efgh",
        "abcdefg;h",
        "abcdéfgh",
        "abcd\"efgh",
        "abcd\nefgh",
    ] {
        assert!(SessionKey::from_cookie(bad).is_none(), "{bad:?}");
    }
    assert!(SessionKey::from_cookie(&"a".repeat(MAX_KEY_LENGTH + 1)).is_none());
}

#[test]
fn random_keys_are_distinct_and_in_alphabet() {
    let generator = KeyGenerator::random();
    let mut seen = HashSet::new();
    for _ in 0..10_000 {
        let key = generator.generate().unwrap();
        assert_eq!(key.as_str().len(), KEY_LENGTH);
        assert!(key.is_django_syntax());
        assert!(seen.insert(key));
    }
}

#[test]
fn every_character_is_used_roughly_uniformly() {
    let generator = KeyGenerator::random();
    let mut counts = [0usize; 36];
    for _ in 0..2_000 {
        for b in generator.generate().unwrap().as_str().bytes() {
            let index = KEY_ALPHABET.iter().position(|&c| c == b).unwrap();
            counts[index] += 1;
        }
    }
    // 64,000 draws: each character expects ~1778; a biased sampler would skew this badly.
    for (index, count) in counts.iter().enumerate() {
        assert!((1500..2060).contains(count), "char {index}: {count}");
    }
}

#[test]
fn debug_redacts() {
    let key = SessionKey::from_cookie("secretsecretsecret").unwrap();
    assert!(!format!("{key:?}").contains("secret"));
}

#[cfg(feature = "test-util")]
#[test]
fn scripted_keys_come_first() {
    let generator = KeyGenerator::scripted();
    let fixed = SessionKey::from_cookie("fixedkey1").unwrap();
    assert!(generator.push(fixed.clone()));
    assert_eq!(generator.generate().unwrap(), fixed);
    assert_ne!(generator.generate().unwrap(), fixed);
    assert!(!KeyGenerator::random().push(fixed));
}
