//! What makes a certificate PDF an archival document that carries its credential
//! (PDF/A-3b, ISO 19005-3, as e-invoices such as Factur-X/ZUGFeRD do it):
//!
//! - the credential and the signed payload as embedded files (`/EmbeddedFiles` in the name
//!   tree, sorted by name) that are also associated files of the document (`/AF` in the
//!   catalog) with `/AFRelationship /Data`: the data the page shows;
//! - XMP metadata with the PDF/A identification (part 3, conformance B), the same title,
//!   author, subject, keywords and dates as the information dictionary, and properties of
//!   its own (a PDF/A extension schema) naming the first attached file (the document: the
//!   credential), its type, every attached file and the certificate number;
//! - an sRGB output intent (the page is drawn in DeviceRGB), from `fixtures/icc/sRGB.icc`.
//!
//! Everything here derives from its inputs, so the document stays deterministic.

use std::sync::OnceLock;

use flate2::{Compress, Compression};
use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};

use super::PdfError;

/// A file the certificate PDF carries as an associated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// File name inside the PDF, e.g. `certificate.json`.
    pub file_name: String,
    /// MIME type, e.g. `application/json`.
    pub mime: String,
    /// One line saying what it is (`/Desc` of the file specification).
    pub description: String,
    pub bytes: Vec<u8>,
}

/// What the information dictionary and the XMP metadata both say about the document.
pub(super) struct Described<'a> {
    pub title: &'a str,
    pub author: &'a str,
    pub subject: &'a str,
    pub keywords: &'a str,
    pub creator: &'a str,
    pub producer: &'a str,
    /// The issue date, midnight UTC: creation, modification and metadata date.
    pub date: chrono::NaiveDate,
    pub certificate_number: &'a str,
}

/// The namespace of certcase's own XMP properties (described in the extension schema).
pub const XMP_NAMESPACE: &str = "urn:certcase:pdfa:certificate:1p0#";

/// The sRGB profile, deflated once per process: every certificate embeds the same bytes.
fn srgb_profile() -> &'static [u8] {
    static PROFILE: OnceLock<Vec<u8>> = OnceLock::new();
    PROFILE.get_or_init(|| {
        let icc = include_bytes!("../../fixtures/icc/sRGB.icc");
        let mut deflate = Compress::new(Compression::best(), true);
        super::deflate_all(&mut deflate, icc).expect("deflating in memory does not fail")
    })
}

/// Adds the attachments (the first is the document the XMP names), the XMP metadata and
/// the output intent to `pdf`, and rewrites its information dictionary to say what the XMP
/// says.
pub(super) fn finish(
    pdf: &mut lopdf::Document,
    d: &Described,
    attachments: &[Attachment],
) -> Result<(), PdfError> {
    let Some(document) = attachments.first() else {
        return Err(PdfError::Write(
            "a certificate carries at least one file".into(),
        ));
    };
    let pdf_date = d.date.format("D:%Y%m%d000000+00'00'").to_string();
    let xmp_date = d.date.format("%Y-%m-%dT00:00:00+00:00").to_string();

    let mut info = Dictionary::new();
    info.set("Title", text(d.title));
    info.set("Author", text(d.author));
    info.set("Subject", text(d.subject));
    info.set("Keywords", text(d.keywords));
    info.set("Creator", text(d.creator));
    info.set("Producer", text(d.producer));
    info.set(
        "CreationDate",
        Object::String(pdf_date.clone().into_bytes(), StringFormat::Literal),
    );
    info.set(
        "ModDate",
        Object::String(pdf_date.clone().into_bytes(), StringFormat::Literal),
    );
    info.set("Trapped", Object::Name(b"False".to_vec()));
    // In place of printpdf's dictionary, so that no orphaned copy stays in the file.
    match pdf.trailer.get(b"Info").and_then(Object::as_reference) {
        Ok(id) => {
            pdf.objects.insert(id, Object::Dictionary(info));
        }
        Err(_) => {
            let id = pdf.add_object(info);
            pdf.trailer.set("Info", id);
        }
    }

    let mut specs: Vec<(&str, ObjectId)> = Vec::with_capacity(attachments.len());
    for attachment in attachments {
        let mut params = Dictionary::new();
        params.set("Size", attachment.bytes.len() as i64);
        params.set(
            "ModDate",
            Object::String(pdf_date.clone().into_bytes(), StringFormat::Literal),
        );
        let mut file_dict = Dictionary::new();
        file_dict.set("Type", Object::Name(b"EmbeddedFile".to_vec()));
        file_dict.set("Subtype", Object::Name(attachment.mime.as_bytes().to_vec()));
        file_dict.set("Params", params);
        let file_id = pdf.add_object(Stream::new(file_dict, attachment.bytes.clone()));

        let mut ef = Dictionary::new();
        ef.set("F", file_id);
        ef.set("UF", file_id);
        let mut spec = Dictionary::new();
        spec.set("Type", Object::Name(b"Filespec".to_vec()));
        spec.set("F", text(&attachment.file_name));
        spec.set("UF", text(&attachment.file_name));
        spec.set("Desc", text(&attachment.description));
        spec.set("AFRelationship", Object::Name(b"Data".to_vec()));
        spec.set("EF", ef);
        specs.push((attachment.file_name.as_str(), pdf.add_object(spec)));
    }
    let associated: Vec<Object> = specs.iter().map(|(_, id)| Object::Reference(*id)).collect();
    // A name tree's keys are sorted (ISO 32000-1, 7.9.6).
    specs.sort_by(|a, b| a.0.cmp(b.0));
    let mut embedded = Dictionary::new();
    embedded.set(
        "Names",
        Object::Array(
            specs
                .iter()
                .flat_map(|(name, id)| [text(name), Object::Reference(*id)])
                .collect(),
        ),
    );
    let mut names = Dictionary::new();
    names.set("EmbeddedFiles", embedded);

    // XMP must stay readable without decoding (and PDF/A readers expect it unfiltered).
    let mut xmp = Stream::new(
        Dictionary::from_iter([
            ("Type", Object::Name(b"Metadata".to_vec())),
            ("Subtype", Object::Name(b"XML".to_vec())),
        ]),
        xmp_packet(d, &xmp_date, document, attachments).into_bytes(),
    );
    xmp.allows_compression = false;
    let xmp_id = pdf.add_object(xmp);

    let mut icc = Stream::new(
        Dictionary::from_iter([
            ("N", Object::Integer(3)),
            ("Filter", Object::Name(b"FlateDecode".to_vec())),
        ]),
        srgb_profile().to_vec(),
    );
    icc.allows_compression = false;
    let icc_id = pdf.add_object(icc);
    let intent = Dictionary::from_iter([
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFA1".to_vec())),
        ("OutputConditionIdentifier", text("sRGB IEC61966-2.1")),
        ("Info", text("sRGB IEC61966-2.1")),
        ("DestOutputProfile", Object::Reference(icc_id)),
    ]);

    let catalog = pdf
        .catalog_mut()
        .map_err(|e| PdfError::Write(e.to_string()))?;
    catalog.set("Names", names);
    catalog.set("AF", Object::Array(associated));
    catalog.set("Metadata", xmp_id);
    catalog.set(
        "OutputIntents",
        Object::Array(vec![Object::Dictionary(intent)]),
    );
    catalog.set("Lang", text("zh-CN"));
    // A viewer opens the attachments panel beside the page.
    catalog.set("PageMode", Object::Name(b"UseAttachments".to_vec()));
    Ok(())
}

/// A PDF text string: literal when plain ASCII, else UTF-16BE with its byte-order mark.
fn text(s: &str) -> Object {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        bytes.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The XMP packet: PDF/A identification, Dublin Core and PDF properties matching the
/// information dictionary, and certcase's description of the attached files: the document
/// (`a`, the first) by name and type, and all of them by name.
fn xmp_packet(d: &Described, date: &str, a: &Attachment, all: &[Attachment]) -> String {
    let property = |name: &str, description: &str| {
        format!(
            "<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>{name}</pdfaProperty:name>\
             <pdfaProperty:valueType>Text</pdfaProperty:valueType>\
             <pdfaProperty:category>external</pdfaProperty:category>\
             <pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>"
        )
    };
    format!(
        "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\
<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
<dc:format>application/pdf</dc:format>\
<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">{title}</rdf:li></rdf:Alt></dc:title>\
<dc:creator><rdf:Seq><rdf:li>{author}</rdf:li></rdf:Seq></dc:creator>\
<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{subject}</rdf:li></rdf:Alt></dc:description>\
</rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\
<xmp:CreatorTool>{creator}</xmp:CreatorTool><xmp:CreateDate>{date}</xmp:CreateDate>\
<xmp:ModifyDate>{date}</xmp:ModifyDate><xmp:MetadataDate>{date}</xmp:MetadataDate>\
</rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\
<pdf:Producer>{producer}</pdf:Producer><pdf:Keywords>{keywords}</pdf:Keywords>\
</rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:cc=\"{ns}\">\
<cc:DocumentFileName>{file}</cc:DocumentFileName><cc:DocumentType>{mime}</cc:DocumentType>\
<cc:AttachedFiles>{files}</cc:AttachedFiles>\
<cc:CertificateNumber>{number}</cc:CertificateNumber></rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\" \
xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\" \
xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">\
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">\
<pdfaSchema:schema>certcase certificate credential</pdfaSchema:schema>\
<pdfaSchema:namespaceURI>{ns}</pdfaSchema:namespaceURI><pdfaSchema:prefix>cc</pdfaSchema:prefix>\
<pdfaSchema:property><rdf:Seq>{p1}{p2}{p4}{p3}</rdf:Seq></pdfaSchema:property>\
</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>\n\
</rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>",
        title = xml(d.title),
        author = xml(d.author),
        subject = xml(d.subject),
        creator = xml(d.creator),
        producer = xml(d.producer),
        keywords = xml(d.keywords),
        ns = XMP_NAMESPACE,
        file = xml(&a.file_name),
        mime = xml(&a.mime),
        files = xml(
            &all.iter()
                .map(|f| f.file_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        number = xml(d.certificate_number),
        p1 = property(
            "DocumentFileName",
            "Name of the embedded file holding the signed W3C Verifiable Credential"
        ),
        p2 = property("DocumentType", "MIME type of the embedded credential"),
        p3 = property("CertificateNumber", "The certificate's number"),
        p4 = property(
            "AttachedFiles",
            "Names of every embedded file: the credential and the signed payload"
        ),
    )
}

/// The associated files of a PDF as (file name, bytes), in the order of the catalog's
/// `/AF`, then any other embedded file of the name tree. Empty for a file that does not
/// parse. Only the file's own objects are read: nothing is fetched or run.
pub fn attachments(pdf: &[u8]) -> Vec<(String, Vec<u8>)> {
    // Readers look for the trailer near the end: padding after it (a file sent with
    // trailing blanks) would hide it.
    let Ok(doc) = lopdf::Document::load_mem(pdf.trim_ascii_end()) else {
        return Vec::new();
    };
    let Ok(catalog) = doc.catalog() else {
        return Vec::new();
    };
    let mut specs: Vec<ObjectId> = Vec::new();
    if let Ok(af) = catalog.get(b"AF").and_then(|o| resolve(&doc, o).as_array()) {
        specs.extend(af.iter().filter_map(|o| o.as_reference().ok()));
    }
    let tree = catalog
        .get(b"Names")
        .ok()
        .and_then(|n| resolve(&doc, n).as_dict().ok())
        .and_then(|n| n.get(b"EmbeddedFiles").ok())
        .and_then(|e| resolve(&doc, e).as_dict().ok())
        .and_then(|e| e.get(b"Names").ok())
        .and_then(|n| resolve(&doc, n).as_array().ok());
    if let Some(names) = tree {
        for id in names.iter().filter_map(|o| o.as_reference().ok()) {
            if !specs.contains(&id) {
                specs.push(id);
            }
        }
    }
    specs
        .into_iter()
        .filter_map(|id| {
            let spec = doc.get_dictionary(id).ok()?;
            let name = spec
                .get(b"UF")
                .or_else(|_| spec.get(b"F"))
                .ok()
                .and_then(|n| resolve(&doc, n).as_str().ok())
                .map(decode_text)
                .unwrap_or_default();
            let ef = resolve(&doc, spec.get(b"EF").ok()?).as_dict().ok()?;
            let stream_id = ef
                .get(b"F")
                .or_else(|_| ef.get(b"UF"))
                .ok()?
                .as_reference()
                .ok()?;
            let stream = doc.get_object(stream_id).ok()?.as_stream().ok()?;
            let bytes = if stream.dict.get(b"Filter").is_ok() {
                stream.decompressed_content().ok()?
            } else {
                stream.content.clone()
            };
            Some((name, bytes))
        })
        .collect()
}

fn resolve<'a>(doc: &'a lopdf::Document, object: &'a Object) -> &'a Object {
    match object {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(object),
        other => other,
    }
}

/// A PDF text string read back: UTF-16BE after a byte-order mark, else bytes as Latin-1.
fn decode_text(bytes: &[u8]) -> String {
    match bytes {
        [0xFE, 0xFF, rest @ ..] => {
            let units: Vec<u16> = rest
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        _ => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings_are_ascii_literals_or_utf16_with_a_byte_order_mark() {
        assert_eq!(
            text("certificate.json"),
            Object::String(b"certificate.json".to_vec(), StringFormat::Literal)
        );
        let Object::String(bytes, StringFormat::Hexadecimal) = text("证书") else {
            panic!("not UTF-16");
        };
        assert_eq!(bytes, [0xFE, 0xFF, 0x8B, 0xC1, 0x4E, 0x66]);
        assert_eq!(decode_text(&bytes), "证书");
        assert_eq!(decode_text(b"plain"), "plain");
    }

    #[test]
    fn the_xmp_packet_escapes_what_it_is_given() {
        let d = Described {
            title: "A <b> & \"c\"",
            author: "certcase",
            subject: "s",
            keywords: "k",
            creator: "certcase",
            producer: "certcase",
            date: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("a date"),
            certificate_number: "2026-CD-000123",
        };
        let a = Attachment {
            file_name: "certificate.json".into(),
            mime: "application/json".into(),
            description: "d".into(),
            bytes: Vec::new(),
        };
        let x = xmp_packet(
            &d,
            "2026-03-02T00:00:00+00:00",
            &a,
            std::slice::from_ref(&a),
        );
        assert!(x.contains("A &lt;b&gt; &amp; &quot;c&quot;"), "{x}");
        assert!(
            x.contains("<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>")
        );
        assert!(x.contains("<cc:DocumentFileName>certificate.json</cc:DocumentFileName>"));
        assert!(x.ends_with("<?xpacket end=\"w\"?>"));
    }
}
