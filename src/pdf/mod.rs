//! Certificate PDFs: one A4 landscape page, Chinese above English, with a QR code of the
//! public verification URL, a radar chart of the part's domain levels and the signed
//! payload embedded for offline verification.
//!
//! Fonts: the CJK font (a GBK subset of Noto Sans CJK SC) is used wherever it has every
//! glyph of a string; otherwise the Latin fallback (DejaVu Sans) if it has them all;
//! otherwise the string is split into runs, each character taking the CJK font when it can.
//! A character in neither font refuses the whole certificate before anything is drawn, so a
//! name is never printed with a blank. Only the glyphs used are embedded (printpdf subsets
//! them), which keeps a certificate at tens of kilobytes.
//!
//! Deterministic: the same certificate renders to the same bytes. The dates are the issue
//! date, the document id and the font subset tags derive from the certificate number, and
//! nothing reads the clock or a random source.
//!
//! Embedded credential: the PDF carries its attachments (the signed W3C Verifiable
//! Credential, `credential.json`, and the `SignedCertificate` JSON, `certificate.json`) as
//! PDF/A-3 associated files with XMP metadata naming them, an sRGB output intent and
//! matching document information ([`archive`]). Verification reads them back with
//! [`extract_signed_payload`] and [`extract_credential`] and, because the rendering is
//! deterministic, also compares the whole file's SHA-256 with the one the issuance log
//! recorded at issue. Certificates rendered before carried the base64 payload under the
//! information-dictionary key `/CertcasePayload`; that is still read.

// The PDF/A-3 associated file, XMP metadata and output intent of a certificate.
pub mod archive;
// Self-assessment: the roadmap report.
pub mod report;

pub use archive::Attachment;

use std::path::Path;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use flate2::{Compress, Compression, FlushCompress, Status};
use lopdf::{Object, StringFormat};
use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFont,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem,
    WindingOrder,
};
use qrcode::{EcLevel, QrCode};
use sha2::{Digest, Sha256};

use crate::domain::certificate::SignedCertificate;
use crate::domain::radar;

/// The information-dictionary key that held the base64 signed payload in certificates
/// rendered before it became an associated file (still read, no longer written).
pub const PAYLOAD_KEY: &str = "CertcasePayload";

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PdfError {
    #[error("no font has a glyph for {ch:?} (U+{:04X}) in \"{text}\"", *ch as u32)]
    MissingGlyph { ch: char, text: String },
    #[error("\"{text}\" does not fit on the certificate even in small type")]
    TextTooLong { text: String },
    #[error("font {name}: {reason}")]
    Font { name: String, reason: String },
    #[error("the verification URL cannot be put in a QR code: {0}")]
    QrCode(String),
    #[error("writing the PDF failed: {0}")]
    Write(String),
}

/// What a certificate shows besides the signed payload: names that are looked up at
/// issuance (programme, model, issuer) and the signing key's fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateView {
    pub signed: SignedCertificate,
    pub programme_title_zh: String,
    pub programme_title_en: String,
    pub model_name_zh: String,
    pub model_name_en: String,
    pub issuer_name_zh: String,
    pub issuer_name_en: String,
    /// From `certificate::key_fingerprint` of the signing key.
    pub key_fingerprint: String,
}

/// One axis of the radar chart: domain name in both languages, achieved and maximum level.
pub type RadarAxis<'a> = (&'a str, &'a str, f32, f32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weight {
    Regular,
    Bold,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Face {
    CjkRegular,
    CjkBold,
    LatinRegular,
    LatinBold,
    /// The CJK faces cut down once per process to [`COMMON_TEXT`] (see there).
    CommonRegular,
    CommonBold,
}

/// How many faces there are.
const FACES: usize = 6;

impl Face {
    const ALL: [Face; FACES] = [
        Face::CjkRegular,
        Face::CjkBold,
        Face::LatinRegular,
        Face::LatinBold,
        Face::CommonRegular,
        Face::CommonBold,
    ];

    fn role(self) -> &'static str {
        match self {
            Face::CjkRegular => "cjkr",
            Face::CjkBold => "cjkb",
            Face::LatinRegular => "latr",
            Face::LatinBold => "latb",
            Face::CommonRegular => "comr",
            Face::CommonBold => "comb",
        }
    }
}

/// The characters nearly every document sets: printable ASCII (numbers, dates, codes,
/// English text, URLs) and the Chinese of the certificate's fixed labels. printpdf's
/// subsetting (allsorts) costs the number of glyphs kept times the glyphs of the face
/// (it scans the face's whole cmap and CID charset per kept glyph), so these are drawn
/// from small faces holding only them, cut once per process from the CJK faces (the same
/// outlines and advances), and only the rest of the text (names, scopes) from the full
/// GBK faces. This took the certificate benchmark from about 6.5 ms to under 5 ms.
const COMMON_TEXT: &str = "兹证明统一社会信用代码依据《》（）第部分“”评估，达到级·范围：证书编号颁发日期\
                           有效期至批次机构电子签名密钥指纹扫码或访问以下网址验本认研运营体化能力成熟度模型";

/// The faces, parsed once at start-up and shared by every rendering.
pub struct Fonts {
    faces: [ParsedFont; FACES],
}

/// The fonts every PDF (certificates, roadmap reports) uses, parsed once per process:
/// `CERTCASE_FONTS_DIR`, else the repository's `fixtures/fonts`.
pub fn shared_fonts() -> Result<&'static Fonts, String> {
    static FONTS: std::sync::OnceLock<Result<Fonts, String>> = std::sync::OnceLock::new();
    FONTS
        .get_or_init(|| {
            let dir = std::env::var_os("CERTCASE_FONTS_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fonts"));
            Fonts::load_dir(&dir).map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Fonts {
    pub const CJK_REGULAR: &'static str = "NotoSansCJKsc-Regular-gbk.otf";
    pub const CJK_BOLD: &'static str = "NotoSansCJKsc-Bold-gbk.otf";
    pub const LATIN_REGULAR: &'static str = "DejaVuSans.ttf";
    pub const LATIN_BOLD: &'static str = "DejaVuSans-Bold.ttf";

    /// Loads the four files named above from `dir` (the repository's `fixtures/fonts`).
    pub fn load_dir(dir: &Path) -> Result<Fonts, PdfError> {
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| PdfError::Font {
                name: dir.join(name).display().to_string(),
                reason: e.to_string(),
            })
        };
        Fonts::from_bytes(
            &read(Self::CJK_REGULAR)?,
            &read(Self::CJK_BOLD)?,
            &read(Self::LATIN_REGULAR)?,
            &read(Self::LATIN_BOLD)?,
        )
    }

    pub fn from_bytes(
        cjk_regular: &[u8],
        cjk_bold: &[u8],
        latin_regular: &[u8],
        latin_bold: &[u8],
    ) -> Result<Fonts, PdfError> {
        let parse = |bytes: &[u8], name: &str| {
            ParsedFont::from_bytes(bytes, 0, &mut Vec::new()).ok_or_else(|| PdfError::Font {
                name: name.to_string(),
                reason: "not a font printpdf can read".into(),
            })
        };
        let (regular, bold) = (
            parse(cjk_regular, Self::CJK_REGULAR)?,
            parse(cjk_bold, Self::CJK_BOLD)?,
        );
        let (common_regular, common_bold) = (
            common_face(&regular, Self::CJK_REGULAR)?,
            common_face(&bold, Self::CJK_BOLD)?,
        );
        Ok(Fonts {
            faces: [
                regular,
                bold,
                parse(latin_regular, Self::LATIN_REGULAR)?,
                parse(latin_bold, Self::LATIN_BOLD)?,
                common_regular,
                common_bold,
            ],
        })
    }

    fn face(&self, face: Face) -> &ParsedFont {
        &self.faces[face as usize]
    }

    /// The small common face standing in for `face`'s glyph of `ch`, if it has one.
    fn common(&self, face: Face, ch: char) -> Option<(Face, u16)> {
        let common = match face {
            Face::CjkRegular => Face::CommonRegular,
            Face::CjkBold => Face::CommonBold,
            _ => return None,
        };
        self.glyph(common, ch).map(|g| (common, g))
    }

    /// Control characters count as missing: a font may map them to an empty glyph, which
    /// would print a name with an invisible gap.
    fn glyph(&self, face: Face, ch: char) -> Option<u16> {
        if ch.is_control() {
            return None;
        }
        self.face(face)
            .lookup_glyph_index(ch as u32)
            .filter(|&g| g != 0)
    }

    /// Advance of glyph `glyph` at a size of 1 pt.
    fn advance(&self, face: Face, glyph: u16) -> f32 {
        let font = self.face(face);
        let upm = f32::from(font.pdf_font_metrics.units_per_em.max(1));
        f32::from(font.get_horizontal_advance(glyph)) / upm
    }

    /// Splits `text` into runs of one face each, or names the first character no face has.
    /// Each character is looked up once per face: this runs for every string several times
    /// per certificate (glyph check, fitting, drawing).
    fn runs(&self, text: &str, weight: Weight) -> Result<Vec<Run>, PdfError> {
        let (cjk, latin) = match weight {
            Weight::Regular => (Face::CjkRegular, Face::LatinRegular),
            Weight::Bold => (Face::CjkBold, Face::LatinBold),
        };
        let in_cjk: Vec<Option<u16>> = text.chars().map(|c| self.glyph(cjk, c)).collect();
        let in_latin: Vec<Option<u16>> = if in_cjk.iter().all(Option::is_some) {
            Vec::new()
        } else {
            text.chars().map(|c| self.glyph(latin, c)).collect()
        };
        let whole = if in_latin.is_empty() {
            Some(cjk)
        } else if in_latin.iter().all(Option::is_some) {
            Some(latin)
        } else {
            None
        };
        let pick = |i: usize| match whole {
            Some(face) if face == cjk => in_cjk[i].map(|g| (cjk, g)),
            Some(_) => in_latin[i].map(|g| (latin, g)),
            None => in_cjk[i]
                .map(|g| (cjk, g))
                .or_else(|| in_latin[i].map(|g| (latin, g))),
        };
        let mut runs: Vec<Run> = Vec::new();
        for (i, ch) in text.chars().enumerate() {
            let picked =
                pick(i).map(|(face, glyph)| self.common(face, ch).unwrap_or((face, glyph)));
            let Some((face, glyph)) = picked else {
                return Err(PdfError::MissingGlyph {
                    ch,
                    text: text.to_string(),
                });
            };
            let advance = self.advance(face, glyph);
            match runs.last_mut() {
                Some(run) if run.face == face => {
                    run.text.push(ch);
                    run.width += advance;
                }
                _ => runs.push(Run {
                    face,
                    text: ch.to_string(),
                    width: advance,
                }),
            }
        }
        Ok(runs)
    }

    fn width(&self, text: &str, weight: Weight) -> Result<f32, PdfError> {
        Ok(self.runs(text, weight)?.iter().map(|r| r.width).sum())
    }
}

/// `full` cut down to the glyphs of [`COMMON_TEXT`], as a face of its own.
fn common_face(full: &ParsedFont, name: &str) -> Result<ParsedFont, PdfError> {
    let failed = |reason: String| PdfError::Font {
        name: name.to_string(),
        reason,
    };
    let glyphs: std::collections::BTreeMap<u16, String> = (' '..='~')
        .chain(COMMON_TEXT.chars())
        .filter_map(|ch| {
            let glyph = full.lookup_glyph_index(ch as u32).filter(|&g| g != 0)?;
            Some((glyph, ch.to_string()))
        })
        .collect();
    let subset = printpdf::subset_font(full, &glyphs).map_err(failed)?;
    ParsedFont::from_bytes(&subset.bytes, 0, &mut Vec::new())
        .ok_or_else(|| failed("its common subset does not parse".into()))
}

/// Text in one face; `width` at a size of 1 pt.
#[derive(Debug, Clone)]
struct Run {
    face: Face,
    text: String,
    width: f32,
}

/// Refuses a certificate with a character that no font can show. Run it before issuing, so
/// that a certificate is never signed that cannot be printed.
pub fn check_glyphs(
    cert: &CertificateView,
    fonts: &Fonts,
    verify_url: &str,
    radar: &[RadarAxis],
) -> Result<(), PdfError> {
    let p = &cert.signed.payload;
    let plain: [&str; 19] = [
        &cert.programme_title_en,
        &cert.model_name_zh,
        &cert.model_name_en,
        &cert.issuer_name_zh,
        &cert.issuer_name_en,
        &cert.key_fingerprint,
        &cert.signed.key_id,
        &p.enterprise_name_en,
        &p.credit_code,
        &p.model_code,
        &p.model_version,
        &p.part_code,
        &p.part_name_zh,
        &p.part_name_en,
        &p.round_name_zh,
        &p.round_name_en,
        &p.scope_zh,
        p.english_scope().unwrap_or_default(),
        &p.certificate_number,
    ];
    let bold = [
        &cert.programme_title_zh,
        &p.enterprise_name_zh,
        &p.level_name_zh,
        &p.level_name_en,
    ];
    for text in plain {
        fonts.runs(text, Weight::Regular)?;
    }
    for text in bold {
        fonts.runs(text, Weight::Bold)?;
    }
    fonts.runs(verify_url, Weight::Regular)?;
    for (zh, en, _, _) in radar {
        fonts.runs(zh, Weight::Regular)?;
        fonts.runs(en, Weight::Regular)?;
    }
    Ok(())
}

const PAGE_W: f32 = 297.0;
const PAGE_H: f32 = 210.0;
const CENTRE: f32 = PAGE_W / 2.0;

const NAVY: (f32, f32, f32) = (0.08, 0.20, 0.40);
const GOLD: (f32, f32, f32) = (0.72, 0.56, 0.24);
const INK: (f32, f32, f32) = (0.13, 0.13, 0.16);
const GREY: (f32, f32, f32) = (0.42, 0.43, 0.47);
const RULE: (f32, f32, f32) = (0.78, 0.80, 0.84);
const FILL: (f32, f32, f32) = (0.80, 0.86, 0.95);
const BLACK: (f32, f32, f32) = (0.0, 0.0, 0.0);

fn pt(mm: f32) -> Pt {
    Mm(mm).into()
}

fn colour((r, g, b): (f32, f32, f32)) -> Color {
    Color::Rgb(Rgb::new(r, g, b, None))
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point { x: pt(x), y: pt(y) },
        bezier: false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Centre,
    Right,
}

/// Text style: weight, size in pt, colour.
#[derive(Debug, Clone, Copy)]
struct Style {
    weight: Weight,
    size: f32,
    colour: (f32, f32, f32),
}

const fn style(weight: Weight, size: f32, colour: (f32, f32, f32)) -> Style {
    Style {
        weight,
        size,
        colour,
    }
}

/// How a text may give way when it is too wide: shrink to `min_size` pt on one line,
/// then wrap onto up to `max_lines` lines `leading` mm apart; widths in mm.
#[derive(Debug, Clone, Copy)]
struct Fit {
    min_size: f32,
    max_width: f32,
    max_lines: usize,
    leading: f32,
}

impl Fit {
    const fn line(min_size: f32, max_width: f32) -> Fit {
        Fit::lines(min_size, max_width, 1, 0.0)
    }

    const fn lines(min_size: f32, max_width: f32, max_lines: usize, leading: f32) -> Fit {
        Fit {
            min_size,
            max_width,
            max_lines,
            leading,
        }
    }
}

/// The page being drawn, in millimetres from the bottom-left corner.
struct Canvas<'f> {
    fonts: &'f Fonts,
    font_ids: [FontId; FACES],
    /// Only the faces drawn with are handed to printpdf: each is a clone of a parsed font.
    used: [bool; FACES],
    ops: Vec<Op>,
}

impl Canvas<'_> {
    /// Draws one line of text anchored at `x` on baseline `y`.
    fn text(&mut self, text: &str, s: Style, x: f32, y: f32, align: Align) -> Result<(), PdfError> {
        let runs = self.fonts.runs(text, s.weight)?;
        let width_mm = runs.iter().map(|r| r.width).sum::<f32>() * s.size * 25.4 / 72.0;
        let mut cursor = match align {
            Align::Left => x,
            Align::Centre => x - width_mm / 2.0,
            Align::Right => x - width_mm,
        };
        self.ops.push(Op::SetFillColor {
            col: colour(s.colour),
        });
        for run in runs {
            self.used[run.face as usize] = true;
            self.ops.extend([
                Op::StartTextSection,
                Op::SetFont {
                    font: PdfFontHandle::External(self.font_ids[run.face as usize].clone()),
                    size: Pt(s.size),
                },
                Op::SetTextCursor {
                    pos: Point {
                        x: pt(cursor),
                        y: pt(y),
                    },
                },
                Op::ShowText {
                    items: vec![TextItem::Text(run.text)],
                },
                Op::EndTextSection,
            ]);
            cursor += run.width * s.size * 25.4 / 72.0;
        }
        Ok(())
    }

    /// Like `text`, but shrinks the type and then wraps as `fit` allows. Returns the
    /// number of lines drawn.
    fn fitted(
        &mut self,
        text: &str,
        s: Style,
        fit: Fit,
        (x, y): (f32, f32),
        align: Align,
    ) -> Result<usize, PdfError> {
        let Fit {
            min_size,
            max_width,
            max_lines,
            leading,
        } = fit;
        let per_pt = self.fonts.width(text, s.weight)? * 25.4 / 72.0;
        let mut size = s.size;
        while size > min_size && per_pt * size > max_width {
            size -= 0.25;
        }
        if per_pt * size <= max_width {
            self.text(text, Style { size, ..s }, x, y, align)?;
            return Ok(1);
        }
        let mut size = s.size;
        loop {
            let lines = self.wrap(text, s.weight, max_width * 72.0 / 25.4 / size)?;
            if lines.len() <= max_lines {
                let step = leading * size / s.size;
                for (i, line) in lines.iter().enumerate() {
                    self.text(line, Style { size, ..s }, x, y - step * i as f32, align)?;
                }
                return Ok(lines.len());
            }
            if size <= min_size {
                return Err(PdfError::TextTooLong {
                    text: text.to_string(),
                });
            }
            size = (size - 0.25).max(min_size);
        }
    }

    /// Greedy line breaking at spaces and around CJK characters; `max` is the line width
    /// at 1 pt.
    fn wrap(&self, text: &str, weight: Weight, max: f32) -> Result<Vec<String>, PdfError> {
        let mut pieces: Vec<String> = Vec::new();
        for ch in text.chars() {
            let wide = |c: char| c as u32 >= 0x2E80;
            match pieces.last_mut() {
                Some(last)
                    if !wide(ch)
                        && !last.ends_with(' ')
                        && !last.chars().last().is_some_and(wide) =>
                {
                    last.push(ch)
                }
                // Closing punctuation stays with what it closes.
                Some(last) if "，。、；：）」』》".contains(ch) => last.push(ch),
                _ => pieces.push(ch.to_string()),
            }
        }
        let mut lines: Vec<String> = Vec::new();
        let mut current = String::new();
        for piece in pieces {
            let candidate = format!("{current}{piece}");
            if !current.is_empty() && self.fonts.width(candidate.trim_end(), weight)? > max {
                lines.push(current.trim_end().to_string());
                current = piece.trim_start().to_string();
            } else {
                current = candidate;
            }
        }
        if !current.trim().is_empty() {
            lines.push(current.trim_end().to_string());
        }
        Ok(lines)
    }

    fn stroke(&mut self, points: &[(f32, f32)], closed: bool, width: f32, c: (f32, f32, f32)) {
        self.ops.extend([
            Op::SetOutlineColor { col: colour(c) },
            Op::SetOutlineThickness { pt: Pt(width) },
            Op::DrawLine {
                line: Line {
                    points: points.iter().map(|&(x, y)| point(x, y)).collect(),
                    is_closed: closed,
                },
            },
        ]);
    }

    fn fill(&mut self, rings: Vec<Vec<(f32, f32)>>, c: (f32, f32, f32)) {
        self.ops.extend([
            Op::SetFillColor { col: colour(c) },
            Op::DrawPolygon {
                polygon: Polygon {
                    rings: rings
                        .into_iter()
                        .map(|ring| PolygonRing {
                            points: ring.into_iter().map(|(x, y)| point(x, y)).collect(),
                        })
                        .collect(),
                    mode: PaintMode::Fill,
                    winding_order: WindingOrder::NonZero,
                },
            },
        ]);
    }

    fn rect(&mut self, (x, y, w, h): (f32, f32, f32, f32), width: f32, c: (f32, f32, f32)) {
        self.stroke(
            &[(x, y), (x + w, y), (x + w, y + h), (x, y + h)],
            true,
            width,
            c,
        );
    }

    /// The QR code of `url` with its lower-left corner at (`x`, `y`), `size` mm square
    /// (quiet zone not included). Each row's dark runs become rectangles of one filled
    /// path, so that viewers show no seams between modules.
    fn qr(&mut self, url: &str, x: f32, y: f32, size: f32) -> Result<(), PdfError> {
        let code = QrCode::with_error_correction_level(url, EcLevel::M)
            .map_err(|e| PdfError::QrCode(e.to_string()))?;
        let n = code.width();
        let colours = code.to_colors();
        let m = size / n as f32;
        let mut rings = Vec::new();
        for row in 0..n {
            let top = y + size - row as f32 * m;
            let mut col = 0;
            while col < n {
                if colours[row * n + col] == qrcode::Color::Dark {
                    let start = col;
                    while col < n && colours[row * n + col] == qrcode::Color::Dark {
                        col += 1;
                    }
                    let (x0, x1) = (x + start as f32 * m, x + col as f32 * m);
                    rings.push(vec![(x0, top - m), (x1, top - m), (x1, top), (x0, top)]);
                } else {
                    col += 1;
                }
            }
        }
        self.fill(rings, BLACK);
        Ok(())
    }

    /// The certificate's radar: grid rings at each level, one spoke per domain, the
    /// achieved levels as a filled polygon and the domain names outside. Fewer than three
    /// domains make no chart; nothing is drawn.
    fn radar(&mut self, axes: &[RadarAxis], frame: RadarFrame) -> Result<(), PdfError> {
        if axes.len() < 3 {
            return Ok(());
        }
        let max = axes.iter().map(|a| a.3).fold(1.0_f32, f32::max).min(10.0);
        let achieved: Vec<(f32, f32)> = axes
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let share = radar::share(f64::from(a.2), f64::from(a.3.max(f32::EPSILON)));
                frame.at(i, share)
            })
            .collect();
        self.fill(vec![achieved.clone()], FILL);
        self.radar_grid(frame, f64::from(max.round().max(1.0)));
        self.stroke(&achieved, true, 1.0, NAVY);
        for &(x, y) in &achieved {
            let d = 0.6;
            self.fill(
                vec![vec![
                    (x - d, y - d),
                    (x + d, y - d),
                    (x + d, y + d),
                    (x - d, y + d),
                ]],
                NAVY,
            );
        }
        let labels: Vec<(String, &str)> = axes
            .iter()
            .map(|(zh, en, level, _)| (format!("{zh} {level:.0}"), *en))
            .collect();
        let label = RadarLabel {
            zh: style(Weight::Regular, 6.5, INK),
            en: style(Weight::Regular, 5.2, GREY),
            gap: 2.5,
            en_below: 2.1,
        };
        self.radar_labels(frame, &labels, label)
    }

    /// A radar's grid: a ring (a polygon through the axes) at each step of the scale
    /// 0..=`max`, and a spoke per axis.
    fn radar_grid(&mut self, frame: RadarFrame, max: f64) {
        for ring in radar::rings(max) {
            let points: Vec<_> = (0..frame.axes).map(|i| frame.at(i, ring / max)).collect();
            self.stroke(&points, true, 0.35, RULE);
        }
        for i in 0..frame.axes {
            self.stroke(&[(frame.cx, frame.cy), frame.at(i, 1.0)], false, 0.35, RULE);
        }
    }

    /// Axis names outside a radar's rim, Chinese above English.
    fn radar_labels<S: AsRef<str>>(
        &mut self,
        frame: RadarFrame,
        labels: &[(S, &str)],
        l: RadarLabel,
    ) -> Result<(), PdfError> {
        for (i, (zh, en)) in labels.iter().enumerate() {
            let direction = radar::axis_direction(i, frame.axes);
            let align = match radar::label_anchor(direction) {
                radar::Anchor::Start => Align::Left,
                radar::Anchor::Middle => Align::Centre,
                radar::Anchor::End => Align::Right,
            };
            let (x, y) = frame.at(i, 1.0);
            let (dx, dy) = (direction.0 as f32, -direction.1 as f32);
            // Labels below the chart drop a line, clear of the rim.
            let below = if dy < -0.5 { -3.0 } else { 0.0 };
            let (lx, ly) = (x + dx * l.gap, y + dy * l.gap + below);
            self.text(zh.as_ref(), l.zh, lx, ly + 0.3, align)?;
            self.text(en, l.en, lx, ly - l.en_below, align)?;
        }
        Ok(())
    }
}

/// Where a radar sits on the page: centre and radius in mm, and how many axes it has.
#[derive(Debug, Clone, Copy)]
struct RadarFrame {
    cx: f32,
    cy: f32,
    r: f32,
    axes: usize,
}

impl RadarFrame {
    /// The point `share` of the radius out on axis `i` (see [`radar::axis_direction`]; the
    /// page's y grows upwards).
    fn at(&self, i: usize, share: f64) -> (f32, f32) {
        let (dx, dy) = radar::axis_direction(i, self.axes);
        (
            self.cx + self.r * (share * dx) as f32,
            self.cy - self.r * (share * dy) as f32,
        )
    }
}

/// How a radar's axis names are set: styles, distance from the rim and the English
/// line's drop below the Chinese, in mm.
#[derive(Debug, Clone, Copy)]
struct RadarLabel {
    zh: Style,
    en: Style,
    gap: f32,
    en_below: f32,
}

/// Renders the certificate. Every string is checked for glyphs first
/// ([`check_glyphs`]); a failure there produces no PDF.
pub fn render_certificate(
    cert: &CertificateView,
    fonts: &Fonts,
    verify_url: &str,
    radar: &[RadarAxis],
    attachments: &[Attachment],
) -> Result<Vec<u8>, PdfError> {
    check_glyphs(cert, fonts, verify_url, radar)?;
    let p = &cert.signed.payload;
    let number_digest = Sha256::digest(p.certificate_number.as_bytes());
    let font_ids = Face::ALL.map(|face| FontId(subset_tag(&p.certificate_number, face)));
    let mut canvas = Canvas {
        fonts,
        font_ids: font_ids.clone(),
        used: [false; FACES],
        ops: Vec::new(),
    };
    draw(&mut canvas, cert, verify_url, radar)?;

    let title = format!("{} {}", cert.programme_title_en, p.certificate_number);
    let mut doc = PdfDocument::new(&title);
    for ((face, id), used) in Face::ALL.iter().zip(font_ids).zip(canvas.used) {
        if used {
            doc.resources
                .fonts
                .map
                .insert(id, PdfFont::new(fonts.face(*face).clone()));
        }
    }
    let page = PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), canvas.ops);
    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut pdf = doc
        .with_pages(vec![page])
        .to_lopdf_document(&options, &mut warnings);

    pdf.version = "1.7".into();
    let id = Object::String(number_digest[..16].to_vec(), StringFormat::Hexadecimal);
    pdf.trailer.set("ID", Object::Array(vec![id.clone(), id]));
    let keywords = format!("{}, {}", p.certificate_number, p.part_code);
    let subject = format!("{} / {}", p.enterprise_name_en, p.enterprise_name_zh);
    archive::finish(
        &mut pdf,
        &archive::Described {
            title: &title,
            author: &cert.issuer_name_en,
            subject: &subject,
            keywords: &keywords,
            creator: "certcase",
            producer: "certcase (printpdf 0.12, lopdf 0.44)",
            date: p.issue_date,
            certificate_number: &p.certificate_number,
        },
        attachments,
    )?;
    compress_streams(&mut pdf)?;
    let mut bytes = Vec::new();
    pdf.save_to(&mut bytes)
        .map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(bytes)
}

/// Deflates the streams at zlib's fastest level. lopdf's own `compress` uses the best
/// level, which cost about a quarter of the rendering time for 10% smaller files. One
/// compressor serves every stream: setting one up (its window and hash tables) cost as much
/// as compressing a font.
fn compress_streams(pdf: &mut lopdf::Document) -> Result<(), PdfError> {
    let mut deflate = Compress::new(Compression::fast(), true);
    for object in pdf.objects.values_mut() {
        if let Object::Stream(stream) = object {
            if stream.allows_compression && stream.dict.get(b"Filter").is_err() {
                deflate.reset();
                let compressed = deflate_all(&mut deflate, &stream.content)?;
                if compressed.len() < stream.content.len() {
                    stream.dict.set("Filter", "FlateDecode");
                    stream.set_content(compressed);
                }
            }
        }
    }
    Ok(())
}

/// `input` as one zlib stream.
fn deflate_all(deflate: &mut Compress, input: &[u8]) -> Result<Vec<u8>, PdfError> {
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    loop {
        let read = usize::try_from(deflate.total_in()).expect("stream sizes fit in memory");
        let status = deflate
            .compress_vec(&input[read..], &mut out, FlushCompress::Finish)
            .map_err(|e| PdfError::Write(e.to_string()))?;
        if status == Status::StreamEnd {
            return Ok(out);
        }
        // Out of room: compress_vec only writes into spare capacity.
        out.reserve(out.capacity().max(1024));
    }
}

/// Six capital letters naming a font subset (ISO 32000-1, 9.6.4), different per
/// certificate and face but the same on every rendering of one certificate.
fn subset_tag(certificate_number: &str, face: Face) -> String {
    let digest = Sha256::digest(format!("{certificate_number}/{}", face.role()));
    digest[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

fn draw(
    c: &mut Canvas,
    cert: &CertificateView,
    verify_url: &str,
    radar: &[RadarAxis],
) -> Result<(), PdfError> {
    let p = &cert.signed.payload;
    let body_width = 240.0;

    // Frame: a navy rule with a gold one inside.
    c.rect((8.0, 8.0, PAGE_W - 16.0, PAGE_H - 16.0), 2.2, NAVY);
    c.rect((11.0, 11.0, PAGE_W - 22.0, PAGE_H - 22.0), 0.6, GOLD);

    // Programme title.
    c.fitted(
        &cert.programme_title_zh,
        style(Weight::Bold, 24.0, NAVY),
        Fit::line(14.0, body_width),
        (CENTRE, 181.0),
        Align::Centre,
    )?;
    c.fitted(
        &cert.programme_title_en,
        style(Weight::Regular, 12.0, NAVY),
        Fit::line(8.0, body_width),
        (CENTRE, 172.5),
        Align::Centre,
    )?;
    c.stroke(
        &[(CENTRE - 70.0, 167.0), (CENTRE + 70.0, 167.0)],
        false,
        0.6,
        GOLD,
    );

    c.text(
        "兹证明",
        style(Weight::Regular, 11.0, GREY),
        CENTRE,
        157.0,
        Align::Centre,
    )?;
    c.text(
        "This is to certify that",
        style(Weight::Regular, 9.0, GREY),
        CENTRE,
        152.0,
        Align::Centre,
    )?;

    // Enterprise.
    c.fitted(
        &p.enterprise_name_zh,
        style(Weight::Bold, 22.0, INK),
        Fit::line(12.0, body_width),
        (CENTRE, 140.0),
        Align::Centre,
    )?;
    c.fitted(
        &p.enterprise_name_en,
        style(Weight::Regular, 13.0, INK),
        Fit::line(8.0, body_width),
        (CENTRE, 131.5),
        Align::Centre,
    )?;
    c.text(
        &format!(
            "统一社会信用代码 Unified Social Credit Code: {}",
            p.credit_code
        ),
        style(Weight::Regular, 8.5, GREY),
        CENTRE,
        125.0,
        Align::Centre,
    )?;

    // What was assessed.
    c.fitted(
        &format!(
            "依据《{}》（{} {}）第 {} 部分“{}”评估，达到",
            cert.model_name_zh, p.model_code, p.model_version, p.part_code, p.part_name_zh
        ),
        style(Weight::Regular, 11.0, INK),
        Fit::line(8.0, body_width),
        (CENTRE, 115.0),
        Align::Centre,
    )?;
    c.fitted(
        &format!(
            "has been assessed against the {} ({} {}), Part {}: {}, and achieved",
            cert.model_name_en, p.model_code, p.model_version, p.part_code, p.part_name_en
        ),
        style(Weight::Regular, 9.0, INK),
        Fit::line(6.5, body_width),
        (CENTRE, 109.5),
        Align::Centre,
    )?;

    // The level.
    c.fitted(
        &format!("{} 级·{}", p.level, p.level_name_zh),
        style(Weight::Bold, 26.0, NAVY),
        Fit::line(14.0, body_width),
        (CENTRE, 96.0),
        Align::Centre,
    )?;
    c.fitted(
        &format!("Level {}: {}", p.level, p.level_name_en),
        style(Weight::Bold, 13.0, NAVY),
        Fit::line(8.0, body_width),
        (CENTRE, 87.5),
        Align::Centre,
    )?;

    // Scope, up to two lines per language.
    let zh_lines = c.fitted(
        &format!("评估范围：{}", p.scope_zh),
        style(Weight::Regular, 9.5, INK),
        Fit::lines(7.0, body_width, 2, 4.0),
        (CENTRE, 79.0),
        Align::Centre,
    )?;
    // Without an English scope the Chinese one stands alone, not again under "Scope:".
    if let Some(scope_en) = p.english_scope() {
        let en_y = 79.0 - 4.5 - 4.0 * (zh_lines - 1) as f32;
        c.fitted(
            &format!("Scope: {scope_en}"),
            style(Weight::Regular, 8.0, GREY),
            Fit::lines(6.0, body_width, 2, 3.4),
            (CENTRE, en_y),
            Align::Centre,
        )?;
    }

    // Details, bottom left.
    let label = style(Weight::Regular, 7.0, GREY);
    let value = style(Weight::Regular, 9.5, INK);
    let mut rows = vec![("证书编号 Certificate No.", p.certificate_number.clone())];
    // A renewal names the certificate it renews; the rows close up to make room.
    if let Some(renews) = &p.renews {
        rows.push(("换发自 Renews certificate", renews.clone()));
    }
    rows.push((
        "颁发日期 Issued on",
        p.issue_date.format("%Y-%m-%d").to_string(),
    ));
    rows.push((
        "有效期至 Valid until",
        p.valid_until.format("%Y-%m-%d").to_string(),
    ));
    let step = if rows.len() > 3 { 8.5 } else { 10.5 };
    let mut y = 55.0;
    for (name, v) in rows {
        c.text(name, label, 22.0, y, Align::Left)?;
        c.text(&v, value, 22.0, y - 4.3, Align::Left)?;
        y -= step;
    }
    c.text("评估批次 Round", label, 22.0, y, Align::Left)?;
    c.fitted(
        &p.round_name_zh,
        style(Weight::Regular, 8.0, INK),
        Fit::line(6.0, 70.0),
        (22.0, y - 3.8),
        Align::Left,
    )?;
    c.fitted(
        &p.round_name_en,
        style(Weight::Regular, 7.0, GREY),
        Fit::line(5.5, 70.0),
        (22.0, y - 7.0),
        Align::Left,
    )?;

    // Radar, bottom centre.
    c.radar(
        radar,
        RadarFrame {
            cx: 123.0,
            cy: 39.0,
            r: 17.0,
            axes: radar.len(),
        },
    )?;

    // Signature block and QR code, bottom right.
    let sx = 239.0;
    c.text("颁发机构 Issued by", label, sx, 55.0, Align::Right)?;
    c.fitted(
        &cert.issuer_name_zh,
        style(Weight::Regular, 9.0, INK),
        Fit::line(6.5, 60.0),
        (sx, 51.0),
        Align::Right,
    )?;
    c.fitted(
        &cert.issuer_name_en,
        style(Weight::Regular, 7.5, GREY),
        Fit::line(5.5, 60.0),
        (sx, 47.5),
        Align::Right,
    )?;
    c.text(
        "电子签名 Digitally signed (Ed25519)",
        label,
        sx,
        40.0,
        Align::Right,
    )?;
    c.text(
        &format!("密钥 Key ID: {}", cert.signed.key_id),
        style(Weight::Regular, 7.5, INK),
        sx,
        36.3,
        Align::Right,
    )?;
    c.text(
        &format!("指纹 Fingerprint: {}", cert.key_fingerprint),
        style(Weight::Regular, 7.5, INK),
        sx,
        32.6,
        Align::Right,
    )?;
    c.stroke(&[(sx - 52.0, 29.5), (sx, 29.5)], false, 0.4, RULE);
    c.text(
        "扫码或访问以下网址验证本证书",
        label,
        sx,
        25.5,
        Align::Right,
    )?;
    c.text(
        "Scan or visit to verify this certificate",
        style(Weight::Regular, 6.0, GREY),
        sx,
        22.5,
        Align::Right,
    )?;
    c.fitted(
        verify_url,
        style(Weight::Regular, 6.0, NAVY),
        Fit::line(4.5, 75.0),
        (sx, 19.0),
        Align::Right,
    )?;
    c.qr(verify_url, 245.0, 18.0, 34.0)?;
    Ok(())
}

/// The file name of the signed payload inside a certificate PDF.
pub const PAYLOAD_FILE: &str = "certificate.json";

/// The signed payload as the certificate's associated file (`certificate.json`).
pub fn payload_attachment(signed: &SignedCertificate) -> Result<Attachment, PdfError> {
    Ok(Attachment {
        file_name: PAYLOAD_FILE.into(),
        mime: "application/json".into(),
        description: "Signed certificate payload (certcase.certificate/1): Ed25519 over its \
                      RFC 8785 form"
            .into(),
        bytes: serde_json::to_vec(signed).map_err(|e| PdfError::Write(e.to_string()))?,
    })
}

/// The file name of the signed W3C Verifiable Credential inside a certificate PDF.
pub const CREDENTIAL_FILE: &str = "credential.json";

/// The signed credential (its JSON text as stored) as an associated file
/// (`credential.json`, `application/vc`: a credential secured with an embedded proof).
pub fn credential_attachment(credential_json: &str) -> Attachment {
    Attachment {
        file_name: CREDENTIAL_FILE.into(),
        mime: "application/vc".into(),
        description: "W3C Verifiable Credential of the certificate (Open Badges 3.0), Data \
                      Integrity proof eddsa-jcs-2022"
            .into(),
        bytes: credential_json.as_bytes().to_vec(),
    }
}

/// The embedded credential's bytes (`credential.json`), if the PDF carries one. Checking
/// it is the caller's business.
pub fn extract_credential(pdf: &[u8]) -> Option<Vec<u8>> {
    archive::attachments(pdf)
        .into_iter()
        .find(|(name, _)| name == CREDENTIAL_FILE)
        .map(|(_, bytes)| bytes)
}

/// Reads the signed payload back from a certificate PDF: the embedded `certificate.json`,
/// else (a certificate rendered before the payload was an associated file) the
/// information-dictionary key. `None` when there is none or it does not parse. Verifying
/// it is the caller's business.
pub fn extract_signed_payload(pdf: &[u8]) -> Option<SignedCertificate> {
    let embedded = archive::attachments(pdf)
        .into_iter()
        .find(|(name, _)| name == PAYLOAD_FILE)
        .and_then(|(_, json)| serde_json::from_slice(&json).ok());
    if embedded.is_some() {
        return embedded;
    }
    let decode = |b64: Vec<u8>| {
        let json = BASE64.decode(b64.trim_ascii()).ok()?;
        serde_json::from_slice(&json).ok()
    };
    find_literal(pdf)
        .and_then(decode)
        .or_else(|| parse_info(pdf).and_then(decode))
}

/// The last `/CertcasePayload (...)` in the file: an incremental update that rewrote the
/// information dictionary appends the newer one after the older.
fn find_literal(pdf: &[u8]) -> Option<Vec<u8>> {
    let key = format!("/{PAYLOAD_KEY}");
    let start = pdf.windows(key.len()).rposition(|w| w == key.as_bytes())? + key.len();
    let rest = &pdf[start..];
    let open = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    if rest[open] != b'(' {
        return None;
    }
    let body = &rest[open + 1..];
    let close = body.iter().position(|&b| b == b')')?;
    Some(body[..close].to_vec())
}

fn parse_info(pdf: &[u8]) -> Option<Vec<u8>> {
    let doc = lopdf::Document::load_mem(pdf).ok()?;
    let info = doc.trailer.get(b"Info").ok()?;
    let dict = match info {
        Object::Reference(id) => doc.get_dictionary(*id).ok()?,
        Object::Dictionary(dict) => dict,
        _ => return None,
    };
    dict.get(PAYLOAD_KEY.as_bytes())
        .ok()?
        .as_str()
        .ok()
        .map(<[u8]>::to_vec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::certificate::{
        certificate_number, key_fingerprint, sign, valid_until, verify, CertificatePayload,
        PAYLOAD_SCHEMA,
    };
    use chrono::NaiveDate;
    use ed25519_dalek::SigningKey;
    use std::path::PathBuf;
    use std::sync::OnceLock;

    /// The signed credential of a test certificate, as issuance makes it.
    fn credential_of(view: &CertificateView) -> String {
        use crate::domain::credential::{credential_json, CredentialInput, IssuerUrls};
        use chrono::TimeZone;
        credential_json(
            &CredentialInput {
                payload: &view.signed.payload,
                urls: &IssuerUrls::new("https://certcase.example.cn"),
                status_index: 7,
                created: chrono::Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
            },
            &SigningKey::from_bytes(&[42; 32]),
        )
    }

    /// Renders with the credential and the signed payload attached, as issuance does.
    fn render_with_payload(
        view: &CertificateView,
        fonts: &Fonts,
        url: &str,
        radar: &[RadarAxis],
    ) -> Result<Vec<u8>, PdfError> {
        let attachments = [
            credential_attachment(&credential_of(view)),
            payload_attachment(&view.signed).unwrap(),
        ];
        render_certificate(view, fonts, url, radar, &attachments)
    }

    fn fonts() -> &'static Fonts {
        static FONTS: OnceLock<Fonts> = OnceLock::new();
        FONTS.get_or_init(|| {
            Fonts::load_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/fonts"))
                .expect("fixtures/fonts holds the certificate fonts")
        })
    }

    fn demo_view(enterprise_zh: &str, enterprise_en: &str) -> CertificateView {
        let key = SigningKey::from_bytes(&[42; 32]);
        let issue_date = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let payload = CertificatePayload {
            schema: PAYLOAD_SCHEMA.into(),
            certificate_number: certificate_number(2026, "CD", 123),
            certificate_id: "0195f3a2-7c1e-7b3d-9a41-2f6d8e0c5b17".parse().unwrap(),
            enterprise_name_zh: enterprise_zh.into(),
            enterprise_name_en: enterprise_en.into(),
            credit_code: "91110108MA01ABCD2X".into(),
            model_code: "caict-devops".into(),
            model_version: "2025.1".into(),
            part_code: "CD".into(),
            part_name_zh: "持续交付".into(),
            part_name_en: "Continuous Delivery".into(),
            level: 3,
            level_name_zh: "全面级".into(),
            level_name_en: "Comprehensive".into(),
            round_name_zh: "2026 年第一批评估".into(),
            round_name_en: "2026 Assessment Round 1".into(),
            scope_zh: "企业级软件研发、测试与交付平台及其支撑的互联网业务系统".into(),
            scope_en: Some("Enterprise software development, testing and delivery platform and the internet business systems it supports".into()),
            issue_date,
            valid_until: valid_until(issue_date),
            issuer_key_id: "k2026-01".into(),
            supersedes: None,
            renews: None,
        };
        CertificateView {
            signed: sign(payload, &key, "k2026-01").unwrap(),
            programme_title_zh: "研发运营一体化（DevOps）能力成熟度认证证书".into(),
            programme_title_en: "Certificate of DevOps Capability Maturity".into(),
            model_name_zh: "研发运营一体化（DevOps）能力成熟度模型".into(),
            model_name_en: "DevOps Capability Maturity Model".into(),
            issuer_name_zh: "certcase 认证秘书处".into(),
            issuer_name_en: "certcase Certification Secretariat".into(),
            key_fingerprint: key_fingerprint(&key.verifying_key()),
        }
    }

    const RADAR: [RadarAxis<'static>; 7] = [
        ("配置管理", "Configuration Management", 4.0, 5.0),
        (
            "构建与持续集成",
            "Build and Continuous Integration",
            3.0,
            5.0,
        ),
        ("测试管理", "Test Management", 3.0, 5.0),
        (
            "部署与发布管理",
            "Deployment and Release Management",
            4.0,
            5.0,
        ),
        ("环境管理", "Environment Management", 2.0, 5.0),
        ("数据管理", "Data Management", 3.0, 5.0),
        ("度量与反馈", "Metrics and Feedback", 3.0, 5.0),
    ];

    const URL: &str = "https://certcase.example.cn/verify/2026-CD-000123";

    fn sample() -> CertificateView {
        demo_view(
            "张喆与王堃（北京）科技有限公司",
            "Łukasz & O'Brien <script> Technology Co., Ltd.",
        )
    }

    #[test]
    fn names_any_font_lacks_are_refused_before_rendering() {
        let mut view = sample();
        // Outside GBK and outside DejaVu Sans.
        view.signed.payload.enterprise_name_zh = "\u{20000}氏科技".into();
        assert_eq!(
            render_with_payload(&view, fonts(), URL, &RADAR).err(),
            Some(PdfError::MissingGlyph {
                ch: '\u{20000}',
                text: "\u{20000}氏科技".into()
            })
        );
        let mut view = sample();
        view.signed.payload.scope_zh = "含有\u{E000}私用区字符".into();
        assert!(matches!(
            render_with_payload(&view, fonts(), URL, &RADAR),
            Err(PdfError::MissingGlyph { ch: '\u{E000}', .. })
        ));
        let radar = [
            ("配置管理", "Config \u{0378}", 1.0, 5.0),
            RADAR[1],
            RADAR[2],
        ];
        assert!(matches!(
            render_with_payload(&sample(), fonts(), URL, &radar),
            Err(PdfError::MissingGlyph { ch: '\u{0378}', .. })
        ));
    }

    #[test]
    fn each_string_takes_the_cjk_font_then_the_fallback_then_runs() {
        let f = fonts();
        let faces = |t: &str, w| {
            f.runs(t, w)
                .unwrap()
                .into_iter()
                .map(|r| (r.face, r.text))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            faces("张喆 O'Brien <script>", Weight::Regular),
            [
                (Face::CjkRegular, "张喆".into()),
                (Face::CommonRegular, " O'Brien <script>".into())
            ]
        );
        assert_eq!(
            faces("证书编号 2026-CD-000123", Weight::Bold),
            [(Face::CommonBold, "证书编号 2026-CD-000123".into())]
        );
        assert_eq!(
            faces("Łukasz", Weight::Bold),
            [(Face::LatinBold, "Łukasz".into())]
        );
        assert_eq!(
            faces("王堃 Łukasz", Weight::Regular),
            [
                (Face::CjkRegular, "王堃".into()),
                (Face::CommonRegular, " ".into()),
                (Face::LatinRegular, "Ł".into()),
                (Face::CommonRegular, "ukasz".into())
            ]
        );
    }

    #[test]
    fn the_same_certificate_renders_to_the_same_bytes() {
        let a = render_with_payload(&sample(), fonts(), URL, &RADAR).unwrap();
        let b = render_with_payload(&sample(), fonts(), URL, &RADAR).unwrap();
        assert!(a == b, "two renderings differ");
        let text = String::from_utf8_lossy(&a);
        assert!(text.contains("/CreationDate(D:20260302000000+00'00')"));
        assert!(!text.contains("D:1970"));
        let other = render_with_payload(
            &demo_view("另一家公司", "Another Company"),
            fonts(),
            URL,
            &RADAR,
        )
        .unwrap();
        assert_ne!(a, other);
    }

    #[test]
    fn fonts_are_subset_so_a_certificate_is_small() {
        let pdf = render_with_payload(&sample(), fonts(), URL, &RADAR).unwrap();
        assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
        assert!(pdf.starts_with(b"%PDF-1.7"));
    }

    #[test]
    fn the_signed_payload_reads_back_from_the_pdf_and_verifies() {
        let view = sample();
        let pdf = render_with_payload(&view, fonts(), URL, &RADAR).unwrap();
        let back = extract_signed_payload(&pdf).expect("the payload is embedded");
        assert_eq!(back, view.signed);
        let key = SigningKey::from_bytes(&[42; 32]).verifying_key();
        assert_eq!(verify(&back, &[("k2026-01".into(), key)]), Ok(()));
        assert_eq!(extract_signed_payload(b"%PDF-1.7 not a certificate"), None);
    }

    #[test]
    fn a_resaved_pdf_still_yields_its_payload() {
        let view = sample();
        let pdf = render_with_payload(&view, fonts(), URL, &RADAR).unwrap();
        // Another tool re-saving with object streams and a cross-reference stream.
        let mut doc = lopdf::Document::load_mem(&pdf).unwrap();
        let mut resaved = Vec::new();
        doc.save_modern(&mut resaved).unwrap();
        assert_ne!(resaved, pdf);
        assert_eq!(extract_signed_payload(&resaved), Some(view.signed));
    }

    /// Certificates rendered before the payload became an associated file carried it in
    /// the information dictionary, as a literal or (re-saved by another tool) hex string.
    #[test]
    fn a_certificate_of_before_yields_its_payload_from_the_information_dictionary() {
        let view = sample();
        let pdf = render_with_payload(&view, fonts(), URL, &RADAR).unwrap();
        let b64 = BASE64.encode(serde_json::to_vec(&view.signed).unwrap());
        for format in [StringFormat::Literal, StringFormat::Hexadecimal] {
            let mut doc = lopdf::Document::load_mem(&pdf).unwrap();
            let catalog = doc.catalog_mut().unwrap();
            catalog.remove(b"AF");
            catalog.remove(b"Names");
            let info = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
            doc.get_object_mut(info)
                .unwrap()
                .as_dict_mut()
                .unwrap()
                .set(
                    PAYLOAD_KEY,
                    Object::String(b64.clone().into_bytes(), format),
                );
            let mut old = Vec::new();
            doc.save_to(&mut old).unwrap();
            assert!(archive::attachments(&old).is_empty());
            assert_eq!(extract_signed_payload(&old), Some(view.signed.clone()));
        }
    }

    /// The credential and the signed payload travel as PDF/A-3 associated files, named in
    /// the XMP metadata, with an sRGB output intent and document information that says
    /// what the XMP says.
    #[test]
    fn the_credential_and_the_payload_are_associated_files_named_in_the_xmp_metadata() {
        let view = sample();
        let pdf = render_with_payload(&view, fonts(), URL, &RADAR).unwrap();
        let doc = lopdf::Document::load_mem(&pdf).unwrap();
        let catalog = doc.catalog().unwrap();
        let af: Vec<lopdf::ObjectId> = catalog
            .get(b"AF")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_reference().unwrap())
            .collect();
        assert_eq!(af.len(), 2, "the credential and the payload");
        let file = |spec: &lopdf::Dictionary| {
            let ef = spec.get(b"EF").unwrap().as_dict().unwrap();
            doc.get_object(ef.get(b"F").unwrap().as_reference().unwrap())
                .unwrap()
                .as_stream()
                .unwrap()
                .clone()
        };
        let mut found = Vec::new();
        for id in &af {
            let spec = doc.get_dictionary(*id).unwrap();
            assert_eq!(
                spec.get(b"AFRelationship").unwrap().as_name().unwrap(),
                b"Data"
            );
            let name =
                String::from_utf8(spec.get(b"UF").unwrap().as_str().unwrap().to_vec()).unwrap();
            let stream = file(spec);
            assert_eq!(
                stream.dict.get(b"Type").unwrap().as_name().unwrap(),
                b"EmbeddedFile"
            );
            let mime = stream
                .dict
                .get(b"Subtype")
                .unwrap()
                .as_name()
                .unwrap()
                .to_vec();
            found.push((
                name,
                String::from_utf8(mime).unwrap(),
                stream.decompressed_content().unwrap(),
            ));
        }
        assert_eq!(found[0].0, CREDENTIAL_FILE, "the credential comes first");
        assert_eq!(found[0].1, "application/vc");
        assert_eq!(found[0].2, credential_of(&view).into_bytes());
        assert_eq!(found[1].0, PAYLOAD_FILE);
        assert_eq!(found[1].1, "application/json");
        assert_eq!(
            serde_json::from_slice::<SignedCertificate>(&found[1].2).unwrap(),
            view.signed
        );
        assert_eq!(
            extract_credential(&pdf),
            Some(credential_of(&view).into_bytes())
        );
        // The name tree holds both, sorted by name, pointing at the same specifications.
        let names = catalog.get(b"Names").unwrap().as_dict().unwrap();
        let tree = names.get(b"EmbeddedFiles").unwrap().as_dict().unwrap();
        let pairs = tree.get(b"Names").unwrap().as_array().unwrap();
        assert_eq!(pairs.len(), 4);
        assert_eq!(pairs[0].as_str().unwrap(), PAYLOAD_FILE.as_bytes());
        assert_eq!(pairs[1].as_reference().unwrap(), af[1]);
        assert_eq!(pairs[2].as_str().unwrap(), CREDENTIAL_FILE.as_bytes());
        assert_eq!(pairs[3].as_reference().unwrap(), af[0]);

        let xmp = doc
            .get_object(catalog.get(b"Metadata").unwrap().as_reference().unwrap())
            .unwrap()
            .as_stream()
            .unwrap();
        assert!(xmp.dict.get(b"Filter").is_err(), "XMP stays unfiltered");
        let xmp = String::from_utf8(xmp.content.clone()).unwrap();
        for expected in [
            "<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>",
            "<cc:DocumentFileName>credential.json</cc:DocumentFileName>",
            "<cc:DocumentType>application/vc</cc:DocumentType>",
            "<cc:AttachedFiles>credential.json, certificate.json</cc:AttachedFiles>",
            "<cc:CertificateNumber>2026-CD-000123</cc:CertificateNumber>",
            "<xmp:CreateDate>2026-03-02T00:00:00+00:00</xmp:CreateDate>",
            "<pdfaSchema:namespaceURI>urn:certcase:pdfa:certificate:1p0#</pdfaSchema:namespaceURI>",
        ] {
            assert!(xmp.contains(expected), "{expected} missing from {xmp}");
        }
        let intent = &catalog.get(b"OutputIntents").unwrap().as_array().unwrap()[0];
        let intent = intent.as_dict().unwrap();
        assert_eq!(intent.get(b"S").unwrap().as_name().unwrap(), b"GTS_PDFA1");
        let icc = doc
            .get_object(
                intent
                    .get(b"DestOutputProfile")
                    .unwrap()
                    .as_reference()
                    .unwrap(),
            )
            .unwrap()
            .as_stream()
            .unwrap();
        let profile = icc.decompressed_content().unwrap();
        assert_eq!(&profile[12..20], b"mntrRGB ", "an RGB display profile");

        let info = doc
            .get_dictionary(doc.trailer.get(b"Info").unwrap().as_reference().unwrap())
            .unwrap();
        let title = info.get(b"Title").unwrap().as_str().unwrap();
        assert!(
            xmp.contains(&String::from_utf8_lossy(title).to_string()),
            "title in XMP"
        );
        assert_eq!(
            info.get(b"CreationDate").unwrap().as_str().unwrap(),
            b"D:20260302000000+00'00'"
        );
        assert!(info.get(PAYLOAD_KEY.as_bytes()).is_err(), "no second copy");
    }

    /// A restarted server parses its fonts anew: the same certificate must still come out
    /// byte for byte the same, or an issued PDF's recorded hash would stop matching its
    /// downloads. The test runs itself again in a new process to render there.
    #[test]
    fn a_new_process_renders_the_same_bytes() {
        let digest = || {
            hex::encode(Sha256::digest(
                render_with_payload(&sample(), fonts(), URL, &RADAR).unwrap(),
            ))
        };
        if std::env::var_os("CERTCASE_PDF_CHILD").is_some() {
            println!("certificate-sha256={}", digest());
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "pdf::tests::a_new_process_renders_the_same_bytes",
                "--nocapture",
            ])
            .env("CERTCASE_PDF_CHILD", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let child = stdout
            .lines()
            .find_map(|l| l.strip_prefix("certificate-sha256="))
            .unwrap_or_else(|| panic!("the child printed no digest: {stdout}"));
        assert_eq!(child, digest());
        // Fonts parsed again in this process, as after a restart, too.
        let again =
            Fonts::load_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/fonts"))
                .unwrap();
        let bytes = render_with_payload(&sample(), &again, URL, &RADAR).unwrap();
        assert_eq!(hex::encode(Sha256::digest(bytes)), digest());
    }

    #[test]
    fn fonts_can_be_shared_between_worker_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Fonts>();
    }

    #[test]
    fn control_characters_are_refused_rather_than_printed_blank() {
        let mut view = sample();
        view.signed.payload.scope_en = Some("line one\nline two".into());
        assert!(matches!(
            render_with_payload(&view, fonts(), URL, &RADAR),
            Err(PdfError::MissingGlyph { ch: '\n', .. })
        ));
    }

    #[test]
    fn long_names_shrink_and_wrap_to_fit() {
        let mut view = sample();
        view.signed.payload.enterprise_name_en =
            "The Extraordinarily Long-Named International Software Delivery and Operations Group Holding Company Limited".into();
        view.signed.payload.scope_zh = "企业级软件研发、测试与交付平台，".repeat(6);
        view.signed.payload.scope_en =
            Some("Enterprise software development, testing and delivery platform; ".repeat(5));
        let pdf = render_with_payload(&view, fonts(), URL, &RADAR).unwrap();
        assert_eq!(extract_signed_payload(&pdf), Some(view.signed));
    }

    #[test]
    fn odd_radar_values_still_draw_a_chart() {
        let radar = [
            ("配置管理", "Configuration", f32::NAN, 5.0),
            ("测试管理", "Testing", 9.0, 5.0),
            ("数据管理", "Data", 2.0, 0.0),
            ("环境管理", "Environments", -1.0, 1e9),
        ];
        assert!(render_with_payload(&sample(), fonts(), URL, &radar).is_ok());
        assert!(render_with_payload(&sample(), fonts(), URL, &[]).is_ok());
    }

    #[test]
    fn text_that_cannot_fit_is_refused() {
        let mut view = sample();
        view.signed.payload.scope_en = Some("very long scope ".repeat(80));
        assert!(matches!(
            render_with_payload(&view, fonts(), URL, &RADAR),
            Err(PdfError::TextTooLong { .. })
        ));
    }

    /// Renders the sample to PNG with pdftoppm, when installed, and checks that the page is
    /// not blank: enough dark pixels, in the title area, the QR corner and the radar.
    #[test]
    fn the_rendered_page_is_not_blank() {
        let out = std::env::temp_dir().join(format!("certcase-pdf-test-{}", std::process::id()));
        std::fs::create_dir_all(&out).unwrap();
        let pdf_path = out.join("sample.pdf");
        std::fs::write(
            &pdf_path,
            render_with_payload(&sample(), fonts(), URL, &RADAR).unwrap(),
        )
        .unwrap();
        let status = std::process::Command::new("pdftoppm")
            .args(["-r", "40", "-gray", "-singlefile"])
            .arg(&pdf_path)
            .arg(out.join("page"))
            .status();
        let Ok(status) = status else {
            // CI installs poppler-utils, so there a missing pdftoppm is a failure.
            assert!(
                std::env::var_os("CI").is_none(),
                "pdftoppm is needed in CI (apt-get install poppler-utils)"
            );
            eprintln!("note: pdftoppm is not installed (apt-get install poppler-utils); page not rasterised");
            return;
        };
        assert!(status.success(), "pdftoppm failed on the certificate");
        let (width, height, pixels) = read_pgm(&std::fs::read(out.join("page.pgm")).unwrap());
        std::fs::remove_dir_all(&out).ok();
        assert!(
            (460..=470).contains(&width) && (325..=335).contains(&height),
            "{width}x{height}"
        );
        let dark_in = |x0: f32, x1: f32, y0: f32, y1: f32| {
            // Fractions of the page, y from the top.
            let (x0, x1) = ((x0 * width as f32) as usize, (x1 * width as f32) as usize);
            let (y0, y1) = ((y0 * height as f32) as usize, (y1 * height as f32) as usize);
            (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|&(x, y)| pixels[y * width + x] < 128)
                .count()
        };
        assert!(dark_in(0.2, 0.8, 0.08, 0.2) > 200, "title missing");
        assert!(
            dark_in(0.2, 0.8, 0.28, 0.4) > 200,
            "enterprise name missing"
        );
        assert!(dark_in(0.82, 0.95, 0.6, 0.9) > 500, "QR code missing");
        assert!(dark_in(0.35, 0.5, 0.65, 0.95) > 50, "radar missing");
    }

    /// Width, height and grey levels of a binary PGM (P5) image.
    fn read_pgm(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
        let mut fields = Vec::new();
        let mut pos = 0;
        while fields.len() < 4 {
            while bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            let start = pos;
            while !bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            fields.push(std::str::from_utf8(&bytes[start..pos]).unwrap().to_string());
        }
        assert_eq!(fields[0], "P5");
        let (w, h): (usize, usize) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        (w, h, bytes[pos + 1..pos + 1 + w * h].to_vec())
    }
}
