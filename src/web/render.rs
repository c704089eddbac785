//! Pages: tera templates (embedded at build time) and the message catalogs that hold
//! every user-visible string in both languages.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError};

use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use tera::{Context, Tera};

use super::compress::{self, KeptPart, Piece};
use super::visitor::Visitor;
use crate::domain::i18n::Lang;
use crate::error::AppError;
use crate::refusal::Reason;
use crate::templates::TEMPLATES;

pub type Messages = HashMap<String, String>;

/// The message catalog of one language, from `templates/i18n/<lang>.toml`.
pub fn messages(lang: Lang) -> Messages {
    let name = format!("i18n/{}.toml", lang.code());
    let text = TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("message catalog {name} is missing"));
    toml::from_str(text).unwrap_or_else(|e| panic!("message catalog {name}: {e}"))
}

/// The catalog of `lang`, read once.
pub fn catalog(lang: Lang) -> &'static Messages {
    static CATALOGS: OnceLock<HashMap<Lang, Messages>> = OnceLock::new();
    CATALOGS
        .get_or_init(|| Lang::ALL.into_iter().map(|l| (l, messages(l))).collect())
        .get(&lang)
        .expect("every language has a catalog")
}

/// The message `key` in `lang`, for text a handler puts into a page's rows ready-made;
/// empty, with a warning in the log, when the catalog lacks it (tests check the keys a
/// handler makes).
pub fn message(lang: Lang, key: &str) -> &'static str {
    match catalog(lang).get(key) {
        Some(text) => text.as_str(),
        None => {
            tracing::warn!(key, "message missing from the catalog");
            ""
        }
    }
}

/// An application status's name in `lang`.
pub fn status_name(status: crate::domain::application_status::Status, lang: Lang) -> &'static str {
    message(lang, &crate::refusal::status_key(status))
}

/// A refusal in `lang`, for a page that shows it beside its form.
pub fn refusal_text(reason: &Reason, lang: Lang) -> String {
    reason.render(lang, catalog(lang))
}

/// `t(key="…", lang=lang)` in templates; an unknown key fails the render (and the tests).
struct Translate {
    catalogs: HashMap<&'static str, Messages>,
}

impl tera::Function for Translate {
    fn call(&self, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        let key = args
            .get("key")
            .and_then(|v| v.as_str())
            .ok_or("t() needs key=")?;
        let lang = args
            .get("lang")
            .and_then(|v| v.as_str())
            .ok_or("t() needs lang=")?;
        let catalog = self
            .catalogs
            .get(lang)
            .ok_or_else(|| format!("no catalog for {lang}"))?;
        catalog
            .get(key)
            .map(|s| tera::Value::String(s.clone()))
            .ok_or_else(|| format!("message '{key}' is missing in {lang}").into())
    }

    fn is_safe(&self) -> bool {
        false
    }
}

/// `{{ d | local_date(lang=lang) }}`: a date, or a UTC time taken as its Beijing date, in
/// the reader's way of writing dates.
fn local_date(
    value: &tera::Value,
    args: &HashMap<String, tera::Value>,
) -> tera::Result<tera::Value> {
    let lang = args
        .get("lang")
        .and_then(|v| v.as_str())
        .and_then(Lang::parse)
        .ok_or("local_date needs lang=")?;
    let text = value.as_str().ok_or("local_date needs a date")?;
    let date = match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => parse_utc(text)
            .ok_or_else(|| format!("local_date: '{text}' is not a date or time"))?
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive(),
    };
    Ok(tera::Value::String(lang.date(date)))
}

/// `{{ t | local_time(lang=lang) }}`: a stored UTC time in the configured display zone,
/// written the reader's way, with the zone named so nobody takes it for UTC.
struct LocalTime {
    zone: chrono_tz::Tz,
}

impl tera::Filter for LocalTime {
    fn filter(
        &self,
        value: &tera::Value,
        args: &HashMap<String, tera::Value>,
    ) -> tera::Result<tera::Value> {
        let lang = args
            .get("lang")
            .and_then(|v| v.as_str())
            .and_then(Lang::parse)
            .ok_or("local_time needs lang=")?;
        let text = value.as_str().ok_or("local_time needs a time")?;
        let utc = parse_utc(text).ok_or_else(|| format!("local_time: '{text}' is not a time"))?;
        Ok(tera::Value::String(local_time(utc, self.zone, lang)))
    }
}

/// A stored time as the views serialise it: RFC 3339, or a naive UTC time with or without
/// seconds.
fn parse_utc(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.to_utc());
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
    .map(|t| t.and_utc())
}

/// `2026年12月6日 12:30（北京时间）` / `6 Dec 2026 12:30 (Beijing time, UTC+8)`; another
/// zone is named by its IANA name and offset at that moment.
pub fn local_time(utc: chrono::DateTime<chrono::Utc>, zone: chrono_tz::Tz, lang: Lang) -> String {
    use chrono::Offset;
    let local = utc.with_timezone(&zone);
    let clock = local.format("%H:%M");
    let date = lang.date(local.date_naive());
    let seconds = local.offset().fix().local_minus_utc();
    let offset = match (seconds / 3600, seconds.abs() % 3600 / 60) {
        (h, 0) => format!("UTC{h:+}"),
        (h, m) => format!("UTC{h:+}:{m:02}"),
    };
    match (zone == chrono_tz::Asia::Shanghai, lang) {
        (true, Lang::Zh) => format!("{date} {clock}（北京时间）"),
        (true, Lang::En) => format!("{date} {clock} (Beijing time, {offset})"),
        (false, Lang::Zh) => format!("{date} {clock}（{}，{offset}）", zone.name()),
        (false, Lang::En) => format!("{date} {clock} ({}, {offset})", zone.name()),
    }
}

/// The page templates, with times shown in `zone` (the configured `display_timezone`).
pub fn templates(zone: chrono_tz::Tz) -> anyhow::Result<Tera> {
    let mut tera = Tera::default();
    let pages: Vec<(&str, &str)> = TEMPLATES
        .iter()
        .copied()
        .filter(|(n, _)| n.ends_with(".html") && !n.starts_with("email/"))
        .collect();
    tera.add_raw_templates(pages)?;
    tera.autoescape_on(vec![".html"]);
    let catalogs: HashMap<&'static str, Messages> = Lang::ALL
        .into_iter()
        .map(|l| (l.code(), catalog(l).clone()))
        .collect();
    tera.register_function(
        "t",
        Translate {
            catalogs: catalogs.clone(),
        },
    );
    tera.register_function("nav_links", NavLinks::new(catalogs)?);
    tera.register_filter("local_date", local_date);
    tera.register_filter("local_time", LocalTime { zone });
    Ok(tera)
}

const NAV_TEMPLATE: &str = "layouts/_nav.html";

/// `nav_links(lang=lang, roles=roles)`: the header's links for a signed-in person, which
/// depend on nothing else. Rendered once per language and set of roles (at most 2 × 16)
/// and kept: its twenty role tests and translations were a tenth of a list page's
/// rendering (issue #19).
struct NavLinks {
    tera: Tera,
    kept: std::sync::Mutex<HashMap<(String, Vec<String>), String>>,
}

impl NavLinks {
    fn new(catalogs: HashMap<&'static str, Messages>) -> anyhow::Result<NavLinks> {
        let mut tera = Tera::default();
        let text = TEMPLATES
            .iter()
            .find(|(n, _)| *n == NAV_TEMPLATE)
            .map(|(_, t)| *t)
            .ok_or_else(|| anyhow::anyhow!("template {NAV_TEMPLATE} is missing"))?;
        tera.add_raw_template(NAV_TEMPLATE, text)?;
        tera.autoescape_on(vec![".html"]);
        tera.register_function("t", Translate { catalogs });
        Ok(NavLinks {
            tera,
            kept: Default::default(),
        })
    }
}

impl tera::Function for NavLinks {
    fn call(&self, args: &HashMap<String, tera::Value>) -> tera::Result<tera::Value> {
        let lang = args
            .get("lang")
            .and_then(tera::Value::as_str)
            .ok_or("nav_links needs lang")?
            .to_string();
        let roles: Vec<String> = args
            .get("roles")
            .and_then(tera::Value::as_array)
            .ok_or("nav_links needs roles")?
            .iter()
            .filter_map(|r| r.as_str().map(str::to_string))
            .collect();
        let key = (lang, roles);
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(html) = kept.get(&key) {
            return Ok(tera::Value::String(html.clone()));
        }
        let mut ctx = Context::new();
        ctx.insert("lang", &key.0);
        ctx.insert("roles", &key.1);
        let html = self.tera.render(NAV_TEMPLATE, &ctx)?;
        kept.insert(key, html.clone());
        Ok(tera::Value::String(html))
    }

    /// Escaped already: the template's own output.
    fn is_safe(&self) -> bool {
        true
    }
}

/// The context every page gets: language, the visitor, the CSRF token for forms.
pub fn base_context(visitor: &Visitor, path: &str) -> Context {
    let mut ctx = Context::new();
    ctx.insert("lang", visitor.lang.code());
    // The key of a `Bilingual` text in this language: `{{ model.name[l] }}`.
    ctx.insert("l", if visitor.lang == Lang::Zh { "zh" } else { "en" });
    ctx.insert(
        "other_lang",
        if visitor.lang == Lang::Zh {
            "en"
        } else {
            "zh-CN"
        },
    );
    ctx.insert("csrf_token", &visitor.csrf_token);
    ctx.insert("path", path);
    if let Some(p) = &visitor.principal {
        ctx.insert("user_name", &p.display_name);
        ctx.insert(
            "roles",
            &p.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        );
    }
    ctx
}

pub fn page(tera: &Arc<Tera>, name: &str, ctx: &Context) -> Result<HttpResponse, AppError> {
    let html = tera
        .render(name, ctx)
        .map_err(|e| AppError::internal(anyhow::anyhow!("template {name}: {e:?}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// Where a template puts the kept part of a page rendered around one (`{{ kept | safe }}`).
/// Text the template escapes cannot contain it: `<` becomes `&lt;`.
const KEPT_MARK: &str = "<!--certcase:kept-->";

/// A page whose large part was rendered and compressed once (`kept`: a model version's
/// content, a built report's tables), rendered around it: only the template's own parts
/// (the visitor's header, the footer) are rendered and compressed for this request, and
/// the kept part is copied in (`compress::gzip_pieces`).
pub fn page_around(
    tera: &Arc<Tera>,
    name: &str,
    mut ctx: Context,
    kept: &KeptPart,
    req: &HttpRequest,
) -> Result<HttpResponse, AppError> {
    ctx.insert("kept", KEPT_MARK);
    let html = tera
        .render(name, &ctx)
        .map_err(|e| AppError::internal(anyhow::anyhow!("template {name}: {e:?}")))?;
    let (head, tail) = html.split_once(KEPT_MARK).ok_or_else(|| {
        AppError::internal(anyhow::anyhow!(
            "template {name} has no {{{{ kept | safe }}}}"
        ))
    })?;
    let mut res = HttpResponse::Ok();
    res.content_type("text/html; charset=utf-8");
    if compress::accepts_gzip(req) {
        let body = compress::gzip_pieces(&[
            Piece::Fresh(head.as_bytes()),
            Piece::Kept(kept),
            Piece::Fresh(tail.as_bytes()),
        ]);
        let mut res = res.body(body);
        compress::mark_gzip(res.headers_mut());
        Ok(res)
    } else {
        let mut body = Vec::with_capacity(html.len() + kept.text.len());
        body.extend_from_slice(head.as_bytes());
        body.extend_from_slice(&kept.text);
        body.extend_from_slice(tail.as_bytes());
        Ok(res.body(body))
    }
}

/// What a CSV download starts with: without it, Excel reads the file in the local code
/// page and shows Chinese as mojibake.
pub const UTF8_BOM: &str = "\u{FEFF}";

/// A CSV download. It starts with a UTF-8 byte order mark: without one, Excel reads the
/// file in the local code page and shows Chinese as mojibake.
pub fn csv_attachment(filename: &str, csv: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(format!("{UTF8_BOM}{csv}"))
}

/// Adds a serialisable value to a context.
pub fn with<T: Serialize + ?Sized>(mut ctx: Context, key: &str, value: &T) -> Context {
    ctx.insert(key, value);
    ctx
}

/// A page with one translated notice (`key` in the catalogs).
pub fn notice(
    tera: &Arc<Tera>,
    visitor: &Visitor,
    req: &HttpRequest,
    key: &str,
) -> Result<HttpResponse, AppError> {
    let mut ctx = base_context(visitor, req.path());
    ctx.insert("notice_key", key);
    page(tera, "pages/notice.html", &ctx)
}

/// A refusal shown on the form it came from, with status 409/422.
pub fn form_error(
    tera: &Arc<Tera>,
    visitor: &Visitor,
    req: &HttpRequest,
    template: &str,
    extra: &[(&str, &str)],
    err: AppError,
) -> Result<HttpResponse, AppError> {
    let (status, message) = match err {
        AppError::Refused { status, reason } if matches!(status.as_u16(), 409 | 422) => {
            (status, refusal_text(&reason, visitor.lang))
        }
        other => return Err(other),
    };
    let mut ctx = base_context(visitor, req.path());
    ctx.insert("error", &message);
    for (k, v) in extra {
        ctx.insert(*k, v);
    }
    let mut res = page(tera, template, &ctx)?;
    *res.status_mut() = status;
    Ok(res)
}

/// A refused form shown again (422/409) with everything the visitor typed and the
/// message beside the field it concerns. Templates read `form.values[name]`,
/// `form.error` and `form.field`; a page shown fresh gets `FormState::default()`.
#[derive(Serialize, Default, Debug)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub error: Option<String>,
    /// The field the message belongs beside; `None` puts it above the form.
    pub field: Option<String>,
    /// HTTP status of the page that shows it again.
    #[serde(skip)]
    pub status: Option<actix_web::http::StatusCode>,
    /// Seconds to wait before sending it again (`Retry-After` of a throttled form).
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl FormState {
    /// The state of a form the workflow refused, or the error itself when it is not a
    /// refusal a person can fix on the form (403, 404, 500 … keep their own pages).
    pub fn refused(
        fields: &[(String, String)],
        err: AppError,
        lang: Lang,
        field: Option<&str>,
    ) -> Result<FormState, AppError> {
        match err {
            AppError::Refused { status, reason } if matches!(status.as_u16(), 409 | 422) => {
                Ok(FormState {
                    values: fields
                        .iter()
                        .filter(|(k, _)| k != "csrf_token" && k != "confirmed")
                        .cloned()
                        .collect(),
                    error: Some(refusal_text(&reason, lang)),
                    field: field.map(str::to_string),
                    status: Some(status),
                    retry_after: None,
                })
            }
            other => Err(other),
        }
    }

    /// [`FormState::refused`], and also a form sent too often (429): shown again with
    /// the input, the message and its `Retry-After`, so nothing typed is lost.
    pub fn refused_or_throttled(
        fields: &[(String, String)],
        err: AppError,
        lang: Lang,
        field: Option<&str>,
    ) -> Result<FormState, AppError> {
        match err {
            AppError::Later {
                status,
                reason,
                retry_after,
            } if status == actix_web::http::StatusCode::TOO_MANY_REQUESTS => {
                let as_refusal = AppError::Refused {
                    status: actix_web::http::StatusCode::CONFLICT,
                    reason,
                };
                let mut form = FormState::refused(fields, as_refusal, lang, field)?;
                form.status = Some(status);
                form.retry_after = Some(retry_after);
                Ok(form)
            }
            other => FormState::refused(fields, other, lang, field),
        }
    }
}

/// Renders `template` with `form` in the context, under the form's status.
pub fn page_with_form(
    tera: &Arc<Tera>,
    template: &str,
    mut ctx: Context,
    form: &FormState,
) -> Result<HttpResponse, AppError> {
    ctx.insert("form", form);
    let mut res = page(tera, template, &ctx)?;
    if let Some(status) = form.status {
        *res.status_mut() = status;
    }
    if let Some(seconds) = form.retry_after {
        res.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from(seconds),
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use chrono::NaiveDate;

    use super::*;
    use crate::domain::calendar::RegistrationStatus;
    use crate::domain::catalog::Bilingual;
    use crate::domain::panel::{PanelRule, PanelViolation};
    use crate::refusal::{registration_refusal, Code};

    #[test]
    fn local_time_shows_beijing_time_with_its_zone_in_both_languages() {
        let utc = parse_utc("2026-12-06T04:30:00Z").unwrap();
        let bj = chrono_tz::Asia::Shanghai;
        assert_eq!(
            local_time(utc, bj, Lang::Zh),
            "2026年12月6日 12:30（北京时间）"
        );
        assert_eq!(
            local_time(utc, bj, Lang::En),
            "6 Dec 2026 12:30 (Beijing time, UTC+8)"
        );
        // Past midnight in Beijing is the next day.
        let late = parse_utc("2026-12-31 16:05").unwrap();
        assert_eq!(
            local_time(late, bj, Lang::Zh),
            "2027年1月1日 00:05（北京时间）"
        );
        let india = chrono_tz::Asia::Kolkata;
        assert_eq!(
            local_time(utc, india, Lang::En),
            "6 Dec 2026 10:00 (Asia/Kolkata, UTC+5:30)"
        );
        let summer = parse_utc("2026-07-01 12:00:00.123456").unwrap();
        assert_eq!(
            local_time(summer, chrono_tz::Europe::Berlin, Lang::Zh),
            "2026年7月1日 14:00（Europe/Berlin，UTC+2）"
        );
    }

    #[test]
    fn the_local_time_filter_takes_every_stored_shape_and_refuses_other_text() {
        let mut tera = templates(chrono_tz::Asia::Shanghai).unwrap();
        let mut render = |value: &str, lang: &str| {
            let mut ctx = Context::new();
            ctx.insert("v", value);
            ctx.insert("lang", lang);
            tera.render_str("{{ v | local_time(lang=lang) }}", &ctx)
        };
        for stored in [
            "2026-12-06T04:30:00",
            "2026-12-06T04:30:00.5+00:00",
            "2026-12-06 04:30:00",
            "2026-12-06 04:30",
        ] {
            assert_eq!(
                render(stored, "zh-CN").unwrap(),
                "2026年12月6日 12:30（北京时间）",
                "{stored}"
            );
        }
        assert!(render("yesterday", "en").is_err());
    }

    fn placeholders(text: &str) -> BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect()
    }

    /// Every refusal code has words in both languages with the same placeholders, and
    /// no catalog keeps the words of a code that is gone.
    #[test]
    fn local_dates_take_utc_times_on_their_beijing_day() {
        let args = |lang: &str| HashMap::from([("lang".to_string(), tera::Value::from(lang))]);
        let late = tera::Value::from("2026-12-05T17:30:00.123");
        assert_eq!(local_date(&late, &args("zh-CN")).unwrap(), "2026年12月6日");
        assert_eq!(local_date(&late, &args("en")).unwrap(), "6 Dec 2026");
        let day = tera::Value::from("2027-01-31");
        assert_eq!(local_date(&day, &args("en")).unwrap(), "31 Jan 2027");
        assert!(local_date(&tera::Value::from("soon"), &args("en")).is_err());
    }

    #[test]
    fn a_proposal_shortfall_reads_in_either_language() {
        let short = crate::domain::assign::Shortfall::Seats {
            parts: vec!["SEC".into()],
            whole_round: false,
            seats: 16,
            assessors: 5,
            capacity: 15,
        };
        let reason = Reason::from(&short);
        assert_eq!(
            refusal_text(&reason, Lang::Zh),
            "SEC 部分需要 16 个评估席位，但相应的 5 名评估员按最大负荷只能承担 15 个"
        );
        assert_eq!(
            refusal_text(&reason, Lang::En),
            "part SEC: 16 seats to fill, but its assessors (5) can take 15 at their maximum load"
        );
    }

    #[test]
    fn every_application_status_has_its_name_in_both_languages() {
        for lang in Lang::ALL {
            for status in crate::domain::application_status::Status::ALL {
                assert!(
                    !status_name(status, lang).is_empty(),
                    "{status:?} in {lang:?}"
                );
            }
        }
        assert_eq!(message(Lang::En, "no.such.message"), "");
    }

    #[test]
    fn the_catalogs_translate_exactly_the_refusal_codes() {
        let used: BTreeSet<String> = Code::ALL
            .iter()
            .map(|c| format!("refusal.{}", c.as_str()))
            .collect();
        assert_eq!(used.len(), Code::ALL.len(), "two codes share a text");
        for lang in Lang::ALL {
            let keys: BTreeSet<String> = catalog(lang)
                .keys()
                .filter(|k| k.starts_with("refusal."))
                .cloned()
                .collect();
            let missing: Vec<_> = used.difference(&keys).collect();
            let unused: Vec<_> = keys.difference(&used).collect();
            assert!(
                missing.is_empty(),
                "{}: no words for {missing:?}",
                lang.code()
            );
            assert!(
                unused.is_empty(),
                "{}: no code uses {unused:?}",
                lang.code()
            );
        }
        for key in &used {
            let (zh, en) = (&catalog(Lang::Zh)[key], &catalog(Lang::En)[key]);
            assert_eq!(placeholders(zh), placeholders(en), "{key}: {zh} / {en}");
        }
    }

    #[test]
    fn a_holiday_refusal_names_the_holiday_and_the_next_open_day_in_each_language() {
        let spring_festival = Bilingual {
            zh: "春节".into(),
            en: "Spring Festival".into(),
        };
        let reopens = NaiveDate::from_ymd_opt(2021, 2, 18);
        let words = |next_open_day, lang| {
            let status = RegistrationStatus::Holiday {
                holiday_name: spring_festival.clone(),
                next_open_day,
            };
            refusal_text(&registration_refusal(&status).unwrap(), lang)
        };
        assert_eq!(
            words(reopens, Lang::En),
            "Registration is closed on public holidays (Spring Festival); it reopens on 2021-02-18"
        );
        assert_eq!(
            words(reopens, Lang::Zh),
            "法定节假日（春节）期间不受理报名，将于2021年2月18日恢复"
        );
        assert_eq!(
            words(None, Lang::En),
            "Registration is closed on public holidays (Spring Festival), and registration ends before the holiday does"
        );
        assert_eq!(registration_refusal(&RegistrationStatus::Open), None);
    }

    #[test]
    fn panel_rules_read_as_the_registry_expects_in_both_languages() {
        let broken = |rule, person: Option<&str>| {
            Reason::from(&PanelViolation {
                rule,
                person: person.map(str::to_owned),
            })
        };
        let lead = broken(PanelRule::LeadNotCaict, Some("王堃"));
        assert_eq!(
            refusal_text(&lead, Lang::En),
            "王堃 cannot lead: the lead must be a CAICT expert"
        );
        assert_eq!(
            refusal_text(&lead, Lang::Zh),
            "王堃不能担任组长：组长必须是中国信通院专家"
        );
        let leads = broken(
            PanelRule::SeveralLeads {
                names: vec!["张喆".into(), "陈默".into()],
            },
            None,
        );
        assert_eq!(
            refusal_text(&leads, Lang::Zh),
            "张喆、陈默 均被设为组长：评估组只能有一名组长"
        );
        let size = |members| refusal_text(&broken(PanelRule::Size { members }, None), Lang::En);
        assert_eq!(size(1), "1 assessor: a panel needs 3 to 5");
        assert_eq!(size(6), "6 assessors: a panel needs 3 to 5");
        let left = broken(
            PanelRule::FormerMember {
                left_on: NaiveDate::from_ymd_opt(2024, 6, 15).unwrap(),
            },
            Some("Ada Lovelace"),
        );
        assert_eq!(
            refusal_text(&left, Lang::En),
            "Ada Lovelace left this enterprise or its group on 2024-06-15, less than 2 years ago"
        );
    }
}
