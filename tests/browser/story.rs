//! The programme's story through its pages, by every role: a zh-CN enterprise and an
//! en enterprise each register, apply and submit evidence; the secretariat registers
//! assessors and confirms the panels; the panel scores, the lead consolidates and sends to
//! review; the review panel votes; the secretariat issues the certificates; anyone
//! verifies them by number and by PDF. Every page on the way is checked (see `harness`).
//!
//! Steps today's pages do not offer yet go through the API or a fixture, each marked
//! `TODO(pages)` with the page that will replace it.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;

use certcase::domain::access::Role;
use futures_util::FutureExt;
use serde_json::{json, Value};

use crate::harness::Browser;
use crate::helpers::{credit_code, spawn_app, TestApp, TestUser};

const ZH: &str = "zh-CN";
const EN: &str = "en";

fn catalog(lang: &str) -> HashMap<String, String> {
    let text = match lang {
        ZH => include_str!("../../templates/i18n/zh-CN.toml"),
        _ => include_str!("../../templates/i18n/en.toml"),
    };
    toml::from_str(text).unwrap()
}

/// What a person reads on a button or link, in their language.
struct Words(HashMap<&'static str, HashMap<String, String>>);

impl Words {
    fn t(&self, lang: &str, key: &str) -> String {
        self.0[lang]
            .get(key)
            .unwrap_or_else(|| panic!("no message {key} in {lang}"))
            .clone()
    }
}

/// One enterprise's side of the story.
struct Applicant {
    lang: &'static str,
    user: TestUser,
    name: &'static str,
    code: String,
    part: &'static str,
    enterprise_id: String,
    application_path: String,
    certificate: String,
}

struct Story<'a> {
    app: &'a TestApp,
    words: Words,
    secretariat: TestUser,
    /// TODO(pages): only for the steps marked so below.
    sec_token: String,
    assessors: Vec<TestUser>,
    reviewers: Vec<TestUser>,
    round_name: HashMap<&'static str, String>,
}

#[tokio::test]
async fn the_programme_through_its_pages_in_chinese_and_in_english() {
    let app = spawn_app().await;
    let Some(mut b) = Browser::start(&app.address, "programme_story").await else {
        return;
    };
    let outcome = AssertUnwindSafe(whole_story(&app, &mut b))
        .catch_unwind()
        .await;
    b.after(outcome).await;
    b.close().await;
}

async fn whole_story(app: &TestApp, b: &mut Browser) {
    let s = Story::new(app).await;
    for lang in [ZH, EN] {
        s.anonymous_visitor_finds_verification(b, lang).await;
    }
    let mut applicants = vec![
        s.applicant(ZH, "北京喆堃科技有限公司", "CD").await,
        s.applicant(EN, "Shanghai Harbour Software Ltd", "TO").await,
    ];
    for a in &mut applicants {
        s.enterprise_registers(b, a).await;
    }
    for a in &applicants {
        s.secretariat_verifies_enterprise(a).await;
    }
    for a in &mut applicants {
        s.enterprise_applies_and_submits_evidence(b, a).await;
    }
    for a in &applicants {
        s.secretariat_accepts(a).await;
    }
    s.secretariat_registers_assessors(b, ZH, &applicants).await;
    s.secretariat_confirms_panels(b, EN).await;
    s.secretariat_forms_review_panel(b, ZH, &applicants).await;
    for a in &applicants {
        s.panel_scores(b, a).await;
        s.lead_consolidates_and_sends_to_review(b, a).await;
    }
    // Each enterprise's reviewer votes on the other enterprise's application.
    s.reviewer_votes(b, &s.reviewers[1], &applicants[0]).await;
    s.reviewer_votes(b, &s.reviewers[0], &applicants[1]).await;
    s.secretariat_issues_certificates(b, EN).await;
    for a in &mut applicants {
        s.enterprise_sees_certificate(b, a).await;
    }
    s.anyone_verifies_by_number(b, ZH, &applicants[0]).await;
    s.anyone_verifies_by_pdf(b, EN, &applicants[1]).await;
}

impl<'a> Story<'a> {
    async fn new(app: &'a TestApp) -> Story<'a> {
        // TODO(pages): the rounds page (create, publish) will make this round; today the
        // demo seed does, with CAICT as the assessors' organisation.
        let demo = app
            .conn(|c| certcase::workflow::demo::seed(c).unwrap())
            .await;
        let round_name = app
            .conn(|c| {
                let r = certcase::db::models::rounds::list(c).unwrap().remove(0);
                HashMap::from([(ZH, r.name_zh), (EN, r.name_en)])
            })
            .await;
        let secretariat = app.add_user("秘书处 王芳", &[Role::Secretariat]).await;
        let sec_token = app.api_token(&secretariat).await;
        // The demo's registered assessor may be proposed for a panel too.
        let mut assessors: Vec<TestUser> = demo
            .into_iter()
            .filter(|a| a.role == Role::Assessor)
            .map(|a| TestUser {
                email: a.email,
                password: a.password.unwrap(),
            })
            .collect();
        for name in ["李雷", "韩梅梅", "赵敏"] {
            assessors.push(app.add_user(name, &[Role::Assessor]).await);
        }
        let mut reviewers = Vec::new();
        for name in ["周强", "Jane Smith"] {
            reviewers.push(app.add_user(name, &[Role::Reviewer]).await);
        }
        Story {
            app,
            words: Words(HashMap::from([(ZH, catalog(ZH)), (EN, catalog(EN))])),
            secretariat,
            sec_token,
            assessors,
            reviewers,
            round_name,
        }
    }

    fn t(&self, lang: &str, key: &str) -> String {
        self.words.t(lang, key)
    }

    async fn applicant(
        &self,
        lang: &'static str,
        name: &'static str,
        part: &'static str,
    ) -> Applicant {
        let user = self
            .app
            .add_user(&format!("{name} 联系人"), &[Role::Enterprise])
            .await;
        let body = format!("91110108MA0{:06}", name.len() * 7919 % 1_000_000);
        Applicant {
            lang,
            user,
            name,
            code: credit_code(&body),
            part,
            enterprise_id: String::new(),
            application_path: String::new(),
            certificate: String::new(),
        }
    }

    /// Signed out, on the landing page, in `lang`.
    async fn signed_out_in(&self, b: &mut Browser, lang: &str) {
        b.open("/").await;
        for other in [ZH, EN] {
            let sign_out = self.t(other, "nav.sign_out");
            if b.text().await.contains(&sign_out) {
                b.press(&sign_out).await;
                break;
            }
        }
        if b.lang().await != lang {
            let current = b.lang().await;
            b.press(&self.t(&current, "nav.switch_language")).await;
        }
        assert_eq!(b.lang().await, lang);
    }

    /// Signs in through the login page, in `lang`.
    async fn sign_in(&self, b: &mut Browser, lang: &str, who: &TestUser) {
        self.signed_out_in(b, lang).await;
        b.follow(&self.t(lang, "nav.sign_in")).await;
        b.fill(&self.t(lang, "login.email"), &who.email).await;
        b.fill(&self.t(lang, "login.password"), &who.password).await;
        b.press(&self.t(lang, "login.submit")).await;
        b.sees(&self.t(lang, "nav.sign_out")).await;
    }

    async fn anonymous_visitor_finds_verification(&self, b: &mut Browser, lang: &str) {
        self.signed_out_in(b, lang).await;
        b.follow(&self.t(lang, "home.verify")).await;
        b.sees(&self.t(lang, "verify.number")).await;
    }

    async fn enterprise_registers(&self, b: &mut Browser, a: &mut Applicant) {
        let lang = a.lang;
        self.sign_in(b, lang, &a.user).await;
        b.typed_names.push(a.name.to_string());
        b.follow(&self.t(lang, "enterprise_pages.title")).await;
        b.fill("name_zh", a.name).await;
        b.fill("credit_code", &a.code).await;
        b.fill("address", "北京市海淀区花园北路52号").await;
        b.fill("contact_name", "张喆").await;
        b.fill("contact_email", "zhang.zhe@example.cn").await;
        b.fill("contact_phone", "010-62300000").await;
        b.press(&self.t(lang, "enterprise_pages.register")).await;
        b.sees(&a.code).await;
        let code = a.code.clone();
        a.enterprise_id = self
            .app
            .conn(move |c| {
                use certcase::db::schema::enterprises as e;
                use diesel::prelude::*;
                e::table
                    .filter(e::credit_code.eq(code))
                    .select(e::id)
                    .first::<String>(c)
                    .unwrap()
            })
            .await;
    }

    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, answer) = self
            .app
            .call_api(&self.sec_token, Some("en"), method, path, body)
            .await;
        assert!(status < 300, "{method} {path}: {status} {answer}");
        answer
    }

    async fn secretariat_verifies_enterprise(&self, a: &Applicant) {
        // TODO(pages): the enterprise verification queue page.
        self.api(
            "POST",
            &format!("/api/v1/enterprises/{}/verify", a.enterprise_id),
            None,
        )
        .await;
    }

    async fn enterprise_applies_and_submits_evidence(&self, b: &mut Browser, a: &mut Applicant) {
        let lang = a.lang;
        self.sign_in(b, lang, &a.user).await;
        b.follow(&self.t(lang, "application_pages.title")).await;
        b.choose("part_code", a.part).await;
        b.choose("target_level", "2").await;
        b.fill("scope", "核心交易系统的持续交付流水线").await;
        b.fill("contact_email", "zhang.zhe@example.cn").await;
        b.press(&self.t(lang, "application_pages.apply_button"))
            .await;
        a.application_path = b.path().await;
        assert!(
            a.application_path.starts_with("/applications/"),
            "{}",
            a.application_path
        );
        let evidence = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
        std::fs::write(evidence.path(), crate::story::tiny_pdf()).unwrap();
        b.pause_checks();
        for item in b.ids("section[id^=\"item-\"]").await {
            let form = format!("#{item} form[enctype=\"multipart/form-data\"]");
            b.attach_in(&form, "file", evidence.path()).await;
            b.fill_in(&form, "description", "流水线运行记录截图").await;
            b.press_in(&form, &self.t(lang, "evidence.upload")).await;
        }
        b.resume_checks().await;
        b.press(&self.t(lang, "application_pages.submit")).await;
        b.sees(&self.t(lang, "application_pages.state.submitted"))
            .await;
    }

    async fn secretariat_accepts(&self, a: &Applicant) {
        // TODO(pages): the accept/reject page of the application.
        let id = a.application_path.trim_start_matches("/applications/");
        self.api(
            "POST",
            &format!("/api/v1/applications/{id}/transitions"),
            Some(json!({"action": "accept"})),
        )
        .await;
    }

    async fn secretariat_registers_assessors(
        &self,
        b: &mut Browser,
        lang: &str,
        applicants: &[Applicant],
    ) {
        self.sign_in(b, lang, &self.secretariat).await;
        let parts: Vec<&str> = applicants.iter().map(|a| a.part).collect();
        // The demo assessor is in the registry already.
        for (n, assessor) in self.assessors.iter().enumerate().skip(1) {
            b.follow(&self.t(lang, "assessor.registry")).await;
            let form = "form[action=\"/assessors\"]";
            b.choose_in(form, "user_id", &user_id(self.app, assessor).await)
                .await;
            b.fill_in(
                form,
                "certification_number",
                &format!("CAICT-DEVOPS-A-01{n:02}"),
            )
            .await;
            b.set_in(form, "certification_expires_on", "2099-12-31")
                .await;
            b.fill_in(form, "parts", &parts.join(", ")).await;
            b.press_in(form, &self.t(lang, "assessor.save")).await;
        }
    }

    async fn secretariat_confirms_panels(&self, b: &mut Browser, lang: &str) {
        self.sign_in(b, lang, &self.secretariat).await;
        b.follow(&self.t(lang, "nav.rounds")).await;
        b.follow(&self.round_name[lang]).await;
        b.follow(&self.t(lang, "panel.board")).await;
        b.press(&self.t(lang, "panel.confirm")).await;
    }

    async fn panel_scores(&self, b: &mut Browser, a: &Applicant) {
        let lang = a.lang;
        for assessor in &self.assessors {
            self.sign_in(b, lang, assessor).await;
            b.follow(&self.t(lang, "panel.my_applications")).await;
            if !b.has_link(a.name).await {
                continue;
            }
            b.follow(a.name).await;
            b.screenshot_for_readme("scoring").await;
            b.pause_checks();
            for form in b.forms_with_action("/scores/").await {
                b.choose_in(&form, "level", "2").await;
                b.fill_in(&form, "comment", "证据与二级要求一致").await;
                b.press_in(&form, &self.t(lang, "scoring.submit")).await;
            }
            b.resume_checks().await;
        }
    }

    async fn lead_consolidates_and_sends_to_review(&self, b: &mut Browser, a: &Applicant) {
        let lang = a.lang;
        // The board's proposal names the lead; whoever it is finds the consolidation form.
        for assessor in &self.assessors {
            self.sign_in(b, lang, assessor).await;
            b.follow(&self.t(lang, "panel.my_applications")).await;
            if !b.has_link(a.name).await {
                continue;
            }
            b.follow(a.name).await;
            let forms = b.forms_with_action("/consolidation").await;
            let Some(form) = forms.first() else { continue };
            for select in b.names_in(form, "select").await {
                b.choose_in(form, &select, "2").await;
                let item = select.trim_start_matches("level_");
                b.fill_in(form, &format!("rationale_{item}"), "三位评估员意见一致")
                    .await;
            }
            b.press_in(form, &self.t(lang, "scoring.consolidate")).await;
            b.press(&self.t(lang, "scoring.send_to_review")).await;
            return;
        }
        panic!("no assessor of {} could consolidate", a.part);
    }

    async fn secretariat_forms_review_panel(
        &self,
        b: &mut Browser,
        lang: &str,
        applicants: &[Applicant],
    ) {
        self.sign_in(b, lang, &self.secretariat).await;
        b.follow(&self.t(lang, "nav.rounds")).await;
        b.follow(&self.round_name[lang]).await;
        let form = "form[action$=\"/review-panel\"]";
        for (reviewer, applicant) in self.reviewers.iter().zip(applicants) {
            let id = user_id(self.app, reviewer).await;
            b.tick("member", &id).await;
            b.choose_in(form, &format!("enterprise_{id}"), &applicant.enterprise_id)
                .await;
        }
        b.fill_in(form, "quorum", "1").await;
        b.press_in(form, &self.t(lang, "review_panel.save")).await;
    }

    async fn reviewer_votes(&self, b: &mut Browser, reviewer: &TestUser, a: &Applicant) {
        let lang = a.lang;
        self.sign_in(b, lang, reviewer).await;
        b.follow(&self.t(lang, "panels.my_reviews")).await;
        b.follow(a.name).await;
        b.screenshot_for_readme("review").await;
        b.tick("vote", "approve").await;
        b.press(&self.t(lang, "review.vote")).await;
    }

    async fn secretariat_issues_certificates(&self, b: &mut Browser, lang: &str) {
        self.sign_in(b, lang, &self.secretariat).await;
        // The task list (home page after sign-in) counts the approved results to issue.
        b.open("/").await;
        b.screenshot_for_readme("tasks").await;
        b.follow(&self.t(lang, "nav.rounds")).await;
        b.follow(&self.round_name[lang]).await;
        b.press(&self.t(lang, "cert.issue")).await;
        b.sees(&format!("2 {}", self.t(lang, "cert.outcome.issued")))
            .await;
    }

    async fn enterprise_sees_certificate(&self, b: &mut Browser, a: &mut Applicant) {
        let lang = a.lang;
        self.sign_in(b, lang, &a.user).await;
        b.follow(&self.t(lang, "application_pages.title")).await;
        b.follow(a.name).await;
        let heading = b.find_css("#certificate h2").await.text().await.unwrap();
        a.certificate = heading.split_whitespace().last().unwrap().to_string();
    }

    async fn anyone_verifies_by_number(&self, b: &mut Browser, lang: &str, a: &Applicant) {
        self.signed_out_in(b, lang).await;
        b.follow(&self.t(lang, "home.verify")).await;
        b.fill(&self.t(lang, "verify.number"), &a.certificate).await;
        b.press(&self.t(lang, "verify.check")).await;
        b.sees(&self.t(lang, "verify.state.valid")).await;
        b.sees(a.name).await;
        b.screenshot_for_readme("verify").await;
    }

    async fn anyone_verifies_by_pdf(&self, b: &mut Browser, lang: &str, a: &Applicant) {
        // TODO(pages): the certificate link on the application page. Headless Chromium's
        // downloads are not read back: the enterprise's own session fetches the same file.
        let session = self.app.signed_in(&a.user).await;
        let pdf = session
            .get(
                self.app
                    .url(&format!("/certificates/{}.pdf", a.certificate)),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), 200);
        let bytes = pdf.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF"), "the certificate is no PDF");
        let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
        std::fs::write(file.path(), bytes).unwrap();
        self.signed_out_in(b, lang).await;
        b.follow(&self.t(lang, "home.verify")).await;
        let form = "form[enctype=\"multipart/form-data\"]";
        b.attach_in(form, "pdf", file.path()).await;
        b.press_in(form, &self.t(lang, "verify.check")).await;
        b.sees(&self.t(lang, "verify.state.valid")).await;
        b.sees(&a.certificate).await;
    }
}

async fn user_id(app: &TestApp, u: &TestUser) -> String {
    let email = u.email.clone();
    app.conn(move |c| {
        certcase::db::models::users::find_by_email(
            c,
            &certcase::domain::account::Email::parse(&email).unwrap(),
        )
        .unwrap()
        .unwrap()
        .id
        .to_string()
    })
    .await
}

/// A one-page PDF, small enough for every evidence rule.
pub fn tiny_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n".to_vec()
}
