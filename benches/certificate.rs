//! Certificates: lint, sign (the payload and the W3C credential) and render one
//! certificate carrying both, and 1,000 in a row, through
//! `workflow::certificates::sign_and_render`, the function `certcase certificates issue
//! --round` runs for each application inside its transaction (the database reads and
//! writes around it are left out). The bulk run is sequential because production is: each
//! certificate is one transaction under the issuance lock.
//!
//! Baseline, in the same run: a plain printpdf A4 page with the same strings in the same
//! fonts (the regular and bold CJK faces), subset like the certificate's, one line each:
//! no layout, QR code, radar, signatures, embedded files or stream compression. RATIO =
//! certificate / plain page.
//!
//! Run: `cargo bench --bench certificate`. Targets: under 5 ms per certificate, 1,000 in
//! under 10 s (2 cores).

// A failed unwrap in a test or bench is its failure, which is what we want.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{black_box, criterion_group, Criterion};
use ed25519_dalek::SigningKey;
use printpdf::{
    Color, FontId, Mm, Op, ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rgb, TextItem,
};
use sha2::Digest;

use certcase::domain::catalog::Bilingual;
use certcase::domain::certificate::{
    certificate_number, valid_until, CertificatePayload, PAYLOAD_SCHEMA,
};
use certcase::domain::certificate_lint::Approved;
use certcase::domain::credential::IssuerUrls;
use certcase::pdf::RadarAxis;
use certcase::workflow::certificates::{key_id, sign_and_render, CredentialSlot};

const GROUP: &str = "certificate";
const BULK: u32 = 1_000;
const BULK_RUNS: usize = 3;
const URL_BASE: &str = "https://certcase.example.cn/verify/";

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

fn model_name() -> Bilingual {
    Bilingual {
        zh: "研发运营一体化（DevOps）能力成熟度模型".into(),
        en: "DevOps Capability Maturity Model".into(),
    }
}

/// The `serial`-th certificate of the round: each enterprise a different name, so that
/// every certificate subsets its own glyphs as in a real round.
fn payload(serial: u32, key: &SigningKey) -> CertificatePayload {
    let issue_date = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    CertificatePayload {
        schema: PAYLOAD_SCHEMA.into(),
        certificate_number: certificate_number(2026, "CD", serial),
        certificate_id: uuid::Uuid::from_u128(0x0195_f3a2_7c1e_7b3d_9a41_0000_0000_0000 + u128::from(serial)),
        enterprise_name_zh: format!("北京喆堃第{serial}科技有限公司"),
        enterprise_name_en: format!("Beijing Zhekun No. {serial} Technology Co., Ltd."),
        credit_code: format!("91110108MA{serial:06}2X"),
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
        issuer_key_id: key_id(&key.verifying_key()),
        supersedes: None,
        renews: None,
    }
}

/// One certificate through the production function; returns its size.
fn certificate(serial: u32, key: &SigningKey, model: &Bilingual) -> usize {
    certificate_pdf(serial, key, model).len()
}

fn certificate_pdf(serial: u32, key: &SigningKey, model: &Bilingual) -> Vec<u8> {
    let payload = payload(serial, key);
    let (enterprise, credit) = (
        payload.enterprise_name_zh.clone(),
        payload.credit_code.clone(),
    );
    let approved = Approved {
        part_code: "CD",
        achieved_level: 3,
        enterprise_name_zh: &enterprise,
        credit_code: &credit,
        decision_approved: true,
    };
    let url = format!("{URL_BASE}{}", payload.certificate_number);
    let urls = IssuerUrls::new("https://certcase.example.cn");
    let slot = CredentialSlot {
        urls: &urls,
        status_index: u64::from(serial),
        created: Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
    };
    sign_and_render(payload, &approved, key, model, &url, &RADAR, &slot)
        .expect("the benchmark certificate prints")
        .pdf
}

/// The faces the plain page uses, parsed once like the certificate's shared fonts.
struct PlainFonts {
    regular: ParsedFont,
    bold: ParsedFont,
}

fn plain_fonts() -> PlainFonts {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fonts");
    let parse = |name: &str| {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        ParsedFont::from_bytes(&bytes, 0, &mut Vec::new()).unwrap()
    };
    PlainFonts {
        regular: parse("NotoSansCJKsc-Regular-gbk.otf"),
        bold: parse("NotoSansCJKsc-Bold-gbk.otf"),
    }
}

/// The certificate's strings, each with whether it is set in bold.
fn page_strings(p: &CertificatePayload, model: &Bilingual) -> Vec<(String, bool)> {
    let mut s = vec![
        (format!("{}认证证书", model.zh), true),
        (format!("Certificate: {}", model.en), false),
        ("兹证明".into(), false),
        ("This is to certify that".into(), false),
        (p.enterprise_name_zh.clone(), true),
        (p.enterprise_name_en.clone(), false),
        (
            format!(
                "统一社会信用代码 Unified Social Credit Code: {}",
                p.credit_code
            ),
            false,
        ),
        (
            format!(
                "依据《{}》（{} {}）第 {} 部分“{}”评估，达到",
                model.zh, p.model_code, p.model_version, p.part_code, p.part_name_zh
            ),
            false,
        ),
        (
            format!(
                "has been assessed against the {} ({} {}), Part {}: {}, and achieved",
                model.en, p.model_code, p.model_version, p.part_code, p.part_name_en
            ),
            false,
        ),
        (format!("{} 级·{}", p.level, p.level_name_zh), true),
        (format!("Level {}: {}", p.level, p.level_name_en), true),
        (format!("评估范围：{}", p.scope_zh), false),
        (
            format!("Scope: {}", p.english_scope().unwrap_or_default()),
            false,
        ),
        (
            format!("证书编号 Certificate No. {}", p.certificate_number),
            false,
        ),
        (format!("颁发日期 Issued on {}", p.issue_date), false),
        (format!("有效期至 Valid until {}", p.valid_until), false),
        (p.round_name_zh.clone(), false),
        (p.round_name_en.clone(), false),
        ("颁发机构 Issued by certcase 认证秘书处".into(), false),
        ("certcase Certification Secretariat".into(), false),
        ("电子签名 Digitally signed (Ed25519)".into(), false),
        (format!("密钥 Key ID: {}", p.issuer_key_id), false),
        ("扫码或访问以下网址验证本证书".into(), false),
        ("Scan or visit to verify this certificate".into(), false),
        (format!("{URL_BASE}{}", p.certificate_number), false),
    ];
    for (zh, en, level, _) in RADAR {
        s.push((format!("{zh} {level:.0}"), false));
        s.push((en.to_string(), false));
    }
    s
}

/// The baseline: the same strings on a plain A4 landscape page, one line each.
fn plain_page(strings: &[(String, bool)], fonts: &PlainFonts) -> usize {
    let (regular, bold) = (FontId("F1".into()), FontId("F2".into()));
    let mut doc = PdfDocument::new("plain page");
    doc.resources
        .fonts
        .map
        .insert(regular.clone(), PdfFont::new(fonts.regular.clone()));
    doc.resources
        .fonts
        .map
        .insert(bold.clone(), PdfFont::new(fonts.bold.clone()));
    let mut ops = vec![Op::SetFillColor {
        col: Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)),
    }];
    for (i, (text, is_bold)) in strings.iter().enumerate() {
        let font = if *is_bold { &bold } else { &regular };
        ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font.clone()),
                size: Pt(8.0),
            },
            Op::SetTextCursor {
                pos: Point {
                    x: Mm(15.0).into(),
                    y: Mm(200.0 - 5.0 * i as f32).into(),
                },
            },
            Op::ShowText {
                items: vec![TextItem::Text(text.clone())],
            },
            Op::EndTextSection,
        ]);
    }
    let page = PdfPage::new(Mm(297.0), Mm(210.0), ops);
    // Uncompressed: the certificate's own (fast) stream compression counts as its cost.
    let options = PdfSaveOptions {
        optimize: false,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    doc.with_pages(vec![page])
        .save(&options, &mut Vec::new())
        .len()
}

fn bench(c: &mut Criterion) {
    let started = Instant::now();
    certcase::pdf::shared_fonts().expect("fixtures/fonts holds the certificate fonts");
    println!(
        "fonts parsed once per process in {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );
    let key = SigningKey::from_bytes(&[42; 32]);
    let model = model_name();
    let plain = plain_fonts();
    let strings = page_strings(&payload(1, &key), &model);
    // The digest shows whether a change to the rendering changed the bytes.
    let first = certificate_pdf(1, &key, &model);
    println!(
        "certificate {} bytes (SHA-256 {}), plain page {} bytes",
        first.len(),
        &hex::encode(sha2::Sha256::digest(&first))[..16],
        plain_page(&strings, &plain)
    );

    let mut group = c.benchmark_group(GROUP);
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("sign_and_render", |b| {
        let mut serial = 0;
        b.iter(|| {
            serial = serial % 999_999 + 1;
            certificate(black_box(serial), &key, &model)
        })
    });
    group.bench_function("plain_page", |b| {
        b.iter(|| plain_page(black_box(&strings), &plain))
    });
    group.finish();
}

/// 1,000 certificates one after the other, as `issue --round` makes them; best of a few
/// runs, every run reported.
fn bulk() -> Duration {
    let key = SigningKey::from_bytes(&[42; 32]);
    let model = model_name();
    let runs: Vec<Duration> = (0..BULK_RUNS)
        .map(|_| {
            let started = Instant::now();
            let bytes: usize = (1..=BULK).map(|s| certificate(s, &key, &model)).sum();
            let took = started.elapsed();
            println!(
                "bulk: {BULK} certificates ({:.1} MB) in {:.2} s",
                bytes as f64 / 1e6,
                took.as_secs_f64()
            );
            took
        })
        .collect();
    runs.into_iter().min().expect("at least one run")
}

fn mean_ns(id: &str) -> Option<f64> {
    // Criterion writes under the target directory, wherever CARGO_TARGET_DIR puts it.
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let path = format!("{target}/criterion/{GROUP}/{id}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["mean"]["point_estimate"].as_f64()
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs this binary without `--bench`: check, do not time. Under
    // `--profile-time` (a profiler attached), the criterion loop is all there is to see.
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--profile-time") {
        return;
    }
    let bulk = bulk();
    let (Some(cert), Some(plain)) = (mean_ns("sign_and_render"), mean_ns("plain_page")) else {
        println!("no criterion estimates found under target/criterion/{GROUP}");
        return;
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "certificate {:.2} ms (target < 5 ms), plain page {:.2} ms, bulk {BULK} in {:.2} s \
         sequential (target < 10 s), {cores} cores; RATIO certificate / plain page = {:.2}x",
        cert / 1e6,
        plain / 1e6,
        bulk.as_secs_f64(),
        cert / plain
    );
}
