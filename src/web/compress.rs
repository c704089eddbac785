//! Compression where it pays (issue #19): HTML, JSON, CSV and other text bodies of 1 KiB or
//! more are sent compressed when the client accepts it; smaller ones would gain a few bytes
//! for the work of an encoder, so they go as they are.
//!
//! - A body already in memory (every page and JSON answer) is gzipped here at the fastest
//!   level, in one call. Browsers offer both gzip and brotli; actix's `Compress` picks
//!   brotli and sets up a new encoder with a 4 MiB window for every response, which cost
//!   more than rendering the page (the catalog page: 1,100 a second with brotli, 5,400
//!   with fast gzip, 11,900 uncompressed, on 2 cores).
//! - A page whose large part never changes (a model version's content, a built report) is
//!   gzipped from pieces: that part is compressed once (`KeptPart`) and copied into each
//!   response between the visitor's own header and footer (`gzip_pieces`).
//! - A streamed body (the CSV export) is left to actix's `Compress` outside: it leaves alone
//!   a response that already has a `Content-Encoding`, so `compress` marks a small body
//!   `identity` and `unmark` (outside `Compress`) takes the mark off again.

use std::cell::RefCell;

use actix_web::body::{BodySize, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, AcceptEncoding, Encoding, HeaderMap, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::HttpMessage;
use flate2::{Compress, Compression, FlushCompress};

/// Bodies smaller than this are not compressed.
pub const MIN_COMPRESSED_BYTES: u64 = 1024;

/// Whether the request accepts gzip (browsers, curl `--compressed`, most HTTP clients).
pub fn accepts_gzip(req: &impl HttpMessage) -> bool {
    req.get_header::<AcceptEncoding>()
        .and_then(|accept| accept.negotiate([Encoding::gzip(), Encoding::identity()].iter()))
        .is_some_and(|choice| choice == Encoding::gzip())
}

/// Text worth compressing; images, PDFs, archives and spreadsheets are compressed already.
fn compressible(headers: &HeaderMap) -> bool {
    let Some(kind) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let kind = kind.split(';').next().unwrap_or_default().trim();
    kind.starts_with("text/")
        || matches!(
            kind,
            "application/json"
                | "application/problem+json"
                | "application/ld+json"
                | "application/vc+ld+json"
                | "application/javascript"
                | "application/xml"
                | "image/svg+xml"
        )
}

pub async fn compress(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let gzip = accepts_gzip(&req);
    let mut res = next.call(req).await?;
    let encoded = res.headers().contains_key(header::CONTENT_ENCODING);
    match res.response().body().size() {
        BodySize::Sized(n) if n < MIN_COMPRESSED_BYTES && !encoded => {
            res.headers_mut().insert(
                header::CONTENT_ENCODING,
                HeaderValue::from_static("identity"),
            );
            Ok(res.map_into_boxed_body())
        }
        BodySize::Sized(_) if gzip && !encoded && compressible(res.headers()) => {
            let (req, res) = res.into_parts();
            let (mut head, body) = res.into_parts();
            let body = match body.try_into_bytes() {
                Ok(bytes) => {
                    let zipped = gzip_pieces(&[Piece::Fresh(&bytes)]);
                    mark_gzip(head.headers_mut());
                    BoxBody::new(zipped)
                }
                // A sized body not in memory: `Compress` outside takes it.
                Err(body) => BoxBody::new(body),
            };
            Ok(ServiceResponse::new(req, head.set_body(body)))
        }
        _ => Ok(res.map_into_boxed_body()),
    }
}

/// The headers of a gzipped body.
pub fn mark_gzip(headers: &mut HeaderMap) {
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
}

pub async fn unmark(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    if res
        .headers()
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v == "identity")
    {
        res.headers_mut().remove(header::CONTENT_ENCODING);
    }
    Ok(res)
}

/// A part of a page compressed once, to be copied into many gzip responses: raw deflate
/// blocks that refer to nothing before them and end on a byte boundary (a sync flush,
/// not the final block), with the CRC-32 and length of the text they hold.
pub struct KeptPart {
    pub text: Bytes,
    deflated: Bytes,
    crc: crc32fast::Hasher,
}

impl KeptPart {
    /// Compressed at the best level: done once per document.
    pub fn new(text: impl Into<Bytes>) -> KeptPart {
        let text = text.into();
        let mut crc = crc32fast::Hasher::new();
        crc.update(&text);
        KeptPart {
            deflated: Bytes::from(deflate_block(&text, Compression::best())),
            text,
            crc,
        }
    }
}

/// One piece of a response: compressed now, or copied from what was compressed once.
pub enum Piece<'a> {
    Fresh(&'a [u8]),
    Kept(&'a KeptPart),
}

/// One gzip member (RFC 1952) holding the pieces' texts in order. Each piece's deflate
/// blocks start afresh and end on a byte boundary, so they can follow one another; the
/// CRC-32 of the whole is combined from the pieces' own.
pub fn gzip_pieces(pieces: &[Piece]) -> Vec<u8> {
    let capacity = pieces
        .iter()
        .map(|p| match p {
            Piece::Fresh(text) => text.len() / 3,
            Piece::Kept(kept) => kept.deflated.len(),
        })
        .sum::<usize>();
    // Magic, deflate, no flags, no time, no extra flags, OS unknown.
    let mut out = Vec::with_capacity(capacity + 32);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
    let mut crc = crc32fast::Hasher::new();
    let mut len: u64 = 0;
    for piece in pieces {
        match piece {
            Piece::Fresh(text) => {
                crc.update(text);
                len += text.len() as u64;
                out.extend_from_slice(&deflate_block(text, Compression::fast()));
            }
            Piece::Kept(kept) => {
                crc.combine(&kept.crc);
                len += kept.text.len() as u64;
                out.extend_from_slice(&kept.deflated);
            }
        }
    }
    // The final block: empty, fixed Huffman codes (BFINAL=1, BTYPE=01, end of block).
    out.extend_from_slice(&[0x03, 0x00]);
    out.extend_from_slice(&crc.finalize().to_le_bytes());
    // ISIZE is the length modulo 2^32 by definition.
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out
}

/// `text` as raw deflate blocks with a fresh window, ended by a sync flush.
fn deflate_block(text: &[u8], level: Compression) -> Vec<u8> {
    // A compressor's state is a few hundred KiB to allocate and clear: each thread keeps one
    // per level and resets it, which costs half as much as making one per piece.
    thread_local! {
        static COMPRESSORS: RefCell<Vec<(u32, Compress)>> = const { RefCell::new(Vec::new()) };
    }
    COMPRESSORS.with_borrow_mut(|kept| {
        let deflate = match kept.iter().position(|(l, _)| *l == level.level()) {
            Some(i) => {
                let deflate = &mut kept[i].1;
                deflate.reset();
                deflate
            }
            None => {
                kept.push((level.level(), Compress::new(level, false)));
                &mut kept.last_mut().expect("just pushed").1
            }
        };
        let mut out = Vec::with_capacity(text.len() / 3 + 64);
        let mut input = text;
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(1024));
            }
            let before = deflate.total_in();
            deflate
                .compress_vec(input, &mut out, FlushCompress::Sync)
                .expect("deflate of an in-memory buffer cannot fail");
            input = &input[(deflate.total_in() - before) as usize..];
            // Done when everything is in and the flush fitted (room was left over).
            if input.is_empty() && out.len() < out.capacity() {
                return out;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use actix_web::test::TestRequest;
    use proptest::prelude::*;

    use super::*;

    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        // One member only: `GzDecoder` stops at the end of the first.
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .expect("a valid gzip stream");
        out
    }

    #[test]
    fn a_page_made_of_a_kept_part_and_fresh_pieces_unzips_to_the_whole_page() {
        let content = "<tr><td>能力成熟度模型</td><td>capability</td></tr>\n".repeat(2_000);
        let kept = KeptPart::new(content.clone().into_bytes());
        assert!(kept.deflated.len() < content.len() / 10);
        let head = b"<html><header>\xe5\xbc\xa0\xe4\xb8\x89 signed in</header><main>";
        let foot = b"</main></html>";
        let zipped = gzip_pieces(&[Piece::Fresh(head), Piece::Kept(&kept), Piece::Fresh(foot)]);
        let mut whole = head.to_vec();
        whole.extend_from_slice(content.as_bytes());
        whole.extend_from_slice(foot);
        assert_eq!(gunzip(&zipped), whole);
        // The kept part is copied, not compressed again: the response is little more.
        assert!(zipped.len() < kept.deflated.len() + 200);
    }

    proptest! {
        #[test]
        fn any_sequence_of_pieces_unzips_to_their_concatenation(
            parts in prop::collection::vec((any::<bool>(), prop::collection::vec(any::<u8>(), 0..3000)), 0..6),
            repeat in 1usize..40,
        ) {
            let texts: Vec<Vec<u8>> = parts.iter().map(|(_, t)| t.repeat(repeat)).collect();
            let kept: Vec<Option<KeptPart>> = parts
                .iter()
                .zip(&texts)
                .map(|((keep, _), t)| keep.then(|| KeptPart::new(t.clone())))
                .collect();
            let pieces: Vec<Piece> = texts
                .iter()
                .zip(&kept)
                .map(|(t, k)| match k {
                    Some(k) => Piece::Kept(k),
                    None => Piece::Fresh(t),
                })
                .collect();
            prop_assert_eq!(gunzip(&gzip_pieces(&pieces)), texts.concat());
        }
    }

    #[test]
    fn gzip_is_chosen_when_accepted_and_not_when_refused() {
        let accepts = |value: Option<&str>| {
            let mut req = TestRequest::default();
            if let Some(v) = value {
                req = req.insert_header((header::ACCEPT_ENCODING, v));
            }
            accepts_gzip(&req.to_http_request())
        };
        assert!(accepts(Some("gzip, deflate, br, zstd")));
        assert!(accepts(Some("br;q=1.0, gzip;q=0.5")));
        assert!(!accepts(Some("br")));
        assert!(!accepts(Some("gzip;q=0, br")));
        assert!(!accepts(Some("identity")));
        assert!(!accepts(None));
    }

    #[test]
    fn text_is_compressible_and_binary_formats_are_not() {
        let with = |kind: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(kind).unwrap());
            compressible(&headers)
        };
        assert!(with("text/html; charset=utf-8"));
        assert!(with("application/problem+json"));
        assert!(with("text/csv; charset=utf-8"));
        assert!(with("image/svg+xml"));
        assert!(!with("application/pdf"));
        assert!(!with("image/png"));
        assert!(!with(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ));
        assert!(!compressible(&HeaderMap::new()));
    }
}
