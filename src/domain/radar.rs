//! Radar (spider) charts: the geometry every chart shares (where the axes point, where a
//! value sits on its axis, the scale's rings, which way a label runs), and the chart as
//! SVG for the pages. The certificate and roadmap PDFs draw with the same geometry.
//!
//! The SVG is drawn on the server: no script, no external assets, and the same bytes for
//! the same input, so the page and the tests agree. Colours are presentation attributes;
//! a page's stylesheet can still override them through the classes.

use std::f64::consts::{FRAC_PI_2, TAU};
use std::fmt::Write;

/// One polygon: a value per axis, in the axes' order (for instance "current" and "target").
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    pub name: &'a str,
    pub values: &'a [f64],
    /// Extra CSS classes for the polygon and its legend mark.
    pub class: &'a str,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RadarError {
    #[error("a radar chart needs at least 3 axes, not {0}")]
    TooFewAxes(usize),
    #[error("series '{name}' has {values} values for {axes} axes")]
    ValueCount {
        name: String,
        values: usize,
        axes: usize,
    },
    #[error("the scale must go up to a positive number, not {0}")]
    BadMax(f64),
    #[error("a chart of {0} pixels is too small to read; use at least {MIN_SIZE}")]
    TooSmall(u32),
}

pub const MIN_SIZE: u32 = 100;

/// The chart's radius as a share of its width; the rest is room for the axis labels.
const RADIUS_SHARE: f64 = 0.28;
const FONT: f64 = 12.0;
const LINE_HEIGHT: f64 = 14.0;
const LABEL_GAP: f64 = 8.0;
const LEGEND_ROW: f64 = 18.0;
const PALETTE: [&str; 6] = [
    "#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2",
];

/// The direction of axis `i` of `n` as a unit vector `(x, y)`: the first axis points straight
/// up, the others follow clockwise. `y` grows downwards, as on a screen; a drawing whose `y`
/// grows upwards (a PDF page) negates it.
pub fn axis_direction(i: usize, n: usize) -> (f64, f64) {
    let angle = -FRAC_PI_2 + TAU * i as f64 / n as f64;
    (angle.cos(), angle.sin())
}

/// How far out on its axis a value sits, as a share of the radius (0 at the centre, 1 at the
/// rim of a scale going up to `max`). Values off the scale sit at its nearest end, and what
/// is not a number at the centre.
pub fn share(value: f64, max: f64) -> f64 {
    let share = value / max;
    if share.is_nan() {
        0.0
    } else {
        share.clamp(0.0, 1.0)
    }
}

/// The values of the scale's rings for a scale 0..=`max`: one per whole unit (and one at
/// `max` itself when it is fractional), or five even rings when `max` is above 10.
pub fn rings(max: f64) -> Vec<f64> {
    if max <= 10.0 {
        let whole = (1..=max.floor() as u32).map(f64::from);
        whole.chain((max.fract() > 0.0).then_some(max)).collect()
    } else {
        (1..=5).map(|k| max * f64::from(k) / 5.0).collect()
    }
}

/// Which end of an axis label sits at the axis's tip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// Right of the centre: the label runs outwards to the right.
    Start,
    /// Near the vertical: the label is centred on the axis.
    Middle,
    /// Left of the centre: the label ends at the axis.
    End,
}

/// The anchor of the label of an axis pointing in `direction` (from [`axis_direction`]).
pub fn label_anchor((x, _): (f64, f64)) -> Anchor {
    if x > 0.2 {
        Anchor::Start
    } else if x < -0.2 {
        Anchor::End
    } else {
        Anchor::Middle
    }
}

/// A radar chart `size` pixels wide: one axis per label (clockwise from the top), a ring
/// per unit of the scale 0..=`max` (five even rings when `max` is above 10), and one
/// polygon per series, with a legend below. Values outside 0..=`max` (or not numbers) are
/// drawn at the nearest end of the scale.
pub fn radar_svg(
    axes: &[&str],
    max: f64,
    series: &[Series<'_>],
    size: u32,
) -> Result<String, RadarError> {
    if axes.len() < 3 {
        return Err(RadarError::TooFewAxes(axes.len()));
    }
    if !(max.is_finite() && max > 0.0) {
        return Err(RadarError::BadMax(max));
    }
    if size < MIN_SIZE {
        return Err(RadarError::TooSmall(size));
    }
    if let Some(s) = series.iter().find(|s| s.values.len() != axes.len()) {
        return Err(RadarError::ValueCount {
            name: s.name.to_string(),
            values: s.values.len(),
            axes: axes.len(),
        });
    }

    let n = axes.len();
    let width = f64::from(size);
    let (cx, cy) = (width / 2.0, width / 2.0);
    let radius = width * RADIUS_SHARE;
    let at = |i: usize, r: f64| {
        let (dx, dy) = axis_direction(i, n);
        (cx + r * dx, cy + r * dy)
    };
    let legend = if series.is_empty() {
        0.0
    } else {
        8.0 + LEGEND_ROW * series.len() as f64
    };
    let height = width + legend;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="radar" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" font-family="sans-serif" font-size="{font}">"#,
        w = num(width),
        h = num(height),
        font = num(FONT),
    );
    if !series.is_empty() {
        let names: Vec<&str> = series.iter().map(|s| s.name).collect();
        let _ = write!(svg, "<title>{}</title>", escape(&names.join(" / ")));
    }

    svg.push_str(r##"<g class="radar-grid" fill="none" stroke="#d0d0d0" stroke-width="1">"##);
    let rings = rings(max);
    for &ring in &rings {
        let _ = write!(
            svg,
            r#"<circle cx="{}" cy="{}" r="{}"/>"#,
            num(cx),
            num(cy),
            num(radius * ring / max)
        );
    }
    for i in 0..n {
        let (x, y) = at(i, radius);
        let _ = write!(
            svg,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
            num(cx),
            num(cy),
            num(x),
            num(y)
        );
    }
    svg.push_str("</g>");

    svg.push_str(r##"<g class="radar-scale" fill="#888888" font-size="10">"##);
    for &ring in &rings {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}">{}</text>"#,
            num(cx + 3.0),
            num(cy - radius * ring / max + 10.0),
            scale_label(ring)
        );
    }
    svg.push_str("</g>");

    let room = width / 2.0 - radius - LABEL_GAP - 4.0;
    let max_units = ((room / (FONT / 2.0)).floor() as usize).max(8);
    svg.push_str(r##"<g class="radar-labels" fill="#333333">"##);
    for (i, label) in axes.iter().enumerate() {
        let direction = axis_direction(i, n);
        let (x, y) = at(i, radius + LABEL_GAP);
        let anchor = match label_anchor(direction) {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let lines = wrap(label, max_units);
        let block = (lines.len() - 1) as f64 * LINE_HEIGHT;
        // Above the centre the block of lines ends at the tip, below it starts there.
        let first = if direction.1 < -0.2 {
            y - block
        } else if direction.1 > 0.2 {
            y + FONT
        } else {
            y - block / 2.0 + FONT * 0.35
        };
        let _ = write!(svg, r#"<text text-anchor="{anchor}">"#);
        for (k, line) in lines.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<tspan x="{}" y="{}">{}</tspan>"#,
                num(x),
                num(first + k as f64 * LINE_HEIGHT),
                escape(line)
            );
        }
        svg.push_str("</text>");
    }
    svg.push_str("</g>");

    svg.push_str(r#"<g class="radar-series">"#);
    for (k, s) in series.iter().enumerate() {
        let points: Vec<String> = s
            .values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                let (x, y) = at(i, radius * share(v, max));
                format!("{},{}", num(x), num(y))
            })
            .collect();
        let colour = PALETTE[k % PALETTE.len()];
        let _ = write!(
            svg,
            r#"<polygon class="{}" points="{}" fill="{colour}" fill-opacity="0.2" stroke="{colour}" stroke-width="2" stroke-linejoin="round"><title>{}</title></polygon>"#,
            classes("radar-series", s.class),
            points.join(" "),
            escape(s.name)
        );
    }
    svg.push_str("</g>");

    if !series.is_empty() {
        svg.push_str(r##"<g class="radar-legend" fill="#333333">"##);
        for (k, s) in series.iter().enumerate() {
            let top = width + 4.0 + LEGEND_ROW * k as f64;
            let _ = write!(
                svg,
                r#"<rect class="{}" x="{}" y="{}" width="12" height="12" fill="{}"/><text x="{}" y="{}">{}</text>"#,
                classes("radar-key", s.class),
                num(LABEL_GAP),
                num(top),
                PALETTE[k % PALETTE.len()],
                num(LABEL_GAP + 18.0),
                num(top + 10.5),
                escape(s.name)
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    Ok(svg)
}

/// Two decimals, and never "-0.00", so equal charts are equal bytes.
fn num(v: f64) -> String {
    let text = format!("{v:.2}");
    if text == "-0.00" {
        "0.00".to_string()
    } else {
        text
    }
}

fn scale_label(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        num(v)
    }
}

fn classes(base: &str, extra: &str) -> String {
    let extra: String = extra
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .collect();
    std::iter::once(base)
        .chain(extra.split_whitespace())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Text for XML content and attributes; characters XML 1.0 does not allow are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// East Asian wide characters take about twice the width of Latin letters.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// Breaks a label into lines of at most `max_units` (a Latin letter is one unit, a wide
/// character two): between words, or between any two wide characters. A word only a little
/// too long is kept whole; a much longer one is cut.
fn wrap(label: &str, max_units: usize) -> Vec<String> {
    let char_units = |c: char| if is_wide(c) { 2 } else { 1 };
    let units = |s: &str| s.chars().map(char_units).sum::<usize>();
    // (token, preceded by a space)
    let mut tokens: Vec<(String, bool)> = Vec::new();
    for word in label.split_whitespace() {
        let mut spaced = true;
        let mut run = String::new();
        for c in word.chars() {
            if is_wide(c) {
                if !run.is_empty() {
                    tokens.push((std::mem::take(&mut run), spaced));
                    spaced = false;
                }
                tokens.push((c.to_string(), spaced));
                spaced = false;
            } else {
                run.push(c);
            }
        }
        if !run.is_empty() {
            tokens.push((run, spaced));
        }
    }

    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for (token, spaced) in tokens {
        let gap = usize::from(spaced && !line.is_empty());
        if line.is_empty() || units(&line) + gap + units(&token) <= max_units {
            if gap == 1 {
                line.push(' ');
            }
            line.push_str(&token);
        } else {
            lines.push(std::mem::take(&mut line));
            line = token;
        }
        while units(&line) > max_units + max_units / 4 {
            let mut head = String::new();
            let mut rest = line.chars().peekable();
            while let Some(&c) = rest.peek() {
                if !head.is_empty() && units(&head) + char_units(c) > max_units {
                    break;
                }
                head.push(c);
                rest.next();
            }
            lines.push(head);
            line = rest.collect();
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points_of(svg: &str) -> Vec<Vec<(f64, f64)>> {
        svg.split("points=\"")
            .skip(1)
            .map(|rest| {
                rest[..rest.find('"').unwrap()]
                    .split(' ')
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect()
            })
            .collect()
    }

    const AREAS: [&str; 6] = [
        "People & Culture",
        "Plan & Develop",
        "Build & Test",
        "Release & Deploy",
        "Operate",
        "Observe & Respond",
    ];

    #[test]
    fn axes_run_clockwise_from_the_top_and_values_sit_on_the_scale() {
        let close = |(x, y): (f64, f64), (ex, ey): (f64, f64)| {
            (x - ex).abs() < 1e-12 && (y - ey).abs() < 1e-12
        };
        assert!(close(axis_direction(0, 4), (0.0, -1.0)), "up");
        assert!(close(axis_direction(1, 4), (1.0, 0.0)), "then right");
        assert!(close(axis_direction(2, 4), (0.0, 1.0)));
        assert!(close(axis_direction(3, 4), (-1.0, 0.0)));

        assert_eq!(share(2.0, 4.0), 0.5);
        assert_eq!(share(9.0, 4.0), 1.0);
        assert_eq!(share(-1.0, 4.0), 0.0);
        assert_eq!(share(f64::NAN, 4.0), 0.0);
        assert_eq!(share(f64::INFINITY, f64::INFINITY), 0.0);

        assert_eq!(rings(4.0), [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(rings(2.5), [1.0, 2.0, 2.5]);
        assert_eq!(rings(20.0), [4.0, 8.0, 12.0, 16.0, 20.0]);

        let anchors: Vec<Anchor> = (0..6).map(|i| label_anchor(axis_direction(i, 6))).collect();
        assert_eq!(
            anchors,
            [
                Anchor::Middle,
                Anchor::Start,
                Anchor::Start,
                Anchor::Middle,
                Anchor::End,
                Anchor::End
            ]
        );
    }

    #[test]
    fn one_axis_line_per_label_and_one_ring_per_stage() {
        for n in [3, 4, 6, 7] {
            let svg = radar_svg(&AREAS.repeat(2)[..n], 4.0, &[], 400).unwrap();
            assert_eq!(svg.matches("<line").count(), n);
            assert_eq!(svg.matches("<circle").count(), 4);
            assert_eq!(svg.matches("<polygon").count(), 0);
        }
        let svg = radar_svg(&AREAS, 5.0, &[], 400).unwrap();
        assert_eq!(svg.matches("<circle").count(), 5);
    }

    #[test]
    fn a_series_is_drawn_at_its_values() {
        let values = [4.0, 2.0, 0.0, 1.0];
        let svg = radar_svg(
            &["North", "East", "South", "West"],
            4.0,
            &[Series {
                name: "Current",
                values: &values,
                class: "current",
            }],
            200,
        )
        .unwrap();
        // Centre (100, 100), radius 200 × 0.28 = 56, first axis straight up, clockwise.
        assert!(
            svg.contains(r#"points="100.00,44.00 128.00,100.00 100.00,100.00 86.00,100.00""#),
            "{svg}"
        );
        assert_eq!(
            points_of(&svg),
            [[(100.0, 44.0), (128.0, 100.0), (100.0, 100.0), (86.0, 100.0)]]
        );
        assert!(svg.contains(r#"class="radar-series current""#));

        let full = [4.0; 6];
        let svg = radar_svg(
            &AREAS,
            4.0,
            &[Series {
                name: "Target",
                values: &full,
                class: "",
            }],
            200,
        )
        .unwrap();
        let hexagon = &points_of(&svg)[0];
        assert_eq!(hexagon.len(), 6);
        assert_eq!(hexagon[1], (148.5, 72.0));
        assert_eq!(hexagon[3], (100.0, 156.0));
    }

    #[test]
    fn current_and_target_make_two_polygons_and_a_legend() {
        let current = [1.0, 2.0, 1.75, 2.0, 2.29, 2.0];
        let target = [2.0, 2.0, 2.5, 3.0, 3.0, 2.0];
        let series = [
            Series {
                name: "Current",
                values: &current,
                class: "current",
            },
            Series {
                name: "Target",
                values: &target,
                class: "target",
            },
        ];
        let svg = radar_svg(&AREAS, 4.0, &series, 480).unwrap();
        assert_eq!(svg.matches("<polygon").count(), 2);
        assert_eq!(
            points_of(&svg).iter().map(Vec::len).collect::<Vec<_>>(),
            [6, 6]
        );
        assert_eq!(svg.matches("<rect").count(), 2);
        assert!(svg.contains("<title>Current / Target</title>"));
        assert_eq!(svg, radar_svg(&AREAS, 4.0, &series, 480).unwrap());
        assert!(!svg.contains("-0.00") && !svg.contains("NaN"));
    }

    #[test]
    fn labels_and_names_are_escaped_and_scripts_impossible() {
        let axes = [
            "<script>alert(1)</script>",
            "R&D \"quoted\" 'single'",
            "构建与测试",
        ];
        let values = [1.0, 2.0, 3.0];
        let svg = radar_svg(
            &axes,
            4.0,
            &[Series {
                name: "A<B",
                values: &values,
                class: "x\" onload=\"alert(1)",
            }],
            800,
        )
        .unwrap();
        assert!(!svg.contains("<script"));
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(svg.contains("R&amp;D &quot;quoted&quot; &apos;single&apos;"));
        assert!(svg.contains(">构建与测试</tspan>"));
        assert!(svg.contains("<title>A&lt;B</title>"));
        assert!(svg.contains(r#"class="radar-series x onloadalert1""#));
        assert!(!svg.contains("onload="));
    }

    #[test]
    fn long_labels_wrap_between_words_or_wide_characters() {
        assert_eq!(
            wrap("Vulnerability & misconfiguration scanning", 16),
            ["Vulnerability &", "misconfiguration", "scanning"]
        );
        assert_eq!(
            wrap("漏洞与错误配置扫描", 8),
            ["漏洞与错", "误配置扫", "描"]
        );
        assert_eq!(wrap("灾难恢复（DR）", 8), ["灾难恢复", "（DR）"]);
        assert_eq!(wrap("Operate", 8), ["Operate"]);
        assert_eq!(
            wrap("misconfiguration scanning", 15),
            ["misconfiguration", "scanning"]
        );
        assert_eq!(wrap("", 8), [""]);
        assert_eq!(
            wrap("Supercalifragilistic", 8),
            ["Supercal", "ifragili", "stic"]
        );
    }

    #[test]
    fn out_of_range_values_sit_on_the_scale_and_bad_input_is_refused() {
        let values = [9.0, -1.0, f64::NAN];
        let svg = radar_svg(
            &["a", "b", "c"],
            4.0,
            &[Series {
                name: "s",
                values: &values,
                class: "",
            }],
            200,
        )
        .unwrap();
        assert_eq!(points_of(&svg)[0][..2], [(100.0, 44.0), (100.0, 100.0)]);

        assert_eq!(
            radar_svg(&["a", "b"], 4.0, &[], 200),
            Err(RadarError::TooFewAxes(2))
        );
        assert_eq!(
            radar_svg(&["a", "b", "c"], 0.0, &[], 200),
            Err(RadarError::BadMax(0.0))
        );
        assert_eq!(
            radar_svg(&["a", "b", "c"], 4.0, &[], 50),
            Err(RadarError::TooSmall(50))
        );
        assert_eq!(
            radar_svg(
                &["a", "b", "c"],
                4.0,
                &[Series {
                    name: "s",
                    values: &[1.0],
                    class: ""
                }],
                200
            ),
            Err(RadarError::ValueCount {
                name: "s".into(),
                values: 1,
                axes: 3
            })
        );
    }
}
