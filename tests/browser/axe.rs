//! axe-core 4.14.1 (vendored from its npm package, see vendor/README.md) run on the
//! current page: the serious and critical violations of the WCAG 2.1 A and AA rules.

use fantoccini::Client;
use serde_json::Value;

const AXE: &str = include_str!("vendor/axe.min.js");

/// One line per violating rule: its id, impact, help text and the offending nodes.
pub async fn serious_violations(client: &Client) -> Vec<String> {
    // WebDriver scripts run outside the page's Content-Security-Policy, so the library is
    // evaluated directly instead of through a <script> element the policy would block.
    let loaded = client
        .execute(
            &format!("if (!window.axe) {{ {AXE}\n }} return typeof window.axe;"),
            vec![],
        )
        .await
        .expect("axe-core loads");
    assert_eq!(
        loaded,
        Value::String("object".into()),
        "axe-core did not load"
    );
    let result = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
            axe.run(document, {
                runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
                resultTypes: ["violations"],
            }).then(r => done(r.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.map(n => n.target.join(" ") + " " + n.html.slice(0, 160)) }))),
                    e => done([{ id: "axe-error", impact: "critical", help: String(e), nodes: [] }]));"#,
            vec![],
        )
        .await
        .expect("axe-core runs");
    result
        .as_array()
        .map(|violations| {
            violations
                .iter()
                .map(|v| {
                    let nodes: Vec<String> = v["nodes"]
                        .as_array()
                        .map(|n| {
                            n.iter()
                                .filter_map(|x| x.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    format!(
                        "axe {} ({}): {}\n      {}",
                        v["id"].as_str().unwrap_or_default(),
                        v["impact"].as_str().unwrap_or_default(),
                        v["help"].as_str().unwrap_or_default(),
                        nodes.join("\n      ")
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
