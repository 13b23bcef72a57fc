//! zlib at level 6 with a header, as Python's `zlib.compress` and `zlib.decompress`, reusing one
//! compressor and one decompressor per thread: setting zlib up costs more than compressing a
//! session.

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::{BoxError, Error, Result};

thread_local! {
    static DEFLATE: RefCell<Option<Compress>> = const { RefCell::new(None) };
    static INFLATE: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// `zlib.compress(json)` when it is shorter than `json` by more than one byte (Django's rule
/// for using it), `None` otherwise.
pub(crate) fn compress_if_it_pays(json: &[u8]) -> Result<Option<Vec<u8>>> {
    DEFLATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let deflate = slot.get_or_insert_with(|| Compress::new(Compression::new(6), true));
        deflate.reset();
        // Only an output shorter than the input is of use: one that does not fit did not pay.
        let mut out = Vec::with_capacity(json.len());
        match deflate.compress_vec(json, &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) if out.len() + 1 < json.len() => Ok(Some(out)),
            Ok(_) => Ok(None),
            Err(err) => Err(Error::codec(err)),
        }
    })
}

/// `zlib.decompress(bytes)`, refusing more than `limit` bytes of output.
pub(crate) fn decompress(bytes: &[u8], limit: usize) -> std::result::Result<Vec<u8>, BoxError> {
    INFLATE.with(|cell| {
        let mut slot = cell.borrow_mut();
        let inflate = slot.get_or_insert_with(|| Decompress::new(true));
        inflate.reset(true);
        let mut out = Vec::with_capacity((bytes.len() * 4).clamp(64, limit));
        loop {
            if out.len() == out.capacity() {
                if out.len() >= limit {
                    return Err("decompressed payload too large".into());
                }
                out.reserve(out.len().min(limit - out.len()));
            }
            let (read, wrote) = (inflate.total_in(), inflate.total_out());
            let rest = &bytes[usize::try_from(read)
                .unwrap_or(bytes.len())
                .min(bytes.len())..];
            match inflate.decompress_vec(rest, &mut out, FlushDecompress::Finish)? {
                Status::StreamEnd => return Ok(out),
                _ if (inflate.total_in(), inflate.total_out()) == (read, wrote) => {
                    return Err("truncated zlib stream".into());
                }
                _ => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = std::result::Result<(), crate::BoxError>;

    #[test]
    fn round_trips_and_reuses_the_state() -> TestResult {
        let json = br#"{"items":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}"#;
        for _ in 0..3 {
            let zipped = compress_if_it_pays(json)?.ok_or("nothing")?;
            assert_eq!(decompress(&zipped, 1 << 20)?, json);
        }
        assert_eq!(compress_if_it_pays(br#"{"foo":"bar"}"#)?, None);
        Ok(())
    }

    #[test]
    fn bombs_and_truncations_are_refused() -> TestResult {
        let zeros = vec![b'0'; 100_000];
        let zipped = compress_if_it_pays(&zeros)?.ok_or("nothing")?;
        assert!(decompress(&zipped, 1000).is_err());
        assert_eq!(decompress(&zipped, 100_000)?.len(), 100_000);
        assert!(decompress(&zipped[..zipped.len() / 2], 1 << 20).is_err());
        assert!(decompress(b"not zlib", 1 << 20).is_err());
        assert!(decompress(b"", 1 << 20).is_err());
        Ok(())
    }
}
