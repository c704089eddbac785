//! The programme's story through its pages, by every role, and nothing but its pages:
//! the secretariat keeps the holiday calendar, creates and publishes a round; a zh-CN
//! enterprise and an en enterprise each register, are verified, apply and submit evidence
//! (a third, small application is rejected with a reason); the secretariat accepts the
//! others, registers the assessors with an employment record, chooses one panel by hand
//! and confirms the other from the round's proposal; the lead asks for a clarification,
//! the enterprise answers with a new evidence version and the panel sees it; the panel
//! scores, the lead consolidates and sends to review; the review panel votes; the
//! secretariat issues the certificates; anyone verifies them by number and by the PDF
//! downloaded from the application page; one is revoked, and /verify and the enterprise's
//! application say so. The other lives on: the secretariat suspends it, the enterprise
//! appeals the suspension, a panel of people who took no part upholds the appeal, which
//! reinstates the certificate; the secretariat later narrows its scope (a successor
//! supersedes it), and the public directory lists the successor. The successor is
//! surveilled: the secretariat plans a surveillance of one item ticked among its part's
//! items and assigns an assessor chosen among those who are not conflicted, the
//! enterprise uploads evidence for the item, the assessor scores it, the secretariat
//! concludes "maintain" and /verify lists it in the history. The secretariat creates and
//! publishes a next round; the enterprise follows "apply for re-assessment" from its
//! application page to the application form, filled with the certificate's number,
//! applies in the next round and submits, and the new application says which certificate
//! it renews. A member of the public
//! files a complaint, confirms it through the mailed link, and reads the secretariat's
//! answer through the private link. Every page on the way is checked (see `harness`).
//!
//! Only the accounts (made with the CLI `user` in real life) and the ids behind the
//! choices of a select come from the test's side.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;

use certcase::domain::access::Role;
use chrono::{Duration, NaiveDate};
use futures_util::FutureExt;

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
    /// The certificate as downloaded from the application page.
    certificate_pdf: Vec<u8>,
    /// Ticks the public directory's consent on applying.
    in_directory: bool,
}

/// An assessor and the organisation the secretariat registers them with.
struct Assessor {
    user: TestUser,
    organisation: &'static str,
}

const CAICT: &str = "中国信息通信研究院";

const SUSPENSION: &str = "监督审核发现流水线日志缺失，暂停至整改完成";
const APPEAL: &str = "缺失的日志已于监督审核次日补交，暂停缺乏依据";
const APPEAL_DECISION: &str = "补交的日志完整，暂停决定撤销";
const NARROWER: &str = "核心交易系统的持续交付流水线（不含移动端）";
const NARROWER_EN: &str =
    "Continuous delivery pipeline of the core trading system, mobile excluded";
const COMPLAINANT: &str = "liu.yang@example.cn";
const COMPLAINT: &str = "该企业宣传的认证范围包含移动端，超出证书所列范围";
const COMPLAINT_ANSWER: &str = "经核实，企业已更正宣传内容，证书范围以查验页面为准";
const EXTERNAL: &str = "上海软件评测中心";

struct Story<'a> {
    app: &'a TestApp,
    words: Words,
    secretariat: TestUser,
    /// The first is the zh-CN applicant's lead; the last once worked for that applicant.
    assessors: Vec<Assessor>,
    reviewers: Vec<TestUser>,
    /// A reviewer on no panel of the round: free to sit on an appeal panel.
    appeal_member: TestUser,
    round_name: HashMap<&'static str, String>,
    /// The round the zh-CN enterprise applies in for the renewal of its certificate.
    next_round_name: HashMap<&'static str, String>,
    /// The day the story runs, in Beijing.
    today: NaiveDate,
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
    s.secretariat_creates_round(b, ZH, &s.round_name, &["CD", "TO", "SEC"])
        .await;
    s.secretariat_marks_closed_day(b, ZH).await;
    s.secretariat_publishes_round(b, EN, &s.round_name).await;
    let mut applicants = vec![
        s.applicant(ZH, "北京喆堃科技有限公司", "CD").await,
        s.applicant(EN, "Shanghai Harbour Software Ltd", "TO").await,
    ];
    for a in &mut applicants {
        s.enterprise_registers(b, a).await;
    }
    s.secretariat_verifies_enterprises(b, ZH, &applicants).await;
    for a in &mut applicants {
        a.application_path = s
            .enterprise_applies_and_submits_evidence(b, a, a.part)
            .await;
    }
    // The en enterprise applies for a part outside its scope too, and is told why not.
    let small = s
        .enterprise_applies_and_submits_evidence(b, &applicants[1], "SEC")
        .await;
    s.secretariat_rejects(b, ZH, &small).await;
    s.enterprise_reads_rejection(b, &applicants[1], &small)
        .await;
    for a in &applicants {
        s.secretariat_accepts(b, EN, a).await;
    }
    s.secretariat_registers_assessors(b, ZH, &applicants).await;
    s.secretariat_chooses_panel(b, ZH, &applicants[0]).await;
    s.secretariat_confirms_panels(b, EN).await;
    s.secretariat_forms_review_panel(b, ZH, &applicants).await;
    s.lead_asks_for_clarification(b, &applicants[0]).await;
    s.enterprise_answers_with_new_evidence(b, &applicants[0])
        .await;
    s.panel_reads_answer(b, &applicants[0]).await;
    for a in &applicants {
        s.panel_scores(b, a).await;
        s.lead_consolidates_and_sends_to_review(b, a).await;
    }
    // Each enterprise's reviewer votes on the other enterprise's application.
    s.reviewer_votes(b, &s.reviewers[1], &applicants[0]).await;
    s.reviewer_votes(b, &s.reviewers[0], &applicants[1]).await;
    s.secretariat_issues_certificates(b, EN).await;
    for a in &mut applicants {
        s.enterprise_downloads_certificate(b, a).await;
    }
    s.secretariat_pages_round_certificates(b, ZH, &applicants)
        .await;
    s.anyone_verifies_by_number(b, ZH, &applicants[0]).await;
    s.anyone_verifies_by_pdf(b, EN, &applicants[1], "verify.state.valid")
        .await;
    s.secretariat_revokes(b, ZH, &applicants[1]).await;
    s.anyone_sees_revoked_by_number(b, ZH, &applicants[1]).await;
    s.anyone_verifies_by_pdf(b, EN, &applicants[1], "verify.state.revoked")
        .await;
    s.enterprise_sees_revocation(b, &applicants[1]).await;
    certificate_life(&s, b, &mut applicants[0]).await;
    surveillance_story(&s, b, &applicants[0]).await;
    renewal_story(&s, b, &applicants[0]).await;
    complaint_story(&s, b, &applicants[0]).await;
}

/// The successor certificate's surveillance of one selected item, concluded "maintain".
async fn surveillance_story(s: &Story<'_>, b: &mut Browser, a: &Applicant) {
    let (surveillance, item) = s.secretariat_plans_surveillance(b, ZH, a).await;
    s.secretariat_assigns_surveillance(b, EN, &surveillance)
        .await;
    s.enterprise_uploads_surveillance_evidence(b, a, &item)
        .await;
    s.assessor_scores_surveillance(b, &surveillance, &item)
        .await;
    s.secretariat_concludes_surveillance(b, ZH, &surveillance)
        .await;
    for lang in [EN, ZH] {
        s.anyone_sees_surveillance_in_history(b, lang, a).await;
    }
}

/// A next round, and in it the zh-CN enterprise's application that renews its certificate.
async fn renewal_story(s: &Story<'_>, b: &mut Browser, a: &Applicant) {
    s.secretariat_creates_round(b, EN, &s.next_round_name, &[a.part])
        .await;
    let round = s
        .secretariat_publishes_round(b, ZH, &s.next_round_name)
        .await;
    s.enterprise_applies_for_renewal(b, a, &round).await;
}

/// The zh-CN applicant's certificate: suspended, appealed, reinstated, narrowed, listed.
async fn certificate_life(s: &Story<'_>, b: &mut Browser, a: &mut Applicant) {
    s.secretariat_suspends(b, EN, a).await;
    for lang in [ZH, EN] {
        s.anyone_sees_suspension(b, lang, a).await;
    }
    let appeal = s.enterprise_appeals_suspension(b, a).await;
    s.secretariat_forms_appeal_panel(b, EN, &appeal).await;
    s.appeal_panel_upholds(b, ZH, &appeal).await;
    s.secretariat_finds_reinstated(b, ZH, a).await;
    s.anyone_sees_reinstatement(b, EN, a).await;
    let old = a.certificate.clone();
    s.secretariat_reduces_scope(b, ZH, a).await;
    for lang in [EN, ZH] {
        s.anyone_sees_supersession(b, lang, &old, a).await;
    }
    for lang in [ZH, EN] {
        s.anyone_finds_in_directory(b, lang, a, &old).await;
    }
    // In English: the notifications are bilingual mails, whose English half a zh-CN page
    // would show as untranslated text.
    s.enterprise_searches_inbox(b, EN, a).await;
}

/// A complaint about `about`'s certificate, from the public form to the answer.
async fn complaint_story(s: &Story<'_>, b: &mut Browser, about: &Applicant) {
    let private_link = s.public_files_and_confirms_complaint(b, ZH, about).await;
    s.secretariat_triages_and_answers_complaint(b, EN).await;
    for lang in [ZH, EN] {
        s.complainant_reads_answer(b, lang, &private_link).await;
    }
}

impl<'a> Story<'a> {
    async fn new(app: &'a TestApp) -> Story<'a> {
        let secretariat = app.add_user("秘书处 王芳", &[Role::Secretariat]).await;
        let mut assessors = Vec::new();
        for (name, organisation) in [
            ("王堃", CAICT),
            ("李雷", CAICT),
            ("韩梅梅", EXTERNAL),
            ("赵敏", EXTERNAL),
        ] {
            assessors.push(Assessor {
                user: app.add_user(name, &[Role::Assessor]).await,
                organisation,
            });
        }
        let mut reviewers = Vec::new();
        for name in ["周强", "Jane Smith"] {
            reviewers.push(app.add_user(name, &[Role::Reviewer]).await);
        }
        let today = chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive();
        let year = today.format("%Y");
        Story {
            app,
            words: Words(HashMap::from([(ZH, catalog(ZH)), (EN, catalog(EN))])),
            secretariat,
            assessors,
            reviewers,
            appeal_member: app.add_user("陈静", &[Role::Reviewer]).await,
            round_name: HashMap::from([
                (
                    ZH,
                    format!("{year}年研发运营一体化能力成熟度评估（第二批）"),
                ),
                (
                    EN,
                    format!("DevOps Capability Maturity Assessment {year}, second batch"),
                ),
            ]),
            next_round_name: HashMap::from([
                (ZH, format!("{year}年研发运营一体化能力成熟度复评")),
                (
                    EN,
                    format!("DevOps Capability Maturity Re-assessment {year}"),
                ),
            ]),
            today,
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
            certificate_pdf: Vec::new(),
            in_directory: lang == ZH,
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

    /// The registration window runs from a week ago to 45 days on, over the closed day the
    /// calendar keeps two weeks on (a round made later in the story has it too, so the
    /// window is open today); the assessment follows.
    async fn secretariat_creates_round(
        &self,
        b: &mut Browser,
        lang: &str,
        name: &HashMap<&'static str, String>,
        parts: &[&str],
    ) {
        self.sign_in(b, lang, &self.secretariat).await;
        b.typed_names.push(name[EN].clone());
        b.follow(&self.t(lang, "nav.rounds")).await;
        b.follow(&self.t(lang, "round_form.new_title")).await;
        let form = "form[action=\"/rounds/new\"]";
        b.tick("model_version_id", &self.app.caict_version().await)
            .await;
        b.fill_in(form, "name_zh", &name[ZH]).await;
        b.fill_in(form, "name_en", &name[EN]).await;
        let day = |days: i64| (self.today + Duration::days(days)).to_string();
        for (field, date) in [
            ("registration_opens", day(-7)),
            ("registration_closes", day(45)),
            ("assessment_starts", day(60)),
            ("assessment_ends", day(110)),
            ("results_on", day(140)),
        ] {
            b.set_in(form, field, &date).await;
        }
        for part in parts {
            b.tick("part", part).await;
        }
        b.press_in(form, &self.t(lang, "round_form.save_draft"))
            .await;
        b.sees(&self.t(lang, "rounds.draft_note")).await;
    }

    /// A day the assessment centre is closed, inside the registration window: the round's
    /// calendar shows it.
    async fn secretariat_marks_closed_day(&self, b: &mut Browser, lang: &str) {
        self.sign_in(b, lang, &self.secretariat).await;
        let closed = self.today + Duration::days(14);
        let year = closed.format("%Y").to_string();
        b.follow(&self.t(lang, "nav.calendars")).await;
        // The year is listed as kept, or as one the round needs: its link is the same.
        b.follow_to(&format!("/calendars/{year}")).await;
        let form = "#day-form";
        b.set_in(form, "date", &closed.to_string()).await;
        b.tick("kind", "closed").await;
        b.fill_in(form, "name_zh", "评估中心闭馆日").await;
        b.fill_in(form, "name_en", "Assessment centre closed").await;
        b.press_in(form, &self.t(lang, "calendar.save_day")).await;
        b.sees("评估中心闭馆日").await;
        b.follow(&self.t(lang, "nav.rounds")).await;
        b.follow(&self.round_name[lang]).await;
        b.sees("评估中心闭馆日").await;
    }

    /// The round's page shows the closed day in its window; published, the round's path.
    async fn secretariat_publishes_round(
        &self,
        b: &mut Browser,
        lang: &str,
        name: &HashMap<&'static str, String>,
    ) -> String {
        self.sign_in(b, lang, &self.secretariat).await;
        b.follow(&self.t(lang, "nav.rounds")).await;
        b.follow(&name[lang]).await;
        b.sees(if lang == ZH {
            "评估中心闭馆日"
        } else {
            "Assessment centre closed"
        })
        .await;
        let path = b.path().await;
        b.press(&self.t(lang, "rounds.publish")).await;
        let draft = self.t(lang, "rounds.draft_note");
        assert!(
            !b.text().await.contains(&draft),
            "the round is still a draft"
        );
        path
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

    async fn secretariat_verifies_enterprises(
        &self,
        b: &mut Browser,
        lang: &str,
        applicants: &[Applicant],
    ) {
        self.sign_in(b, lang, &self.secretariat).await;
        for a in applicants {
            b.follow(&self.t(lang, "enterprise_queue.nav")).await;
            b.sees(&a.code).await;
            let form = format!("form[action=\"/enterprises/{}/verify\"]", a.enterprise_id);
            b.press_in(&form, &self.t(lang, "enterprise_queue.verify"))
                .await;
            assert!(!b.has_css(&form).await, "{} still waits", a.name);
        }
    }

    /// Applies for `part` in the round, uploads a file for every item and submits; the
    /// application's path.
    async fn enterprise_applies_and_submits_evidence(
        &self,
        b: &mut Browser,
        a: &Applicant,
        part: &str,
    ) -> String {
        self.sign_in(b, a.lang, &a.user).await;
        b.follow(&self.t(a.lang, "application_pages.title")).await;
        self.apply_and_submit_evidence(b, a, part, "form[id^=\"apply-\"]")
            .await
    }

    /// On the application list's form `form` (one round's): applies for `part`, uploads a
    /// file for every item and submits; the application's path.
    async fn apply_and_submit_evidence(
        &self,
        b: &mut Browser,
        a: &Applicant,
        part: &str,
        form: &str,
    ) -> String {
        let lang = a.lang;
        b.choose_in(form, "part_code", part).await;
        b.choose_in(form, "target_level", "2").await;
        b.fill_in(form, "scope", "核心交易系统的持续交付流水线")
            .await;
        b.fill_in(form, "contact_email", "zhang.zhe@example.cn")
            .await;
        if a.in_directory && part == a.part {
            b.tick_in(form, "directory_consent", "yes").await;
        }
        b.press_in(form, &self.t(lang, "application_pages.apply_button"))
            .await;
        let path = b.path().await;
        assert!(path.starts_with("/applications/"), "{path}");
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
        path
    }

    /// Opens an application from the secretariat's list of all applications.
    async fn secretariat_opens(&self, b: &mut Browser, lang: &str, path: &str) {
        self.sign_in(b, lang, &self.secretariat).await;
        b.follow(&self.t(lang, "application_pages.title")).await;
        b.follow_to(path).await;
    }

    async fn secretariat_rejects(&self, b: &mut Browser, lang: &str, path: &str) {
        self.secretariat_opens(b, lang, path).await;
        let form = "#secretariat form[action$=\"/reject\"]";
        b.fill_in(form, "reject_reason", "安全部分不在本批次受理范围内")
            .await;
        b.press_in(form, &self.t(lang, "application_pages.reject"))
            .await;
        b.sees(&self.t(lang, "application_pages.state.rejected"))
            .await;
    }

    async fn enterprise_reads_rejection(&self, b: &mut Browser, a: &Applicant, path: &str) {
        let lang = a.lang;
        self.sign_in(b, lang, &a.user).await;
        b.follow(&self.t(lang, "application_pages.title")).await;
        b.follow_to(path).await;
        b.sees(&self.t(lang, "application_pages.state.rejected"))
            .await;
        b.sees("安全部分不在本批次受理范围内").await;
    }

    async fn secretariat_accepts(&self, b: &mut Browser, lang: &str, a: &Applicant) {
        self.secretariat_opens(b, lang, &a.application_path).await;
        b.press_in("#secretariat", &self.t(lang, "application_pages.accept"))
            .await;
        b.sees(&self.t(lang, "application_pages.state.accepted"))
            .await;
    }

    /// Two organisations, the four assessors, and the last assessor's former employment
    /// at the zh-CN applicant, which keeps them off its panel.
    async fn secretariat_registers_assessors(
        &self,
        b: &mut Browser,
        lang: &str,
        applicants: &[Applicant],
    ) {
        self.sign_in(b, lang, &self.secretariat).await;
        b.typed_names.push(EXTERNAL.to_string());
        for (name, kind) in [(CAICT, "caict"), (EXTERNAL, "external")] {
            b.follow(&self.t(lang, "assessor.registry")).await;
            let form = "form[action=\"/assessors/organisations\"]";
            b.fill_in(form, "name", name).await;
            b.choose_in(form, "kind", kind).await;
            b.press_in(form, &self.t(lang, "assessor.save")).await;
            b.sees(name).await;
        }
        let parts: Vec<&str> = applicants.iter().map(|a| a.part).collect();
        for (n, assessor) in self.assessors.iter().enumerate() {
            b.follow(&self.t(lang, "assessor.registry")).await;
            let form = "form[action=\"/assessors\"]";
            b.choose_in(form, "user_id", &user_id(self.app, &assessor.user).await)
                .await;
            b.choose_shown_in(form, "organisation_id", assessor.organisation)
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
        let former = self.assessors.last().unwrap();
        let form = "form[action=\"/assessors/employment\"]";
        b.follow(&self.t(lang, "assessor.registry")).await;
        b.choose_in(form, "user_id", &user_id(self.app, &former.user).await)
            .await;
        b.fill_in(form, "enterprise", &applicants[0].code).await;
        b.set_in(form, "from", "2019-03-01").await;
        let left = self.today - Duration::days(200);
        b.set_in(form, "until", &left.to_string()).await;
        b.press_in(form, &self.t(lang, "assessor.save")).await;
        let row = b.text_of("table tbody").await;
        assert!(
            row.contains(applicants[0].name),
            "no employment at {} in the registry:\n{row}",
            applicants[0].name
        );
    }

    /// The zh-CN applicant's panel, chosen by hand: the first three assessors, the first
    /// leading; the former employee is shown but cannot be chosen.
    async fn secretariat_chooses_panel(&self, b: &mut Browser, lang: &str, a: &Applicant) {
        self.secretariat_opens(b, lang, &a.application_path).await;
        b.follow(&self.t(lang, "application_pages.panel")).await;
        let former = user_id(self.app, &self.assessors[3].user).await;
        assert!(
            !b.has_css(&format!("input[name=\"member\"][value=\"{former}\"]"))
                .await,
            "a former employee of {} may sit on its panel",
            a.name
        );
        for assessor in &self.assessors[..3] {
            b.tick("member", &user_id(self.app, &assessor.user).await)
                .await;
        }
        b.tick("lead", &user_id(self.app, &self.assessors[0].user).await)
            .await;
        b.press(&self.t(lang, "panel_page.save")).await;
        b.sees(&self.t(lang, "application_pages.state.in_assessment"))
            .await;
    }

    /// The round's proposal seats the rest of its accepted applications.
    async fn secretariat_confirms_panels(&self, b: &mut Browser, lang: &str) {
        self.sign_in(b, lang, &self.secretariat).await;
        b.follow(&self.t(lang, "nav.rounds")).await;
        b.follow(&self.round_name[lang]).await;
        b.follow(&self.t(lang, "panel.board")).await;
        b.press(&self.t(lang, "panel.confirm_page")).await;
    }

    /// The assessment page of `a`, as `who` finds it in their list.
    async fn assessor_opens(&self, b: &mut Browser, who: &TestUser, a: &Applicant) {
        self.sign_in(b, a.lang, who).await;
        b.follow(&self.t(a.lang, "panel.my_applications")).await;
        b.follow(a.name).await;
    }

    async fn lead_asks_for_clarification(&self, b: &mut Browser, a: &Applicant) {
        let lang = a.lang;
        self.assessor_opens(b, &self.assessors[0].user, a).await;
        let item = b.ids("div.item[id^=\"item-\"]").await.remove(0);
        let item = item.trim_start_matches("item-");
        let form = "form[action$=\"/clarifications\"]";
        b.tick("items", item).await;
        b.fill_in(form, "message", "请补充流水线近三个月的原始运行日志")
            .await;
        let deadline = self.today + Duration::days(7);
        b.set_in(form, "deadline", &deadline.to_string()).await;
        b.press_in(form, &self.t(lang, "panels.send_request")).await;
        b.sees("请补充流水线近三个月的原始运行日志").await;
        b.sees(&self.t(lang, "panels.waiting_answer")).await;
    }

    async fn enterprise_answers_with_new_evidence(&self, b: &mut Browser, a: &Applicant) {
        let lang = a.lang;
        self.sign_in(b, lang, &a.user).await;
        b.follow(&self.t(lang, "application_pages.title")).await;
        b.follow_to(&a.application_path).await;
        b.sees("请补充流水线近三个月的原始运行日志").await;
        let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
        std::fs::write(file.path(), crate::story::tiny_pdf()).unwrap();
        let upload = "#clarifications form[enctype=\"multipart/form-data\"]";
        b.attach_in(upload, "file", file.path()).await;
        b.fill_in(upload, "description", "近三个月原始运行日志")
            .await;
        b.press_in(upload, &self.t(lang, "evidence.upload")).await;
        b.sees("近三个月原始运行日志").await;
        let answer = "form[action$=\"/clarification-answers\"]";
        b.fill_in(answer, "answer", "已上传原始日志，见新版本证据")
            .await;
        b.press_in(answer, &self.t(lang, "panels.send_answer"))
            .await;
        b.sees("已上传原始日志，见新版本证据").await;
    }

    /// A member of the panel reads the answer and finds the new version of the evidence.
    async fn panel_reads_answer(&self, b: &mut Browser, a: &Applicant) {
        self.assessor_opens(b, &self.assessors[1].user, a).await;
        b.sees("已上传原始日志，见新版本证据").await;
        b.sees(&self.t(a.lang, "panels.answered")).await;
        b.sees(&self.t(a.lang, "evidence.superseded")).await;
        b.sees("v2").await;
    }

    async fn panel_scores(&self, b: &mut Browser, a: &Applicant) {
        let lang = a.lang;
        for assessor in &self.assessors {
            self.sign_in(b, lang, &assessor.user).await;
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
            self.sign_in(b, lang, &assessor.user).await;
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
            b.fill_in(form, &format!("enterprise_{id}"), &applicant.code)
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

    /// The round page counts the round's certificates and lists them a page at a time. A
    /// page of one (`limit=1`; a person sees fifty) makes two pages of the two, to follow
    /// the pager forward and back.
    async fn secretariat_pages_round_certificates(
        &self,
        b: &mut Browser,
        lang: &str,
        applicants: &[Applicant],
    ) {
        let mut numbers: Vec<&str> = applicants.iter().map(|a| a.certificate.as_str()).collect();
        numbers.sort();
        self.sign_in(b, lang, &self.secretariat).await;
        b.follow(&self.t(lang, "nav.rounds")).await;
        b.follow(&self.round_name[lang]).await;
        let listed = b.text_of("#round-certificates").await;
        assert!(
            listed.contains(&format!("({})", numbers.len()))
                && numbers.iter().all(|n| listed.contains(n)),
            "the round page does not count and list {numbers:?}: {listed}"
        );
        let round = b.path().await;
        b.open(&format!("{round}?limit=1")).await;
        let mut seen = Vec::new();
        for step in ["", "listing.next", "listing.previous"] {
            if !step.is_empty() {
                b.follow(&self.t(lang, step)).await;
            }
            let listed = b.text_of("#round-certificates").await;
            let on_page: Vec<&str> = numbers
                .iter()
                .copied()
                .filter(|n| listed.contains(n))
                .collect();
            seen.push(on_page);
        }
        assert_eq!(
            seen,
            [vec![numbers[0]], vec![numbers[1]], vec![numbers[0]]],
            "one certificate a page, in number order, forward and back"
        );
    }

    /// The enterprise finds its certificate on the application page and downloads the
    /// PDF from its link.
    async fn enterprise_downloads_certificate(&self, b: &mut Browser, a: &mut Applicant) {
        let lang = a.lang;
        self.sign_in(b, lang, &a.user).await;
        b.follow(&self.t(lang, "application_pages.title")).await;
        b.follow_to(&a.application_path).await;
        let heading = b.text_of("#certificate h2").await;
        a.certificate = heading.split_whitespace().last().unwrap().to_string();
        let href = b
            .href_of(&self.t(lang, "application_pages.certificate_pdf"))
            .await;
        a.certificate_pdf = b.fetch_as_browser(&href).await;
        assert!(
            a.certificate_pdf.starts_with(b"%PDF"),
            "the certificate of {} is no PDF",
            a.name
        );
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

    /// Uploads the downloaded PDF on /verify; the verdict is `state` (a message key).
    async fn anyone_verifies_by_pdf(
        &self,
        b: &mut Browser,
        lang: &str,
        a: &Applicant,
        state: &str,
    ) {
        let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
        std::fs::write(file.path(), &a.certificate_pdf).unwrap();
        self.signed_out_in(b, lang).await;
        b.follow(&self.t(lang, "home.verify")).await;
        let form = "form[enctype=\"multipart/form-data\"]";
        b.attach_in(form, "pdf", file.path()).await;
        b.press_in(form, &self.t(lang, "verify.check")).await;
        b.sees(&self.t(lang, state)).await;
        b.sees(&a.certificate).await;
    }

    /// From the application page, with a reason, after a confirmation page; the
    /// certificate's verification page follows.
    async fn secretariat_revokes(&self, b: &mut Browser, lang: &str, a: &Applicant) {
        self.secretariat_opens(b, lang, &a.application_path).await;
        b.fill_in("#revoke", "reason", "企业申请注销，证书不再使用")
            .await;
        b.press_in("#revoke", &self.t(lang, "cert.revoke")).await;
        b.sees(&self.t(lang, "verify.state.revoked")).await;
    }

    async fn anyone_sees_revoked_by_number(&self, b: &mut Browser, lang: &str, a: &Applicant) {
        self.signed_out_in(b, lang).await;
        b.follow(&self.t(lang, "home.verify")).await;
        b.fill(&self.t(lang, "verify.number"), &a.certificate).await;
        b.press(&self.t(lang, "verify.check")).await;
        b.sees(&self.t(lang, "verify.state.revoked")).await;
        b.sees("企业申请注销，证书不再使用").await;
        assert!(
            b.has_css(".verdict-revoked").await,
            "a revoked certificate looks like a valid one"
        );
    }

    async fn enterprise_sees_revocation(&self, b: &mut Browser, a: &Applicant) {
        let lang = a.lang;
        self.sign_in(b, lang, &a.user).await;
        b.follow(&self.t(lang, "application_pages.title")).await;
        b.follow_to(&a.application_path).await;
        b.sees(&self.t(lang, "application_pages.certificate_revoked"))
            .await;
        b.sees("企业申请注销，证书不再使用").await;
    }

    /// Until a month from now, with a reason, after a confirmation page that names both;
    /// the certificate's verification page follows.
    async fn secretariat_suspends(&self, b: &mut Browser, lang: &str, a: &Applicant) {
        self.secretariat_opens(b, lang, &a.application_path).await;
        let until = (self.today + Duration::days(30)).to_string();
        b.set_in("#suspend", "suspend_until", &until).await;
        b.fill_in("#suspend", "suspend_reason", SUSPENSION).await;
        b.press_in("#suspend", &self.t(lang, "cert.suspend")).await;
        b.sees(&self.t(lang, "verify.state.suspended")).await;
        b.sees(&a.certificate).await;
    }

    /// /verify by number: suspended, since today, until the day chosen, and why; the
    /// history lists the issuance and the suspension.
    async fn anyone_sees_suspension(&self, b: &mut Browser, lang: &str, a: &Applicant) {
        self.verify_number(b, lang, &a.certificate).await;
        b.sees(&self.t(lang, "verify.state.suspended")).await;
        b.sees(&self.t(lang, "verify.status.suspended")).await;
        b.sees(SUSPENSION).await;
        assert!(
            b.has_css(".verdict-suspended").await,
            "a suspended certificate looks like a valid one"
        );
        let suspension = b.text_of(".suspension").await;
        let until = self.today + Duration::days(30);
        let shown = match lang {
            ZH => until.format("%Y年%-m月%-d日").to_string(),
            _ => until.format("%-d %b %Y").to_string(),
        };
        assert!(
            suspension.contains(&shown),
            "the suspension does not end on {shown}: {suspension}"
        );
        let history = b.text_of("#history").await;
        for kind in ["issued", "suspended"] {
            let word = self.t(lang, &format!("verify.kind.{kind}"));
            assert!(
                history.contains(&word),
                "no {kind} in the history: {history}"
            );
        }
    }

    async fn verify_number(&self, b: &mut Browser, lang: &str, number: &str) {
        self.signed_out_in(b, lang).await;
        b.follow(&self.t(lang, "home.verify")).await;
        b.fill(&self.t(lang, "verify.number"), number).await;
        b.press(&self.t(lang, "verify.check")).await;
    }

    /// From the application page: the suspension is among the decisions it may appeal.
    /// The appeal's path.
    async fn enterprise_appeals_suspension(&self, b: &mut Browser, a: &Applicant) -> String {
        let lang = a.lang;
        self.sign_in(b, lang, &a.user).await;
        b.follow(&self.t(lang, "application_pages.title")).await;
        b.follow_to(&a.application_path).await;
        b.sees(&self.t(lang, "verify.state.suspended")).await;
        b.follow(&self.t(lang, "appeals.new_link")).await;
        let decisions = b.attrs("input[name=\"decision\"]", "value").await;
        let suspension = decisions
            .iter()
            .find(|d| d.starts_with(&format!("certificate_decision:{}:", a.certificate)))
            .unwrap_or_else(|| panic!("the suspension is not appealable: {decisions:?}"));
        b.tick("decision", suspension).await;
        b.fill("reasons", APPEAL).await;
        b.press(&self.t(lang, "appeals.lodge")).await;
        b.sees(&self.t(lang, "appeals.state.lodged")).await;
        b.sees(APPEAL).await;
        b.path().await
    }

    /// Those who assessed or reviewed the application cannot be chosen; the reviewer who
    /// took no part can.
    async fn secretariat_forms_appeal_panel(&self, b: &mut Browser, lang: &str, appeal: &str) {
        self.sign_in(b, lang, &self.secretariat).await;
        b.follow(&self.t(lang, "appeals.nav")).await;
        b.follow(&self.t(lang, "appeals.filter.lodged")).await;
        b.follow_to(appeal).await;
        for (who, why) in [
            (&self.assessors[0].user, "assessed"),
            (&self.reviewers[1], "reviewed"),
        ] {
            let id = user_id(self.app, who).await;
            assert!(
                b.has_css(&format!(
                    "input[name=\"members\"][value=\"{id}\"][disabled]"
                ))
                .await,
                "someone who {why} the case may sit on its appeal panel"
            );
        }
        b.sees(&self.t(lang, "appeals.excluded.assessed")).await;
        b.tick("members", &user_id(self.app, &self.appeal_member).await)
            .await;
        b.press(&self.t(lang, "appeals.form_panel")).await;
        b.sees(&self.t(lang, "appeals.state.panel_formed")).await;
        b.sees("陈静").await;
    }

    async fn appeal_panel_upholds(&self, b: &mut Browser, lang: &str, appeal: &str) {
        self.sign_in(b, lang, &self.appeal_member).await;
        b.follow(&self.t(lang, "appeals.nav")).await;
        b.follow_to(appeal).await;
        b.sees(APPEAL).await;
        b.tick("outcome", "upheld").await;
        b.fill("reasons", APPEAL_DECISION).await;
        b.press(&self.t(lang, "appeals.decide")).await;
        b.sees(&self.t(lang, "appeals.state.upheld")).await;
        b.sees(APPEAL_DECISION).await;
        b.sees(&self.t(lang, "appeals.remedy.reverse_certificate_decision"))
            .await;
    }

    /// The upheld appeal reinstated the certificate itself (one decision body): the
    /// application page shows it valid, with nothing left to reinstate.
    async fn secretariat_finds_reinstated(&self, b: &mut Browser, lang: &str, a: &Applicant) {
        self.secretariat_opens(b, lang, &a.application_path).await;
        b.sees(&self.t(lang, "verify.state.valid")).await;
        assert!(
            !b.has_css("#reinstate").await,
            "the certificate still waits to be reinstated"
        );
    }

    async fn anyone_sees_reinstatement(&self, b: &mut Browser, lang: &str, a: &Applicant) {
        self.verify_number(b, lang, &a.certificate).await;
        b.sees(&self.t(lang, "verify.state.valid")).await;
        let history = b.text_of("#history").await;
        for kind in ["suspended", "reinstated"] {
            let word = self.t(lang, &format!("verify.kind.{kind}"));
            assert!(
                history.contains(&word),
                "no {kind} in the history: {history}"
            );
        }
    }

    /// A successor with the narrower scope replaces the certificate; its verification
    /// page follows, and the application page shows it.
    async fn secretariat_reduces_scope(&self, b: &mut Browser, lang: &str, a: &mut Applicant) {
        self.secretariat_opens(b, lang, &a.application_path).await;
        b.typed_names.push(NARROWER_EN.to_string());
        let form = "#reduce-scope";
        b.fill_in(form, "scope_zh", NARROWER).await;
        b.fill_in(form, "scope_en", NARROWER_EN).await;
        b.fill_in(form, "reduce_reason", "监督审核确认部分流水线已停用")
            .await;
        b.press_in(form, &self.t(lang, "cert.reduce_scope")).await;
        b.sees(&self.t(lang, "verify.state.valid")).await;
        b.sees(NARROWER).await;
        let successor = b.path().await.trim_start_matches("/verify/").to_string();
        assert_ne!(successor, a.certificate, "no successor was issued");
        a.certificate = successor;
    }

    /// The old number says superseded and leads to the successor, which is valid.
    async fn anyone_sees_supersession(
        &self,
        b: &mut Browser,
        lang: &str,
        old: &str,
        a: &Applicant,
    ) {
        self.verify_number(b, lang, old).await;
        b.sees(&self.t(lang, "verify.state.superseded")).await;
        b.sees(&self.t(lang, "verify.superseded_by")).await;
        b.follow_to(&format!("/verify/{}", a.certificate)).await;
        b.sees(&self.t(lang, "verify.state.valid")).await;
        b.sees(old).await;
    }

    /// The directory lists the consenting enterprise's certificate in force (not the one
    /// it superseded, nor the revoked one) and finds it by part of its name.
    async fn anyone_finds_in_directory(
        &self,
        b: &mut Browser,
        lang: &str,
        a: &Applicant,
        old: &str,
    ) {
        self.signed_out_in(b, lang).await;
        b.follow(&self.t(lang, "nav.directory")).await;
        let listed = b.text_of("#directory").await;
        assert!(
            listed.contains(&a.certificate) && !listed.contains(old),
            "the directory does not list {} alone: {listed}",
            a.certificate
        );
        b.fill(&self.t(lang, "directory.search"), "喆堃").await;
        b.press(&self.t(lang, "directory.find")).await;
        b.sees(&a.certificate).await;
        b.fill(&self.t(lang, "directory.search"), "Harbour").await;
        b.press(&self.t(lang, "directory.find")).await;
        b.sees(&self.t(lang, "directory.none_found")).await;
        // By part alone: the search cleared, the certificate's part chosen and kept.
        b.fill(&self.t(lang, "directory.search"), "").await;
        b.choose("part", a.part).await;
        b.press(&self.t(lang, "directory.find")).await;
        b.sees(&a.certificate).await;
        assert_eq!(
            b.attrs("select[name=\"part\"] option[selected]", "value")
                .await,
            vec![a.part.to_string()],
            "the part filter keeps the choice"
        );
    }

    /// The enterprise's inbox, full of the certificate's decisions by now, finds its newest
    /// notification by the start of its subject, and says so when nothing matches.
    async fn enterprise_searches_inbox(&self, b: &mut Browser, lang: &str, a: &Applicant) {
        self.sign_in(b, lang, &a.user).await;
        b.follow(&self.t(lang, "inbox.nav")).await;
        let newest = b.text_of("article.card h2").await;
        let start: String = newest.chars().take(12).collect();
        b.fill(&self.t(lang, "inbox.search"), &start).await;
        b.press(&self.t(lang, "listing.search")).await;
        b.sees(&newest).await;
        b.fill(&self.t(lang, "inbox.search"), "无此内容 no such words")
            .await;
        b.press(&self.t(lang, "listing.search")).await;
        b.sees(&self.t(lang, "inbox.none_found")).await;
    }

    /// From the certificate on its application page: the plan form offers the items of the
    /// certificate's part to tick; the first is selected. The surveillance's path and the
    /// item.
    async fn secretariat_plans_surveillance(
        &self,
        b: &mut Browser,
        lang: &str,
        a: &Applicant,
    ) -> (String, String) {
        self.secretariat_opens(b, lang, &a.application_path).await;
        b.follow(&self.t(lang, "surveillances.plan_link")).await;
        b.sees(&a.certificate).await;
        let item = b
            .attrs("#plan input[name=\"items\"]", "value")
            .await
            .remove(0);
        b.tick("items", &item).await;
        b.press_in("#plan", &self.t(lang, "surveillances.action.plan"))
            .await;
        b.sees(&self.t(lang, "surveillances.state.planned")).await;
        b.sees(&a.certificate).await;
        let path = b.path().await;
        assert!(path.starts_with("/surveillances/"), "{path}");
        (path, item)
    }

    /// One assessor the panel rules leave free, from the list of those fit; the former
    /// employee of the enterprise is not offered.
    async fn secretariat_assigns_surveillance(&self, b: &mut Browser, lang: &str, path: &str) {
        self.sign_in(b, lang, &self.secretariat).await;
        b.follow(&self.t(lang, "surveillances.title")).await;
        b.follow_to(path).await;
        let former = user_id(self.app, &self.assessors[3].user).await;
        assert!(
            !b.has_css(&format!("#assign option[value=\"{former}\"]"))
                .await,
            "a former employee of the enterprise may surveil it"
        );
        let assessor = user_id(self.app, &self.assessors[1].user).await;
        b.choose_in("#assign", "assessor", &assessor).await;
        b.press_in("#assign", &self.t(lang, "surveillances.action.assign"))
            .await;
        b.sees(&self.t(lang, "surveillances.state.assigned")).await;
        b.sees("李雷").await;
    }

    /// A new version of the selected item's evidence, on the certified application's page.
    async fn enterprise_uploads_surveillance_evidence(
        &self,
        b: &mut Browser,
        a: &Applicant,
        item: &str,
    ) {
        let lang = a.lang;
        self.sign_in(b, lang, &a.user).await;
        b.follow(&self.t(lang, "surveillances.title")).await;
        b.sees(&a.certificate).await;
        b.follow(&self.t(lang, "surveillances.open")).await;
        b.sees(&self.t(lang, "surveillances.upload_help")).await;
        b.follow_to(&a.application_path).await;
        let evidence = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
        std::fs::write(evidence.path(), crate::story::tiny_pdf()).unwrap();
        let form = format!("section[id=\"item-{item}\"] form[enctype=\"multipart/form-data\"]");
        b.attach_in(&form, "file", evidence.path()).await;
        b.fill_in(&form, "description", "监督评估期间的流水线运行记录")
            .await;
        b.press_in(&form, &self.t(lang, "evidence.upload")).await;
        b.sees("监督评估期间的流水线运行记录").await;
    }

    async fn assessor_scores_surveillance(&self, b: &mut Browser, path: &str, item: &str) {
        let lang = ZH;
        self.sign_in(b, lang, &self.assessors[1].user).await;
        b.follow(&self.t(lang, "surveillances.title")).await;
        b.follow_to(path).await;
        let form = "form:has(input[name=\"action\"][value=\"score\"])";
        b.choose("item", item).await;
        b.fill_in(form, "level", "3").await;
        b.fill_in(form, "note", "流水线记录完整，持续符合").await;
        b.press_in(form, &self.t(lang, "surveillances.action.score"))
            .await;
        b.sees("流水线记录完整，持续符合").await;
    }

    async fn secretariat_concludes_surveillance(&self, b: &mut Browser, lang: &str, path: &str) {
        self.sign_in(b, lang, &self.secretariat).await;
        b.follow(&self.t(lang, "surveillances.title")).await;
        b.follow_to(path).await;
        let form = "form:has(input[name=\"action\"][value=\"conclude\"])";
        b.choose("outcome", "maintain").await;
        b.fill_in(form, "reason", "抽查项持续符合要求，保持证书")
            .await;
        b.press_in(form, &self.t(lang, "surveillances.action.conclude"))
            .await;
        b.sees(&self.t(lang, "surveillances.state.concluded")).await;
        b.sees(&self.t(lang, "surveillances.outcome.maintain"))
            .await;
    }

    async fn anyone_sees_surveillance_in_history(
        &self,
        b: &mut Browser,
        lang: &str,
        a: &Applicant,
    ) {
        self.verify_number(b, lang, &a.certificate).await;
        b.sees(&self.t(lang, "verify.state.valid")).await;
        let history = b.text_of("#history").await;
        let word = self.t(lang, "verify.kind.surveillance_maintained");
        assert!(
            history.contains(&word),
            "no surveillance in the history: {history}"
        );
    }

    /// From the certificate on its application page, the application form comes filled
    /// with the certificate's number in every open round's form; the enterprise applies in
    /// the next round, submits its evidence, and the new application says that it renews
    /// the certificate.
    async fn enterprise_applies_for_renewal(&self, b: &mut Browser, a: &Applicant, round: &str) {
        let lang = a.lang;
        self.sign_in(b, lang, &a.user).await;
        b.follow(&self.t(lang, "application_pages.title")).await;
        b.follow_to(&a.application_path).await;
        b.follow(&self.t(lang, "cert.apply_for_reassessment")).await;
        b.sees(&self.t(lang, "application_pages.renews_note")).await;
        let form = format!("form[action=\"{round}/applications\"]");
        let renews = b
            .attrs(&format!("{form} input[name=\"renews\"]"), "value")
            .await;
        assert_eq!(
            renews,
            vec![a.certificate.clone()],
            "the next round's form renews another"
        );
        let path = self.apply_and_submit_evidence(b, a, a.part, &form).await;
        assert_ne!(path, a.application_path, "no new application");
        let renews = b.text_of("#renews").await;
        assert!(
            renews.contains(&self.t(lang, "cert.renews")) && renews.contains(&a.certificate),
            "the application does not say it renews {}: {renews}",
            a.certificate
        );
    }

    /// Signed out, from the footer's link; registered only once the mailed link is
    /// opened and confirmed. The private link of the second mail.
    async fn public_files_and_confirms_complaint(
        &self,
        b: &mut Browser,
        lang: &str,
        about: &Applicant,
    ) -> String {
        self.signed_out_in(b, lang).await;
        b.follow_to("/complaints/new").await;
        b.fill("name", "刘洋").await;
        b.fill("email", COMPLAINANT).await;
        b.tick("about", "enterprise").await;
        b.fill("certificate_number", &about.certificate).await;
        b.fill("enterprise_name", about.name).await;
        b.fill("description", COMPLAINT).await;
        b.press(&self.t(lang, "complaints.submit")).await;
        b.sees(&self.t(lang, "complaints.confirmation_mailed"))
            .await;
        let confirm = self
            .link_mailed("complaint_confirm", "/complaints/confirm/")
            .await;
        b.open(&confirm).await;
        b.press(&self.t(lang, "complaints.confirm")).await;
        b.sees(&self.t(lang, "complaints.state.received")).await;
        b.sees(COMPLAINT).await;
        let private_link = self
            .link_mailed("complaint_registered", "/complaints/track/")
            .await;
        assert_eq!(
            b.path().await,
            private_link,
            "the confirmation leads elsewhere"
        );
        private_link
    }

    /// The path of the link under `prefix` in the newest `kind` mail to the complainant.
    async fn link_mailed(&self, kind: &'static str, prefix: &str) -> String {
        let rows = self
            .app
            .conn(|c| certcase::db::models::mail::all(c).unwrap())
            .await;
        let row = rows
            .iter()
            .rev()
            .find(|r| r.recipient_address == COMPLAINANT && r.message_kind == kind)
            .unwrap_or_else(|| panic!("no {kind} mail to the complainant"));
        let start = row
            .body_text
            .find(prefix)
            .unwrap_or_else(|| panic!("no link in the {kind} mail: {}", row.body_text));
        let rest = &row.body_text[start..];
        rest[..rest.find(char::is_whitespace).unwrap_or(rest.len())].to_string()
    }

    /// Accepts it for investigation, notes what was found and answers, each from the
    /// complaint's page.
    async fn secretariat_triages_and_answers_complaint(&self, b: &mut Browser, lang: &str) {
        self.sign_in(b, lang, &self.secretariat).await;
        b.follow(&self.t(lang, "complaints.nav")).await;
        b.follow(&self.t(lang, "complaints.state.received")).await;
        b.follow_css("#complaints tbody a").await;
        b.sees(COMPLAINT).await;
        b.press_in(
            "form:has(input[name=\"action\"][value=\"accept\"])",
            &self.t(lang, "complaints.action.accept"),
        )
        .await;
        b.sees(&self.t(lang, "complaints.state.accepted")).await;
        let note = "form:has(input[name=\"action\"][value=\"note\"])";
        b.fill_in(note, "text", "已核对官网宣传页面").await;
        b.press_in(note, &self.t(lang, "complaints.action.note"))
            .await;
        b.sees("已核对官网宣传页面").await;
        let answer = "form:has(input[name=\"action\"][value=\"answer\"])";
        b.fill_in(answer, "text", COMPLAINT_ANSWER).await;
        b.press_in(answer, &self.t(lang, "complaints.action.answer"))
            .await;
        b.sees(&self.t(lang, "complaints.state.answered")).await;
    }

    /// Through the private link, signed out: the answer and the complaint's state.
    async fn complainant_reads_answer(&self, b: &mut Browser, lang: &str, private_link: &str) {
        self.signed_out_in(b, lang).await;
        b.open(private_link).await;
        b.sees(&self.t(lang, "complaints.state.answered")).await;
        b.sees(COMPLAINT_ANSWER).await;
        b.sees(COMPLAINT).await;
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
