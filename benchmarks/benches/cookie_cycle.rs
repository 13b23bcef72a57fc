//! The cookie engines' cost per request: encode a ~300-byte session into a cookie value and
//! decode it back.
//!
//! Rows, in one run (1 and 32 tasks on 2 worker threads, ratios to the first row of the same
//! round):
//! - the limit: compact JSON, base64, HMAC-SHA256 sign; then verify and decode, with a key
//!   derived once (no timestamp, no compression, no session semantics);
//! - ours: `SignedCookieBackend` create + load as configured by default (Django's format; zlib
//!   tried from 1 KiB of JSON, so this session is signed plain);
//! - ours: the same with `Compression::Always`, Django's `compress=True` (zlib tried on every
//!   save, kept when it pays: Django's bytes);
//! - ours: `EncryptedCookieBackend` create + load (XChaCha20-Poly1305).
//!
//! Run: `cargo bench --bench cookie_cycle` (from `benchmarks/`).

mod common;

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Candidate, ROUND, compare, measure, print_rows, session_data};
use hmac::{Hmac, Mac};
use serde_json::json;
use session_cookie::{
    CookieBackend, CookieCodec, EncryptedCookieBackend, Signed, SignedCookieBackend,
};
use session_core::settings::Secret;
use session_core::signing::{Compression, Keyring};
use session_core::{Backend, Data, Expiry, ExpiryPolicy, Record};
use sha2::Sha256;

const ROUNDS: usize = 7;
const SECRET: &str = "benchmark-secret-key-benchmark-secret-key-benchmark-0123";

/// The limit: sign and verify the same JSON with a ready HMAC key.
struct Raw {
    mac: Hmac<Sha256>,
}

impl Candidate for Raw {
    async fn cycle(&self, i: usize) {
        let mut data = session_data();
        data.insert("counter".into(), json!(i));
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&data).unwrap());
        let mut mac = self.mac.clone();
        mac.update(payload.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        let token = format!("{payload}:{signature}");

        let (payload, signature) = token.rsplit_once(':').unwrap();
        let mut mac = self.mac.clone();
        mac.update(payload.as_bytes());
        mac.verify_slice(&URL_SAFE_NO_PAD.decode(signature).unwrap())
            .unwrap();
        let decoded: Data =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(decoded.len(), data.len());
    }
}

/// One of our cookie engines: seal a record (create) and open it (load).
struct Ours<C> {
    backend: CookieBackend<C>,
}

impl<C: CookieCodec> Candidate for Ours<C> {
    async fn cycle(&self, i: usize) {
        let mut data = session_data();
        data.insert("counter".into(), json!(i));
        let record = Record::new(
            data,
            Expiry::Default,
            time::OffsetDateTime::now_utc(),
            &ExpiryPolicy::default(),
        ).expect("a record");
        let stored = self.backend.create(record).await.unwrap();
        let loaded = self.backend.load(&stored.key).await.unwrap().unwrap();
        assert_eq!(loaded.data.len(), 7);
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let keys = Keyring::new(Secret::new(SECRET), Vec::new()).unwrap();
    let raw = Arc::new(Raw {
        mac: <Hmac<Sha256> as Mac>::new_from_slice(SECRET.as_bytes()).unwrap(),
    });
    let signed = Arc::new(Ours {
        backend: SignedCookieBackend::signed(&keys),
    });
    let always = Arc::new(Ours {
        backend: CookieBackend::new(Signed::new(&keys).with_compression(Compression::Always)),
    });
    let encrypted = Arc::new(Ours {
        backend: EncryptedCookieBackend::encrypted(&keys, "sessionid"),
    });
    let sample = serde_json::to_vec(&session_data()).unwrap().len();
    println!(
        "session JSON: {sample} bytes; round: {ROUND:?}; rounds: {ROUNDS}; worker threads: 2\n"
    );
    println!(
        "| row | 1 task: cycles/s | 1 task: × limit | 32 tasks: cycles/s | 32 tasks: × limit |"
    );
    println!("|---|---:|---:|---:|---:|");
    let mut columns = Vec::new();
    for tasks in [1usize, 32] {
        let (raw, signed, always, encrypted) = (&raw, &signed, &always, &encrypted);
        columns.push(
            compare(
                &format!("cookies, tasks {tasks}"),
                4,
                ROUNDS,
                |which| async move {
                    match which {
                        0 => measure(raw, tasks).await,
                        1 => measure(signed, tasks).await,
                        2 => measure(always, tasks).await,
                        _ => measure(encrypted, tasks).await,
                    }
                },
            )
            .await,
        );
    }
    print_rows(
        &[
            "raw HMAC-SHA256 sign + verify + base64 of the JSON (the limit)",
            "**ours: SignedCookieBackend create + load (default: zlib from 1 KiB of JSON)**",
            "ours: SignedCookieBackend with `Compression::Always` (Django's bytes, zlib tried on every save)",
            "**ours: EncryptedCookieBackend create + load**",
        ],
        &columns[0],
        &columns[1],
    );
}
