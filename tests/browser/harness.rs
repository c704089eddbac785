//! One headless Chromium, driven through chromedriver, for a whole test: sign in, fill and
//! submit forms by name or label, follow links by their text, read the visible text. Every
//! page it arrives at is checked (axe-core, and for zh-CN the visible text); a failure
//! leaves a screenshot and the page's HTML under `target/browser-artifacts/<test>/`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::axe;
use crate::text_check::english_in_zh;

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// chromedriver, ended when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Browser {
    client: Client,
    base: String,
    test: String,
    /// Names people typed in that the zh-CN text check lets pass.
    pub typed_names: Vec<String>,
    /// Set while a step repeats one form down a page (a score per item): the page is
    /// checked once when the repetition ends.
    paused: bool,
    /// Pages already checked, by address and visible text: the same page again is not.
    checked: std::collections::HashSet<(String, String)>,
    _profile: tempfile::TempDir,
    _driver: Driver,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with its own profile. Without them
    /// installed the test is skipped with a loud message, unless CERTCASE_REQUIRE_BROWSER=1
    /// (CI) makes that a failure.
    pub async fn start(base: &str, test: &str) -> Option<Browser> {
        let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
        let driver = find_program(&["chromedriver"]);
        let (Some(chromium), Some(driver)) = (chromium, driver) else {
            let message = "chromium and chromedriver are not installed \
                (apt-get install chromium chromium-driver): the browser tests did not run";
            if std::env::var("CERTCASE_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
                panic!("{message}, and CERTCASE_REQUIRE_BROWSER=1 requires them");
            }
            eprintln!("\n!!!!! SKIPPED: {message} !!!!!\n");
            return None;
        };
        let port = free_port();
        let child = Command::new(&driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver(child);
        let profile = tempfile::tempdir().expect("a profile dir");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,900", "--no-first-run", "--disable-extensions",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&webdriver)
                .await
            {
                Ok(c) => break c,
                Err(_) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(e) => panic!("no session from chromedriver at {webdriver}: {e}"),
            }
        };
        Some(Browser {
            client,
            base: base.to_string(),
            test: test.to_string(),
            typed_names: Vec::new(),
            paused: false,
            checked: Default::default(),
            _profile: profile,
            _driver: driver,
        })
    }

    /// Checks no page until [`Browser::resume_checks`], which checks the page it is on.
    pub fn pause_checks(&mut self) {
        self.paused = true;
    }

    pub async fn resume_checks(&mut self) {
        self.paused = false;
        self.arrived().await;
    }

    /// Ends a story run under `catch_unwind`: if it failed, saves the screenshot and
    /// HTML of the page it was on, then fails the same way.
    pub async fn after(&self, outcome: std::thread::Result<()>) {
        if let Err(panic) = outcome {
            self.save_artifacts().await;
            std::panic::resume_unwind(panic);
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// The path of the current page.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        url.path().to_string()
    }

    /// Opens a page by its address (for the first page of a visit only: everything else
    /// is reached through links and buttons).
    pub async fn open(&mut self, path: &str) {
        self.client.goto(&self.url(path)).await.expect("goto");
        self.arrived().await;
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.client
            .execute("return document.body.innerText;", vec![])
            .await
            .expect("innerText")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn lang(&self) -> String {
        self.client
            .execute("return document.documentElement.lang;", vec![])
            .await
            .expect("lang")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The visible text of the first element `css` matches.
    pub async fn text_of(&self, css: &str) -> String {
        self.find_css(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("the text of {css}: {e}"))
    }

    /// Whether a link's visible text contains `text`.
    pub async fn has_link(&self, text: &str) -> bool {
        let xpath = format!("//a[contains(normalize-space(.), {})]", xpath_literal(text));
        self.client.find(Locator::XPath(&xpath)).await.is_ok()
    }

    /// Asserts the visible text contains `expected`.
    pub async fn sees(&self, expected: &str) {
        let text = self.text().await;
        assert!(
            text.contains(expected),
            "expected \"{expected}\" on {}, the page says:\n{text}",
            self.path().await
        );
    }

    /// Follows the link whose visible text contains `text`.
    pub async fn follow(&mut self, text: &str) {
        let xpath = format!("//a[contains(normalize-space(.), {})]", xpath_literal(text));
        let link = self.find(&xpath).await;
        self.mark_page().await;
        link.click().await.expect("click a link");
        self.wait_for_new_page().await;
        self.arrived().await;
    }

    /// Follows the link to `path` (a page listing several links with the same text, such
    /// as one enterprise's applications).
    pub async fn follow_to(&mut self, path: &str) {
        let link = self.find_css(&format!("a[href=\"{path}\"]")).await;
        self.mark_page().await;
        link.click().await.expect("click a link");
        self.wait_for_new_page().await;
        self.arrived().await;
    }

    /// Follows the first link `css` matches (a row's link in a table of look-alikes).
    pub async fn follow_css(&mut self, css: &str) {
        let link = self.find_css(css).await;
        self.mark_page().await;
        link.click().await.expect("click a link");
        self.wait_for_new_page().await;
        self.arrived().await;
    }

    /// Whether anything on the page matches `css`.
    pub async fn has_css(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Where the link whose visible text contains `text` leads.
    pub async fn href_of(&self, text: &str) -> String {
        let xpath = format!("//a[contains(normalize-space(.), {})]", xpath_literal(text));
        self.find(&xpath)
            .await
            .attr("href")
            .await
            .expect("a link's href")
            .unwrap_or_else(|| panic!("the link \"{text}\" leads nowhere"))
    }

    /// Fetches `href` (a path or an address) with the browser's cookies, as the browser
    /// would on following its link: headless Chromium's downloads (a PDF) cannot be read
    /// back through WebDriver.
    pub async fn fetch_as_browser(&self, href: &str) -> Vec<u8> {
        let address = if href.starts_with('/') {
            self.url(href)
        } else {
            href.to_string()
        };
        let cookies: Vec<String> = self
            .client
            .get_all_cookies()
            .await
            .expect("the browser's cookies")
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect();
        let answer = reqwest::Client::new()
            .get(&address)
            .header(reqwest::header::COOKIE, cookies.join("; "))
            .send()
            .await
            .expect("fetch a link");
        assert_eq!(answer.status(), 200, "GET {address}");
        answer.bytes().await.expect("a body").to_vec()
    }

    /// The form field named `field`, or else labelled with `field`.
    async fn field(&self, field: &str) -> Element {
        let by_name = format!("[name=\"{field}\"]");
        if let Ok(e) = self.client.find(Locator::Css(&by_name)).await {
            return e;
        }
        let label = format!(
            "//label[contains(normalize-space(.), {0})]//*[self::input or self::select or self::textarea] \
             | //*[@id=//label[contains(normalize-space(.), {0})]/@for]",
            xpath_literal(field)
        );
        self.find(&label).await
    }

    /// Types `value` into a text field (name or label), replacing what was there.
    pub async fn fill(&self, field: &str, value: &str) {
        let e = self.field(field).await;
        e.clear().await.expect("clear a field");
        e.send_keys(value).await.expect("type into a field");
    }

    /// Chooses the option of a select by its value.
    pub async fn choose(&self, field: &str, value: &str) {
        let e = self.field(field).await;
        e.select_by_value(value).await.expect("choose an option");
    }

    /// Ticks the checkbox or radio button with this name and value.
    pub async fn tick(&self, name: &str, value: &str) {
        self.tick_in("", name, value).await;
    }

    /// [`Browser::tick`], inside the element `within` (a CSS selector).
    pub async fn tick_in(&self, within: &str, name: &str, value: &str) {
        let css = format!("{within} input[name=\"{name}\"][value=\"{value}\"]");
        let e = self.find_css(css.trim()).await;
        if !e.is_selected().await.unwrap_or(false) {
            e.click().await.expect("tick");
        }
    }

    /// Presses the first button whose text contains `text`, answers a confirmation page
    /// if one is asked, and checks the page it leads to.
    pub async fn press(&mut self, text: &str) {
        self.press_in("", text).await;
    }

    /// [`Browser::press`], for a button inside the element `within` (a CSS selector).
    pub async fn press_in(&mut self, within: &str, text: &str) {
        let css = format!("{within} button, {within} input[type=\"submit\"]");
        let mut pressed = false;
        for button in self
            .client
            .find_all(Locator::Css(css.trim()))
            .await
            .unwrap_or_default()
        {
            let label = match button.text().await {
                Ok(t) if !t.is_empty() => t,
                _ => button
                    .attr("value")
                    .await
                    .ok()
                    .flatten()
                    .unwrap_or_default(),
            };
            if label.contains(text) && button.is_displayed().await.unwrap_or(false) {
                self.mark_page().await;
                button.click().await.expect("press a button");
                self.wait_for_new_page().await;
                pressed = true;
                break;
            }
        }
        assert!(
            pressed,
            "no button \"{text}\" in '{within}' on {}",
            self.path().await
        );
        self.arrived().await;
        self.not_refused(text).await;
        if self
            .client
            .find(Locator::Css("input[name=\"confirmed\"][value=\"yes\"]"))
            .await
            .is_ok()
        {
            let yes = self
                .find_css("form:has(input[name=\"confirmed\"]) button[type=\"submit\"]")
                .await;
            self.mark_page().await;
            yes.click().await.expect("confirm");
            self.wait_for_new_page().await;
            self.arrived().await;
            self.not_refused(text).await;
        }
    }

    /// A refused form shows its message as an alert: the story expects none.
    async fn not_refused(&self, pressed: &str) {
        if let Ok(alert) = self.client.find(Locator::Css("[role=\"alert\"]")).await {
            let message = alert.text().await.unwrap_or_default();
            panic!(
                "\"{pressed}\" was refused on {}: {message}",
                self.path().await
            );
        }
    }

    /// The field `name` inside the element `within` (a CSS selector).
    async fn field_in(&self, within: &str, name: &str) -> Element {
        self.find_css(&format!("{within} [name=\"{name}\"]")).await
    }

    pub async fn fill_in(&self, within: &str, name: &str, value: &str) {
        let e = self.field_in(within, name).await;
        e.clear().await.expect("clear a field");
        e.send_keys(value).await.expect("type into a field");
    }

    pub async fn choose_in(&self, within: &str, name: &str, value: &str) {
        let e = self.field_in(within, name).await;
        e.select_by_value(value).await.expect("choose an option");
    }

    /// Chooses the option of a select by the text it shows.
    pub async fn choose_shown_in(&self, within: &str, name: &str, shown: &str) {
        let e = self.field_in(within, name).await;
        e.select_by_label(shown).await.expect("choose an option");
    }

    pub async fn attach_in(&self, within: &str, name: &str, file: &Path) {
        let e = self.field_in(within, name).await;
        e.send_keys(&file.display().to_string())
            .await
            .expect("choose a file");
    }

    /// Sets a field the way a date picker would (typing into one depends on the locale).
    pub async fn set_in(&self, within: &str, name: &str, value: &str) {
        let e = self.field_in(within, name).await;
        let arg = serde_json::to_value(&e).expect("element reference");
        self.client
            .execute(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));",
                vec![arg, json!(value)],
            )
            .await
            .expect("set a field");
    }

    /// The ids of the elements `css` matches.
    pub async fn ids(&self, css: &str) -> Vec<String> {
        self.strings(&format!(
            "return [...document.querySelectorAll('{css}')].map(e => e.id);"
        ))
        .await
    }

    /// The attribute `attr` of every element `css` matches (no single quotes in `css`).
    pub async fn attrs(&self, css: &str, attr: &str) -> Vec<String> {
        self.strings(&format!(
            "return [...document.querySelectorAll('{css}')].map(e => e.getAttribute('{attr}'));"
        ))
        .await
    }

    /// CSS selectors of the forms whose action contains `fragment`, in page order.
    pub async fn forms_with_action(&self, fragment: &str) -> Vec<String> {
        self.strings(&format!(
            "return [...document.querySelectorAll('form[action*=\"{fragment}\"]')].map(f => f.getAttribute('action'));"
        ))
        .await
        .into_iter()
        .map(|action| format!("form[action=\"{action}\"]"))
        .collect()
    }

    /// The names of the `tag` fields inside the element `within`.
    pub async fn names_in(&self, within: &str, tag: &str) -> Vec<String> {
        self.strings(&format!(
            "return [...document.querySelectorAll('{within} {tag}')].map(e => e.name);"
        ))
        .await
    }

    async fn strings(&self, script: &str) -> Vec<String> {
        let value = self.client.execute(script, vec![]).await.expect("a script");
        value
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn find_css(&self, css: &str) -> Element {
        match self.client.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("no {css} on {}: {e}", self.path().await),
        }
    }

    async fn find(&self, xpath: &str) -> Element {
        match self.client.find(Locator::XPath(xpath)).await {
            Ok(e) => e,
            Err(e) => panic!("nothing matches {xpath} on {}: {e}", self.path().await),
        }
    }

    /// Writes a README screenshot to docs/screenshots/<name>.png when
    /// CERTCASE_WRITE_SCREENSHOTS=1.
    pub async fn screenshot_for_readme(&self, name: &str) {
        if !std::env::var("CERTCASE_WRITE_SCREENSHOTS").is_ok_and(|v| v == "1") {
            return;
        }
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).expect("docs/screenshots");
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    /// Saves what the browser shows, for a failed test.
    pub async fn save_artifacts(&self) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target/browser-artifacts")
            .join(&self.test);
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(dir.join("page.png"), png);
        }
        if let Ok(html) = self.client.source().await {
            let _ = std::fs::write(dir.join("page.html"), html);
        }
        let url = self.client.current_url().await.map(|u| u.to_string());
        eprintln!(
            "browser test {} failed on {}: screenshot and HTML in {}",
            self.test,
            url.unwrap_or_default(),
            dir.display()
        );
    }

    /// Every page the browser arrives at: a server error fails at once; axe-core finds no
    /// serious or critical WCAG 2.1 A/AA violation; a zh-CN page shows no English
    /// sentence, raw code or UTC time.
    /// Marks the current document, so [`Browser::wait_for_new_page`] can tell when the
    /// next one has replaced it: a click returns before the form's answer has loaded.
    async fn mark_page(&self) {
        self.client
            .execute("window.__certcase_old_page = true; return null;", vec![])
            .await
            .expect("mark the page");
    }

    /// Waits (up to 20 s) until a new, fully loaded document replaced the marked one.
    async fn wait_for_new_page(&self) {
        let script =
            "return window.__certcase_old_page !== true && document.readyState === 'complete';";
        for _ in 0..200 {
            if let Ok(v) = self.client.execute(script, vec![]).await {
                if v.as_bool() == Some(true) {
                    return;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no new page loaded on {} within 20 s", self.path().await);
    }

    pub async fn arrived(&mut self) {
        if self.paused {
            return;
        }
        let path = self.path().await;
        let text = self.text().await;
        if !self.checked.insert((path.clone(), text.clone())) {
            return;
        }
        let mut findings = axe::serious_violations(&self.client).await;
        if self.lang().await == "zh-CN" {
            let allowed: Vec<&str> = self.typed_names.iter().map(String::as_str).collect();
            findings.extend(english_in_zh(&text, &allowed));
        }
        if findings.is_empty() {
            return;
        }
        let report = format!("{}:\n  {}", without_ids(&path), findings.join("\n  "));
        panic!("checks failed on {report}");
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// A path with its ids as `{id}`, so findings of one page are listed once.
fn without_ids(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.len() >= 32 && seg.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// An XPath string literal for any text (quotes included).
fn xpath_literal(text: &str) -> String {
    if !text.contains('\'') {
        format!("'{text}'")
    } else if !text.contains('"') {
        format!("\"{text}\"")
    } else {
        let parts: Vec<String> = text.split('\'').map(|p| format!("'{p}'")).collect();
        format!("concat({})", parts.join(", \"'\", "))
    }
}
