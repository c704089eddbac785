//! Documents that never change once made — a model version's page content and its API
//! document — rendered once per version and language and kept in memory, and the HTTP
//! caching around them: a weak ETag, `If-None-Match` answered with 304 before anything is
//! read or rendered, `Cache-Control`, and bodies compressed once at the best level.
//!
//! A model version is immutable (a changed model file becomes a new version), so every
//! instance renders the same thing for the same key and none has to tell another.

use std::collections::HashMap;
use std::hash::Hash;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};

use actix_web::http::header::{self, ContentEncoding, Encoding, EntityTag};
use actix_web::web::Bytes;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, HttpResponseBuilder};
use sha2::{Digest, Sha256};

use super::compress::KeptPart;
use crate::domain::i18n::Lang;
use crate::domain::ids::ModelVersionId;
use crate::templates::TEMPLATES;

/// Immutable documents are fresh for a year in the client's own cache.
pub const IMMUTABLE: &str = "private, max-age=31536000, immutable";

/// A page that carries the visitor's header (name, roles, form tokens) is checked again
/// on every view, which the ETag answers with a 304 without rendering it.
pub const REVALIDATE: &str = "private, no-cache";

/// What this build renders with: its version and every template and message catalog.
/// Part of every ETag, so a new release never answers 304 for what an old one rendered.
pub fn build_tag() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let mut hash = Sha256::new();
        hash.update(env!("CARGO_PKG_VERSION"));
        for (name, text) in TEMPLATES {
            hash.update(name.as_bytes());
            hash.update([0]);
            hash.update(text.as_bytes());
            hash.update([0]);
        }
        hex::encode(&hash.finalize()[..6])
    })
}

/// A weak ETag made of `parts` and the build: weak because the same document is sent
/// compressed or not.
pub fn etag(parts: &[&str]) -> EntityTag {
    let mut hash = Sha256::new();
    hash.update(build_tag());
    for part in parts {
        hash.update([0]);
        hash.update(part.as_bytes());
    }
    EntityTag::new_weak(hex::encode(&hash.finalize()[..12]))
}

/// Whether the request's `If-None-Match` already names `tag`.
pub fn not_modified(req: &HttpRequest, tag: &EntityTag) -> bool {
    match req.get_header::<header::IfNoneMatch>() {
        Some(header::IfNoneMatch::Any) => true,
        Some(header::IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(tag)),
        None => false,
    }
}

/// The 304 for a request whose copy is current.
pub fn not_modified_response(tag: EntityTag, cache_control: &'static str) -> HttpResponse {
    HttpResponse::NotModified()
        .insert_header(header::ETag(tag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .finish()
}

/// One document in every encoding it is sent in, each made once.
pub struct Compressed {
    pub identity: Bytes,
    pub gzip: Bytes,
    pub br: Bytes,
}

impl Compressed {
    pub fn new(body: Vec<u8>) -> std::io::Result<Compressed> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&body)?;
        let gzip = gz.finish()?;
        let mut br = Vec::new();
        {
            // Quality 11 (the best), window 2^22: slow, but done once per document.
            let mut w = brotli::CompressorWriter::new(&mut br, 4096, 11, 22);
            w.write_all(&body)?;
        }
        Ok(Compressed {
            identity: Bytes::from(body),
            gzip: Bytes::from(gzip),
            br: Bytes::from(br),
        })
    }

    /// A 200 with the encoding the client prefers among brotli, gzip and none (the
    /// compression middleware leaves a body that has its `Content-Encoding` alone).
    pub fn respond(
        &self,
        req: &HttpRequest,
        content_type: &str,
        tag: EntityTag,
        cache_control: &'static str,
    ) -> HttpResponse {
        let choice = req
            .get_header::<header::AcceptEncoding>()
            .and_then(|accept| {
                accept
                    .negotiate([Encoding::brotli(), Encoding::gzip(), Encoding::identity()].iter())
            })
            .unwrap_or(Encoding::identity());
        let (encoding, body) = if choice == Encoding::brotli() {
            (ContentEncoding::Brotli, self.br.clone())
        } else if choice == Encoding::gzip() {
            (ContentEncoding::Gzip, self.gzip.clone())
        } else {
            (ContentEncoding::Identity, self.identity.clone())
        };
        let mut res: HttpResponseBuilder = HttpResponse::Ok();
        res.content_type(content_type)
            .insert_header(header::ETag(tag))
            .insert_header((header::CACHE_CONTROL, cache_control))
            .insert_header((header::VARY, "Accept-Encoding"));
        if encoding != ContentEncoding::Identity {
            res.insert_header(encoding);
        }
        res.body(body)
    }
}

/// Values made once per key and kept for the life of the process. Only for keys whose
/// value can never change (a model version and a language), and whose number is small
/// (versions are added by the secretariat, a few a year).
pub struct Once<K, V> {
    entries: RwLock<HashMap<K, Arc<V>>>,
}

impl<K, V> Default for Once<K, V> {
    fn default() -> Self {
        Once {
            entries: RwLock::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone, V> Once<K, V> {
    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    /// Keeps `value` for `key`, or the value another request kept first (both are the
    /// same document).
    pub fn keep(&self, key: K, value: V) -> Arc<V> {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_insert_with(|| Arc::new(value))
            .clone()
    }

    pub fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a model version's page and API document are rendered into, once.
#[derive(Default)]
pub struct ModelDocs {
    /// A version's page content (below the site's header) and title, per language.
    pub pages: Once<(ModelVersionId, Lang), RenderedPage>,
    /// A version's API document (bilingual JSON), in every encoding.
    pub api: Once<ModelVersionId, Compressed>,
}

pub struct RenderedPage {
    pub title: String,
    /// Compressed once; pages are rendered around it (`render::page_around`).
    pub content: KeptPart,
}

/// Page parts rendered from a shared value (`S`: a built report) and kept while the value
/// is the same one: a value rebuilt on change is a new `Arc`, and its parts are rendered
/// again on first use. One entry per key (a scope and a language), so memory stays that of
/// the latest rendering of each.
pub struct RenderedFrom<K, S> {
    entries: Mutex<HashMap<K, RenderedPart<S>>>,
}

/// A part and the value it was rendered from.
type RenderedPart<S> = (Arc<S>, Arc<KeptPart>);

impl<K, S> Default for RenderedFrom<K, S> {
    fn default() -> Self {
        RenderedFrom {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, S> RenderedFrom<K, S> {
    /// The part rendered from `source` for `key`, rendering it now unless kept.
    pub fn get_or_render<E>(
        &self,
        key: K,
        source: &Arc<S>,
        render: impl FnOnce() -> Result<KeptPart, E>,
    ) -> Result<Arc<KeptPart>, E> {
        if let Some((from, part)) = self
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            if Arc::ptr_eq(from, source) {
                return Ok(part.clone());
            }
        }
        // Rendered outside the lock; two requests may both render, the last one is kept.
        let part = Arc::new(render()?);
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, (source.clone(), part.clone()));
        Ok(part)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn a_part_is_rendered_again_only_when_its_source_is_rebuilt() {
        let parts: RenderedFrom<&str, String> = RenderedFrom::default();
        let renders = std::cell::Cell::new(0);
        let render = |source: &Arc<String>| {
            parts
                .get_or_render::<()>("scope", source, || {
                    renders.set(renders.get() + 1);
                    Ok(KeptPart::new(source.as_bytes().to_vec()))
                })
                .unwrap()
        };
        let built = Arc::new("report 1".to_string());
        assert_eq!(&render(&built).text[..], b"report 1");
        assert_eq!(&render(&built.clone()).text[..], b"report 1");
        assert_eq!(renders.get(), 1, "the same build is rendered once");
        // A rebuilt value is a new `Arc`: rendered again.
        let rebuilt = Arc::new("report 2".to_string());
        assert_eq!(&render(&rebuilt).text[..], b"report 2");
        assert_eq!(renders.get(), 2);
    }

    #[test]
    fn a_document_decompresses_to_itself_in_each_encoding() {
        let text = "能力成熟度模型 capability maturity model ".repeat(200);
        let doc = Compressed::new(text.clone().into_bytes()).unwrap();
        assert!(doc.gzip.len() < text.len() / 10 && doc.br.len() < text.len() / 10);
        let mut gunzipped = String::new();
        flate2::read::GzDecoder::new(&doc.gzip[..])
            .read_to_string(&mut gunzipped)
            .unwrap();
        assert_eq!(gunzipped, text);
        let mut unbrotlied = String::new();
        brotli::Decompressor::new(&doc.br[..], 4096)
            .read_to_string(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, text);
    }

    #[test]
    fn the_client_gets_the_encoding_it_prefers() {
        let doc = Compressed::new(b"{\"a\":1}".repeat(300)).unwrap();
        let tag = etag(&["x"]);
        let encoding_for = |accept: Option<&str>| {
            let mut req = TestRequest::default();
            if let Some(a) = accept {
                req = req.insert_header((header::ACCEPT_ENCODING, a));
            }
            let res = doc.respond(
                &req.to_http_request(),
                "application/json",
                tag.clone(),
                IMMUTABLE,
            );
            assert_eq!(res.headers().get(header::VARY).unwrap(), "Accept-Encoding");
            res.headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap().to_string())
        };
        assert_eq!(encoding_for(None), None);
        assert_eq!(encoding_for(Some("gzip, deflate")).as_deref(), Some("gzip"));
        assert_eq!(
            encoding_for(Some("gzip, deflate, br")).as_deref(),
            Some("br")
        );
        assert_eq!(
            encoding_for(Some("br;q=0.5, gzip")).as_deref(),
            Some("gzip")
        );
        assert_eq!(encoding_for(Some("identity")), None);
    }

    #[test]
    fn if_none_match_is_compared_weakly_and_tags_differ_by_their_parts() {
        let tag = etag(&["version", "zh-CN"]);
        assert_ne!(tag, etag(&["version", "en"]));
        assert_ne!(etag(&["ab", "c"]), etag(&["a", "bc"]));
        let with = |value: &str| {
            TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, value))
                .to_http_request()
        };
        assert!(not_modified(&with(&tag.to_string()), &tag));
        // The same tag made strong by a proxy still matches.
        assert!(not_modified(&with(&format!("\"{}\"", tag.tag())), &tag));
        assert!(not_modified(&with(&format!("W/\"other\", {tag}")), &tag));
        assert!(not_modified(&with("*"), &tag));
        assert!(!not_modified(&with("W/\"other\""), &tag));
        assert!(!not_modified(
            &TestRequest::default().to_http_request(),
            &tag
        ));
    }
}
