//! The self-assessment roadmap as a PDF: A4 portrait, Chinese above English, the
//! current-vs-target radar per competency area, then the quarterly steps with their
//! owners, continued on further pages as needed. Same fonts, glyph check and subsetting
//! as the certificate.

use chrono::NaiveDateTime;
use printpdf::{FontId, Mm, PdfDocument, PdfFont, PdfPage, PdfSaveOptions};

use super::{
    compress_streams, style, subset_tag, Align, Canvas, Face, Fit, Fonts, PdfError, RadarFrame,
    RadarLabel, Weight, FACES, GREY, INK, NAVY, RULE,
};
use crate::domain::catalog::Bilingual;
use crate::domain::i18n::Lang;
use crate::domain::ids::SelfAssessmentId;
use crate::domain::radar;
use crate::domain::self_assessment::{projected, Roadmap, SelfResult, Targets};

const W: f32 = 210.0;
const H: f32 = 297.0;
const TARGET: (f32, f32, f32) = (0.86, 0.15, 0.15);
const ROW: f32 = 9.5;

/// What the roadmap PDF shows of one self-assessment.
#[derive(Debug, Clone, Copy)]
pub struct RoadmapReport<'a> {
    /// The assessment's id; it names the font subsets.
    pub id: SelfAssessmentId,
    pub started_at: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub result: &'a SelfResult,
    /// None until targets are set; there is no PDF without one.
    pub roadmap: Option<&'a Roadmap>,
}

/// The scale of the self-assessment radar: stages 0..=4.
const STAGES: f64 = 4.0;

/// Two polygons on one radar: current (navy) and target (red), area names outside in both
/// languages.
fn two_series_radar(
    c: &mut Canvas,
    labels: &[(&str, &str)],
    current: &[f64],
    target: &[f64],
    (cx, cy, r): (f32, f32, f32),
) -> Result<(), PdfError> {
    if labels.len() < 3 {
        return Ok(());
    }
    let frame = RadarFrame {
        cx,
        cy,
        r,
        axes: labels.len(),
    };
    c.radar_grid(frame, STAGES);
    let polygon = |values: &[f64]| -> Vec<(f32, f32)> {
        values
            .iter()
            .enumerate()
            .map(|(i, &v)| frame.at(i, radar::share(v, STAGES)))
            .collect()
    };
    c.stroke(&polygon(target), true, 1.2, TARGET);
    c.stroke(&polygon(current), true, 1.2, NAVY);
    let label = RadarLabel {
        zh: style(Weight::Regular, 7.0, INK),
        en: style(Weight::Regular, 5.5, GREY),
        gap: 3.0,
        en_below: 2.3,
    };
    c.radar_labels(frame, labels, label)
}

/// Renders the roadmap of a self-assessment with targets. Any character no font has
/// (in an owner's name, say) refuses the whole PDF with `MissingGlyph`.
pub fn render_roadmap(
    report: &RoadmapReport,
    enterprise: &Bilingual,
    fonts: &Fonts,
) -> Result<Vec<u8>, PdfError> {
    let roadmap = report
        .roadmap
        .ok_or_else(|| PdfError::Write("no roadmap yet".into()))?;
    let font_ids = Face::ALL.map(|face| FontId(subset_tag(&report.id.to_string(), face)));
    let mut targets = Targets::new();
    for c in roadmap.areas.iter().flat_map(|a| &a.competencies) {
        targets.set(&c.code, c.target);
    }
    let current = report.result;
    let target = projected(current, &targets);
    let mean = |r: &SelfResult| -> Vec<f64> {
        r.areas
            .iter()
            .map(|a| a.derived.mean.unwrap_or(0.0))
            .collect()
    };

    let mut pages = Vec::new();
    let mut used = [false; FACES];
    let mut canvas = Canvas {
        fonts,
        font_ids: font_ids.clone(),
        used,
        ops: Vec::new(),
    };
    let c = &mut canvas;
    c.text(
        "DevSecOps 成熟度自评与路线图",
        style(Weight::Bold, 18.0, NAVY),
        W / 2.0,
        H - 22.0,
        Align::Centre,
    )?;
    c.text(
        "DevSecOps maturity self-assessment and roadmap",
        style(Weight::Regular, 11.0, NAVY),
        W / 2.0,
        H - 29.0,
        Align::Centre,
    )?;
    c.fitted(
        &enterprise.zh,
        style(Weight::Bold, 12.0, INK),
        Fit::line(8.0, 170.0),
        (W / 2.0, H - 39.0),
        Align::Centre,
    )?;
    c.fitted(
        &enterprise.en,
        style(Weight::Regular, 9.0, GREY),
        Fit::line(6.0, 170.0),
        (W / 2.0, H - 44.5),
        Align::Centre,
    )?;
    let overall = current.overall.stage;
    c.text(
        &format!(
            "自评开始 Started {} · 完成 Completed {} · 总体阶段 Overall stage: {} {}",
            report.started_at.format("%Y-%m-%d"),
            report
                .completed_at
                .map_or_else(|| "—".to_string(), |t| t.format("%Y-%m-%d").to_string()),
            overall.map_or("—", |s| s.name(Lang::Zh)),
            overall.map_or("—", |s| s.name(Lang::En)),
        ),
        style(Weight::Regular, 7.5, GREY),
        W / 2.0,
        H - 51.0,
        Align::Centre,
    )?;
    let labels: Vec<(&str, &str)> = current
        .areas
        .iter()
        .map(|a| (a.name.zh.as_str(), a.name.en.as_str()))
        .collect();
    let (cur, tgt) = (mean(current), mean(&target));
    two_series_radar(c, &labels, &cur, &tgt, (W / 2.0, H - 105.0, 40.0))?;
    // Legend.
    c.stroke(&[(60.0, H - 160.0), (68.0, H - 160.0)], false, 1.2, NAVY);
    c.text(
        "当前 Current",
        style(Weight::Regular, 8.0, INK),
        70.0,
        H - 161.0,
        Align::Left,
    )?;
    c.stroke(
        &[(120.0, H - 160.0), (128.0, H - 160.0)],
        false,
        1.2,
        TARGET,
    );
    c.text(
        "目标 Target",
        style(Weight::Regular, 8.0, INK),
        130.0,
        H - 161.0,
        Align::Left,
    )?;

    c.text(
        &format!(
            "季度路线图 Quarterly roadmap ({} 个季度 quarters)",
            roadmap.quarters
        ),
        style(Weight::Bold, 11.0, NAVY),
        15.0,
        H - 173.0,
        Align::Left,
    )?;
    let header = |c: &mut Canvas, y: f32| -> Result<(), PdfError> {
        let s = style(Weight::Bold, 7.5, INK);
        c.text("季度 Q", s, 15.0, y, Align::Left)?;
        c.text("能力领域 Area", s, 32.0, y, Align::Left)?;
        c.text("能力 Competency", s, 80.0, y, Align::Left)?;
        c.text("阶段 Stage", s, 128.0, y, Align::Left)?;
        c.text("负责人 Owner", s, 165.0, y, Align::Left)?;
        c.stroke(&[(15.0, y - 1.8), (W - 15.0, y - 1.8)], false, 0.4, RULE);
        Ok(())
    };
    let mut y = H - 181.0;
    header(c, y)?;
    y -= 6.0;
    let rows = roadmap.rows();
    for row in rows {
        if y < 20.0 {
            used = merge(used, canvas.used);
            pages.push(PdfPage::new(Mm(W), Mm(H), std::mem::take(&mut canvas.ops)));
            y = H - 20.0;
            header(&mut canvas, y)?;
            y -= 6.0;
        }
        let c = &mut canvas;
        let zh = style(Weight::Regular, 7.5, INK);
        let en = style(Weight::Regular, 6.0, GREY);
        c.text(&format!("Q{}", row.quarter), zh, 15.0, y, Align::Left)?;
        c.fitted(
            &row.area.zh,
            zh,
            Fit::line(5.0, 46.0),
            (32.0, y),
            Align::Left,
        )?;
        c.fitted(
            &row.area.en,
            en,
            Fit::line(4.5, 46.0),
            (32.0, y - 3.3),
            Align::Left,
        )?;
        c.fitted(
            &row.competency.zh,
            zh,
            Fit::line(5.0, 46.0),
            (80.0, y),
            Align::Left,
        )?;
        c.fitted(
            &row.competency.en,
            en,
            Fit::line(4.5, 46.0),
            (80.0, y - 3.3),
            Align::Left,
        )?;
        c.text(
            &format!("{} → {}", row.from.name(Lang::Zh), row.to.name(Lang::Zh)),
            zh,
            128.0,
            y,
            Align::Left,
        )?;
        c.text(
            &format!("{} → {}", row.from.name(Lang::En), row.to.name(Lang::En)),
            en,
            128.0,
            y - 3.3,
            Align::Left,
        )?;
        c.fitted(
            row.owner.unwrap_or("—"),
            zh,
            Fit::line(5.0, 30.0),
            (165.0, y),
            Align::Left,
        )?;
        c.stroke(&[(15.0, y - 5.2), (W - 15.0, y - 5.2)], false, 0.2, RULE);
        y -= ROW;
    }
    used = merge(used, canvas.used);
    pages.push(PdfPage::new(Mm(W), Mm(H), canvas.ops));

    let mut doc = PdfDocument::new("DevSecOps roadmap");
    for ((face, id), used) in Face::ALL.iter().zip(font_ids).zip(used) {
        if used {
            doc.resources
                .fonts
                .map
                .insert(id, PdfFont::new(fonts.face(*face).clone()));
        }
    }
    doc.metadata.info.creator = "certcase".into();
    doc.metadata.info.producer = "certcase (printpdf 0.12)".into();
    let options = PdfSaveOptions {
        optimize: true,
        subset_fonts: true,
        secure: true,
        image_optimization: None,
    };
    let mut warnings = Vec::new();
    let mut pdf = doc
        .with_pages(pages)
        .to_lopdf_document(&options, &mut warnings);
    compress_streams(&mut pdf)?;
    let mut bytes = Vec::new();
    pdf.save_to(&mut bytes)
        .map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(bytes)
}

fn merge(a: [bool; FACES], b: [bool; FACES]) -> [bool; FACES] {
    std::array::from_fn(|i| a[i] || b[i])
}
