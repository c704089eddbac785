//! The secretariat's side of panels: the assessor registry, one application's panel and
//! every rule it is refused for, the round-wide proposal and its confirmation. The
//! fixtures here are shared by `scoring` and `review`.

use certcase::domain::access::Role;
use certcase::domain::account::Email;
use diesel::RunQueryDsl;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

pub struct Client<'a> {
    pub app: &'a TestApp,
    pub token: String,
    pub id: String,
    pub name: String,
    pub login: crate::helpers::TestUser,
}

impl Client<'_> {
    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.app
            .call_api(&self.token, Some("en"), method, path, body)
            .await
    }
}

pub async fn person<'a>(app: &'a TestApp, name: &str, roles: &[Role]) -> Client<'a> {
    let user = app.add_user(name, roles).await;
    let email = user.email.clone();
    let id = app
        .conn(move |c| {
            certcase::db::models::users::find_by_email(c, &Email::parse(&email).unwrap())
                .unwrap()
                .unwrap()
                .id
        })
        .await;
    Client {
        app,
        token: app.api_token(&user).await,
        id: id.to_string(),
        name: name.to_string(),
        login: user,
    }
}

pub struct World<'a> {
    pub app: &'a TestApp,
    pub sec: Client<'a>,
    pub round: String,
    pub caict: String,
    pub external: String,
}

pub async fn world(app: &TestApp) -> World<'_> {
    let round = app
        .conn(|c| {
            certcase::workflow::demo::seed(c).unwrap();
            certcase::db::models::rounds::list(c).unwrap()[0].id
        })
        .await;
    let sec = person(app, "秘书处", &[Role::Secretariat]).await;
    let (s, caict) = sec
        .send(
            "POST",
            "/api/v1/organisations",
            Some(json!({"name": "中国信通院", "kind": "caict"})),
        )
        .await;
    assert_eq!(s, 201, "{caict}");
    let (s, external) = sec
        .send(
            "POST",
            "/api/v1/organisations",
            Some(json!({"name": "某认证评估机构", "kind": "external"})),
        )
        .await;
    assert_eq!(s, 201, "{external}");
    World {
        app,
        sec,
        round: round.to_string(),
        caict: caict["id"].as_str().unwrap().into(),
        external: external["id"].as_str().unwrap().into(),
    }
}

impl<'a> World<'a> {
    /// An enterprise with one member, who holds the given roles.
    pub async fn enterprise(&self, name: &str, member_roles: &[Role]) -> (String, Client<'a>) {
        let member = person(self.app, &format!("{name}员工"), member_roles).await;
        let id = uuid::Uuid::now_v7().to_string();
        let (eid, uid, n) = (id.clone(), member.id.clone(), name.to_string());
        self.app
            .conn(move |c| {
                let code = uuid::Uuid::new_v4().simple().to_string()[..18].to_uppercase();
                certcase::db::models::enterprises::insert(
                    c,
                    &certcase::db::models::enterprises::NewEnterprise {
                        id: eid.parse().unwrap(),
                        name_zh: &n,
                        name_en: None,
                        credit_code: &code,
                        address: "北京",
                        contact_name: "张喆",
                        contact_email: "zz@example.cn",
                        contact_phone: "010-1",
                        created_at: certcase::db::models::now(),
                    },
                    uid.parse().unwrap(),
                )
                .unwrap();
            })
            .await;
        (id, member)
    }

    /// An accepted application of the enterprise for a part of the demo round.
    pub async fn accepted(&self, enterprise: &str, part: &str, target: i32) -> String {
        let (round, e, p) = (self.round.clone(), enterprise.to_string(), part.to_string());
        let id = uuid::Uuid::now_v7().to_string();
        let aid = id.clone();
        self.app
            .conn(move |c| {
                let t = certcase::db::models::now();
                certcase::db::models::applications::insert(
                    c,
                    &certcase::db::models::applications::NewApplication {
                        id: aid.parse().unwrap(),
                        round_id: round.parse().unwrap(),
                        enterprise_id: e.parse().unwrap(),
                        part_code: &p,
                        target_level: target,
                        scope: "核心交易系统",
                        scope_en: None,
                        contact_name: "张喆",
                        contact_email: "zz@example.cn",
                        status: certcase::domain::application_status::Status::Accepted,
                        created_at: t,
                        updated_at: t,
                    },
                )
                .unwrap();
            })
            .await;
        id
    }

    /// An evidence file record of an application's item.
    pub async fn evidence(&self, application: &str, item: &str, uploader: &str) -> String {
        use certcase::db::schema::evidence_files as ef;
        use diesel::ExpressionMethods;
        let id = uuid::Uuid::now_v7().to_string();
        let (i, a, it, u) = (
            id.clone(),
            application.to_string(),
            item.to_string(),
            uploader.to_string(),
        );
        self.app
            .conn(move |c| {
                diesel::insert_into(ef::table)
                    .values((
                        ef::id.eq(i),
                        ef::application_id.eq(a),
                        ef::item_code.eq(it),
                        ef::version.eq(1),
                        ef::description.eq("流水线截图"),
                        ef::display_name.eq("pipeline.pdf"),
                        ef::media_type.eq("application/pdf"),
                        ef::size_bytes.eq(1000i64),
                        ef::content_sha256.eq("00"),
                        ef::uploaded_by.eq(u),
                        ef::uploaded_at.eq(certcase::db::models::now()),
                    ))
                    .execute(c)
                    .unwrap();
            })
            .await;
        id
    }

    /// A registered assessor.
    pub async fn assessor(
        &self,
        name: &str,
        caict: bool,
        parts: &[&str],
        expires: &str,
    ) -> Client<'a> {
        let a = person(self.app, name, &[Role::Assessor]).await;
        self.register(&a, caict, parts, expires, 6).await;
        a
    }

    /// The round's proposal with `seats` a panel, which must exist.
    pub async fn feasible_proposal(&self, seats: u8) -> Value {
        let (s, p) = self
            .sec
            .send(
                "POST",
                &format!("/api/v1/rounds/{}/panel-proposal", self.round),
                Some(json!({ "seats": seats })),
            )
            .await;
        assert_eq!(s, 200, "{p}");
        assert_eq!(p["feasible"], true, "{p}");
        p
    }

    /// Registers `a` in the registry, or updates their entry.
    pub async fn register(
        &self,
        a: &Client<'_>,
        caict: bool,
        parts: &[&str],
        expires: &str,
        max_load: u32,
    ) {
        let org = if caict { &self.caict } else { &self.external };
        let (s, body) = self
            .sec
            .send(
                "POST",
                "/api/v1/assessors",
                Some(json!({
                    "user_id": a.id, "organisation_id": org, "certification_number": format!("CERT-{}", &a.id[24..]),
                    "certification_expires_on": expires, "parts": parts, "languages": ["zh-CN", "en"], "max_load": max_load
                })),
            )
            .await;
        assert_eq!(s, 204, "{body}");
    }

    /// The items of a part of the demo round's model.
    pub async fn items(&self, part: &str) -> Vec<String> {
        let p = part.to_string();
        let version = self.app.caict_version().await;
        self.app
            .conn(move |c| {
                let doc = certcase::db::models::catalog::get_version(c, version.parse().unwrap())
                    .unwrap()
                    .unwrap();
                doc.model
                    .part(&p)
                    .unwrap()
                    .domains
                    .iter()
                    .flat_map(|d| d.items.iter().map(|i| i.code.clone()))
                    .collect()
            })
            .await
    }

    pub async fn status(&self, application: &str) -> String {
        let a = application.to_string();
        self.app
            .conn(move |c| {
                certcase::db::models::applications::get(c, a.parse().unwrap())
                    .unwrap()
                    .unwrap()
                    .status
                    .to_string()
            })
            .await
    }

    /// Seats the usual panel on an accepted application of `part`: 李雷 (lead), 韩梅梅 and
    /// Anna Müller, registered for the part; returns them in that order.
    pub async fn seat_panel(
        &self,
        application: &str,
        part: &str,
    ) -> (Client<'a>, Client<'a>, Client<'a>) {
        let lead = self.assessor("李雷", true, &[part], "2099-01-01").await;
        let b = self.assessor("韩梅梅", true, &[part], "2099-01-01").await;
        let c = self
            .assessor("Anna Müller", false, &[part], "2099-01-01")
            .await;
        let (s, p) = self.set_panel(application, &lead, &[&b, &c]).await;
        assert_eq!(s, 204, "{p}");
        (lead, b, c)
    }

    pub async fn set_panel(
        &self,
        application: &str,
        lead: &Client<'_>,
        members: &[&Client<'_>],
    ) -> (u16, Value) {
        let mut seats = vec![json!({"assessor_id": lead.id, "lead": true})];
        seats.extend(
            members
                .iter()
                .map(|m| json!({"assessor_id": m.id, "lead": false})),
        );
        self.sec
            .send(
                "PUT",
                &format!("/api/v1/applications/{application}/panel"),
                Some(json!({ "seats": seats })),
            )
            .await
    }
}

const VALID: &str = "2099-12-31";

#[tokio::test]
async fn a_panel_is_refused_with_the_rule_and_the_person_and_accepted_when_valid() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (enterprise, _) = w
        .enterprise("北京喆堃科技有限公司", &[Role::Enterprise])
        .await;
    let application = w.accepted(&enterprise, "CD", 3).await;
    let lead = w.assessor("李雷", true, &["CD"], VALID).await;
    let b = w.assessor("韩梅梅", true, &["CD"], VALID).await;
    let c = w.assessor("Anna Müller", false, &["CD"], VALID).await;
    let external_lead = w.assessor("O'Brien", false, &["CD"], VALID).await;
    let expired = w.assessor("过期专家", true, &["CD"], "2020-01-01").await;
    let unqualified = w.assessor("安全专家", true, &["SEC"], VALID).await;
    let conflicted = w.assessor("王堃", true, &["CD"], VALID).await;
    let former = w.assessor("前员工", false, &["CD"], VALID).await;

    let (s, p) = w.set_panel(&application, &lead, &[&b]).await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("2 assessors: a panel needs 3 to 5"),
        "{p}"
    );

    let (s, p) = w.set_panel(&application, &external_lead, &[&b, &c]).await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("O'Brien cannot lead: the lead must be a CAICT expert"),
        "{p}"
    );

    let (s, p) = w.set_panel(&application, &lead, &[&b, &expired]).await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("过期专家's certification expired on 2020-01-01"),
        "{p}"
    );

    let (s, p) = w.set_panel(&application, &lead, &[&b, &unqualified]).await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("安全专家 is not qualified for part CD"),
        "{p}"
    );

    let (s, _) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/assessors/{}/conflicts", conflicted.id),
            Some(json!({"with_id": enterprise, "reason": "曾为其提供咨询"})),
        )
        .await;
    assert_eq!(s, 204);
    let (s, p) = w.set_panel(&application, &lead, &[&b, &conflicted]).await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("王堃 declared a conflict with this enterprise"),
        "{p}"
    );

    let left = (chrono::Utc::now().date_naive() - chrono::Duration::days(300)).to_string();
    let (s, _) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/assessors/{}/employment", former.id),
            Some(json!({"enterprise_id": enterprise, "from": "2015-01-01", "until": left})),
        )
        .await;
    assert_eq!(s, 204);
    let (s, p) = w.set_panel(&application, &lead, &[&b, &former]).await;
    assert_eq!(s, 422);
    assert!(
        p["detail"].as_str().unwrap().contains(&format!(
            "前员工 left this enterprise or its group on {left}"
        )),
        "{p}"
    );

    assert_eq!(
        w.status(&application).await,
        "accepted",
        "refusals change nothing"
    );

    let (s, p) = w.set_panel(&application, &lead, &[&b, &c]).await;
    assert_eq!(s, 204, "{p}");
    assert_eq!(w.status(&application).await, "in_assessment");
    let (s, mine) = lead
        .send("GET", "/api/v1/assessor/applications", None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(mine[0]["id"], application.as_str());
    assert_eq!(mine[0]["lead"], true);

    let (s, registry) = w.sec.send("GET", "/api/v1/assessors", None).await;
    assert_eq!(s, 200);
    assert!(registry
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "过期专家" && a["expired"] == true));
    let page = app
        .signed_in(&app.add_user("秘书处二", &[Role::Secretariat]).await)
        .await;
    let html = page
        .get(app.url("/assessors"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("王堃") && html.contains("曾为其提供咨询"));
}

#[tokio::test]
async fn the_round_proposal_is_optimal_explains_shortfalls_and_is_confirmed_in_one_transaction() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let (e1, _) = w.enterprise("甲银行", &[Role::Enterprise]).await;
    let (e2, _) = w.enterprise("乙证券", &[Role::Enterprise]).await;
    let a1 = w.accepted(&e1, "CD", 3).await;
    let a2 = w.accepted(&e2, "CD", 3).await;
    let mut pool = Vec::new();
    for (i, caict) in [true, true, false, false].into_iter().enumerate() {
        pool.push(w.assessor(&format!("专家{i}"), caict, &["CD"], VALID).await);
    }
    let (s, _) = pool[2]
        .send(
            "PUT",
            &format!("/api/v1/applications/{a1}/preference"),
            Some(json!({"preference": "avoid"})),
        )
        .await;
    assert_eq!(s, 204);

    let p = w.feasible_proposal(3).await;
    let panels = p["panels"].as_array().unwrap();
    assert_eq!(panels.len(), 2);
    for panel in panels {
        assert_eq!(panel["members"].as_array().unwrap().len(), 3);
        let lead = panel["lead"]["name"].as_str().unwrap();
        assert!(
            ["专家0", "专家1", "王堃"].contains(&lead),
            "the lead is a CAICT expert: {lead}"
        );
    }
    let html = app
        .signed_in(&app.add_user("秘书处二", &[Role::Secretariat]).await)
        .await
        .get(app.url(&format!("/rounds/{}/assignment", w.round)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("甲银行 · CD"), "the board shows the proposal");

    // A TO application nobody but the demo assessor is qualified for: no proposal exists.
    let (e3, _) = w.enterprise("丙保险", &[Role::Enterprise]).await;
    let a3 = w.accepted(&e3, "TO", 2).await;
    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/rounds/{}/panel-proposal", w.round),
            Some(json!({"seats": 3})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(p["feasible"], false);
    assert!(
        p["explanations"][0]
            .as_str()
            .unwrap()
            .contains("丙保险 · TO needs 3 assessors but only 1 qualified for part TO"),
        "{p}"
    );
    assert_eq!(
        p["explanation_codes"][0]["code"],
        "panel.shortfall_application_seats"
    );
    assert_eq!(w.status(&a3).await, "accepted");

    let seats = |lead: &Client, others: &[&Client]| {
        let mut v = vec![json!({"assessor_id": lead.id, "lead": true})];
        v.extend(others.iter().map(|o| json!({"assessor_id": o.id})));
        v
    };
    // One bad panel (external lead) refuses the whole confirmation.
    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/rounds/{}/panels", w.round),
            Some(json!({"panels": [
                {"application_id": a1, "seats": seats(&pool[0], &[&pool[1], &pool[2]])},
                {"application_id": a2, "seats": seats(&pool[3], &[&pool[1], &pool[0]])},
            ]})),
        )
        .await;
    assert_eq!(s, 422);
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("乙证券 · CD: 专家3 cannot lead"),
        "{p}"
    );
    assert_eq!(w.status(&a1).await, "accepted");

    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/rounds/{}/panels", w.round),
            Some(json!({"panels": [
                {"application_id": a1, "seats": seats(&pool[0], &[&pool[1], &pool[3]])},
                {"application_id": a2, "seats": seats(&pool[1], &[&pool[2], &pool[3]])},
            ]})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(w.status(&a1).await, "in_assessment");
    assert_eq!(w.status(&a2).await, "in_assessment");
}

/// The `(name, value)` pairs of the hidden inputs named `prefix…` in a page.
fn hidden_inputs(html: &str, prefix: &str) -> Vec<(String, String)> {
    let marker = format!("type=\"hidden\" name=\"{prefix}");
    html.match_indices(&marker)
        .map(|(i, _)| {
            let rest = &html[i + "type=\"hidden\" name=\"".len()..];
            let name = &rest[..rest.find('"').unwrap()];
            let v = &rest[rest.find("value=\"").unwrap() + 7..];
            (name.to_string(), v[..v.find('"').unwrap()].to_string())
        })
        .collect()
}

#[tokio::test]
async fn the_board_is_confirmed_a_page_at_a_time_and_max_load_counts_the_whole_round() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let mut accepted = Vec::new();
    for name in ["甲银行", "乙证券", "丙保险"] {
        let (e, _) = w.enterprise(name, &[Role::Enterprise]).await;
        accepted.push(w.accepted(&e, "CD", 3).await);
    }
    let mut pool = Vec::new();
    for (i, caict) in [true, true, false, false, false].into_iter().enumerate() {
        pool.push(w.assessor(&format!("专家{i}"), caict, &["CD"], VALID).await);
    }
    let sec = app.signed_in(&w.sec.login).await;
    let board = |query: String| {
        let (sec, url) = (
            sec.clone(),
            app.url(&format!("/rounds/{}/assignment{query}", w.round)),
        );
        async move { sec.get(url).send().await.unwrap().text().await.unwrap() }
    };

    // Two panels a page: the first page's form carries its two panels and nothing else,
    // each row links to setting that panel by hand, and the next page has the third.
    let first = board("?limit=2".into()).await;
    let seats = hidden_inputs(&first, "seat_");
    let on_first: std::collections::BTreeSet<&str> =
        seats.iter().map(|(n, _)| &n["seat_".len()..]).collect();
    assert_eq!(on_first.len(), 2, "{first}");
    assert_eq!(seats.len(), 8, "four seats a panel: {seats:?}");
    assert_eq!(hidden_inputs(&first, "lead_").len(), 2);
    for a in &on_first {
        assert!(first.contains(&format!("href=\"/applications/{a}/panel\"")));
        assert!(accepted.iter().any(|x| x == a));
    }
    assert!(
        !first.contains("<select"),
        "seats are shown by name, not as choices"
    );
    let next = first
        .split("rel=\"next\" href=\"")
        .nth(1)
        .map(|r| r[..r.find('"').unwrap()].replace("&amp;", "&"))
        .expect("a link to the next page");
    let second = board(next[next.find('?').unwrap()..].to_string()).await;
    let on_second = hidden_inputs(&second, "lead_");
    assert_eq!(on_second.len(), 1, "{second}");
    let last = on_second[0].0["lead_".len()..].to_string();
    assert!(!on_first.contains(last.as_str()));

    // Confirming the first page starts those two assessments; the board keeps the third.
    let mut form = vec![("csrf_token".to_string(), crate::helpers::csrf_in(&first))];
    form.extend(seats.iter().cloned());
    form.extend(hidden_inputs(&first, "lead_"));
    let res = sec
        .post(app.url(&format!("/rounds/{}/assignment", w.round)))
        .headers(app.same_origin())
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    for a in &on_first {
        assert_eq!(w.status(a).await, "in_assessment");
    }
    assert_eq!(w.status(&last).await, "accepted");
    let rest = board(String::new()).await;
    assert_eq!(hidden_inputs(&rest, "lead_").len(), 1);

    // An assessor already on both panels, their maximum lowered to 2 panels a round: the
    // proposal leaves them out of the third, and a panel that seats them is refused.
    let (n, full) = pool
        .iter()
        .enumerate()
        .find(|(_, p)| seats.iter().filter(|(_, v)| *v == p.id).count() == 2)
        .expect("with five assessors and four seats, three sit on both");
    w.register(full, n < 2, &["CD"], VALID, 2).await;
    let p = w.feasible_proposal(3).await;
    let members = p["panels"][0]["members"].as_array().unwrap();
    assert!(members.iter().all(|m| m["id"] != full.id.as_str()), "{p}");
    let lead = pool[..2].iter().find(|p| p.id != full.id).unwrap();
    let others: Vec<&Client> = pool.iter().filter(|p| p.id != lead.id).take(2).collect();
    let others = if others.iter().any(|o| o.id == full.id) {
        others
    } else {
        vec![full, others[0]]
    };
    let mut panel = vec![json!({"assessor_id": lead.id, "lead": true})];
    panel.extend(others.iter().map(|o| json!({"assessor_id": o.id})));
    let (s, p) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/rounds/{}/panels", w.round),
            Some(json!({"panels": [{"application_id": last, "seats": panel}]})),
        )
        .await;
    let overloaded = format!("专家{n} would sit on 3 panels, above their maximum of 2");
    assert_eq!(s, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains(&overloaded), "{p}");
    assert_eq!(w.status(&last).await, "accepted");
    // Set by hand, the same panel is refused for the same reason.
    let (s, p) = w
        .sec
        .send(
            "PUT",
            &format!("/api/v1/applications/{last}/panel"),
            Some(json!({ "seats": panel })),
        )
        .await;
    assert_eq!(s, 422, "{p}");
    assert!(p["detail"].as_str().unwrap().contains(&overloaded), "{p}");
    assert_eq!(w.status(&last).await, "accepted");
}

#[tokio::test]
async fn the_secretariat_keeps_the_registry_through_its_page() {
    let app = spawn_app().await;
    let w = world(&app).await;
    let newcomer = person(&app, "赵敏", &[Role::Assessor]).await;
    let sec = app.signed_in(&w.sec.login).await;
    let html = sec
        .get(app.url("/assessors"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("<option value=\"{}\">赵敏</option>", newcomer.id)));
    let token = crate::helpers::csrf_in(&html);
    let post = |path: &'static str, form: Vec<(&'static str, String)>| {
        let (sec, url, h) = (sec.clone(), app.url(path), app.same_origin());
        let mut form = form;
        form.push(("csrf_token", token.clone()));
        async move { sec.post(url).headers(h).form(&form).send().await.unwrap() }
    };
    let res = post(
        "/assessors/organisations",
        vec![("name", "某测评中心".into()), ("kind", "external".into())],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = post(
        "/assessors",
        vec![
            ("user_id", newcomer.id.clone()),
            ("organisation_id", w.caict.clone()),
            ("certification_number", "A-77".into()),
            ("certification_expires_on", "2030-06-30".into()),
            ("parts", "CD, SEC".into()),
            ("languages", "zh-CN".into()),
            ("max_load", "4".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = post(
        "/assessors",
        vec![
            ("user_id", newcomer.id.clone()),
            ("organisation_id", w.caict.clone()),
            ("certification_number", "A-77".into()),
            ("certification_expires_on", "2030-06-30".into()),
            ("parts", "".into()),
            ("languages", "zh-CN".into()),
        ],
    )
    .await;
    assert_eq!(res.status(), 422, "a profile names its parts");
    let (_, registry) = w.sec.send("GET", "/api/v1/assessors", None).await;
    let entry = registry
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "赵敏")
        .unwrap()
        .clone();
    assert_eq!(entry["parts"], json!(["CD", "SEC"]));
    assert_eq!(entry["max_load"], 4);
    let html = sec
        .get(app.url("/assessors"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("某测评中心") && html.contains("A-77"));
}

/// Issue #19: the round's proposal is computed once and then served from memory until
/// anything it is computed from changes, whether the change comes through a use case or
/// is written to the database by another instance or the command line.
#[tokio::test]
async fn the_proposal_is_computed_once_until_what_it_reads_changes() {
    let kept = std::sync::Arc::new(std::sync::Mutex::new(None));
    let keep = kept.clone();
    let app = crate::helpers::spawn_app_with_state(
        |_| {},
        move |s| *keep.lock().unwrap() = Some(s.proposals.clone()),
    )
    .await;
    let cache = kept.lock().unwrap().take().unwrap();
    let w = world(&app).await;
    let (enterprise, _) = w.enterprise("甲银行", &[Role::Enterprise]).await;
    let application = w.accepted(&enterprise, "CD", 3).await;
    for (i, caict) in [true, true, false, false, false].into_iter().enumerate() {
        w.assessor(&format!("专家{i}"), caict, &["CD"], VALID).await;
    }
    // What the proposal says computed afresh, to compare the served one with.
    let afresh = || {
        let round = w.round.clone();
        app.conn(move |c| {
            let req = certcase::workflow::panels::ProposalRequest { seats: Some(3) };
            let today = chrono::Utc::now().date_naive();
            let p = certcase::workflow::panels::propose(c, round.parse().unwrap(), &req, today)
                .unwrap();
            serde_json::to_value(&p.panels).unwrap()
        })
    };
    // The lead first, then the other members.
    let seated = |p: &Value| -> Vec<String> {
        let panel = &p["panels"][0];
        let lead = panel["lead"]["id"].as_str().unwrap().to_string();
        let others = panel["members"].as_array().unwrap().iter();
        std::iter::once(lead.clone())
            .chain(
                others
                    .map(|m| m["id"].as_str().unwrap().to_string())
                    .filter(|m| *m != lead),
            )
            .collect()
    };

    let first = w.feasible_proposal(3).await;
    assert_eq!(w.feasible_proposal(3).await, first);
    assert_eq!(cache.computations(), 1, "asked again, served as computed");
    assert_eq!(first["panels"], afresh().await);
    let sec = app.signed_in(&w.sec.login).await;
    let board = format!("/rounds/{}/assignment", w.round);
    for _ in 0..2 {
        let page = sec.get(app.url(&board)).send().await.unwrap();
        assert_eq!(page.status(), 200);
    }
    assert_eq!(
        cache.computations(),
        2,
        "the board's panel size is another entry"
    );

    // Writes that the proposal does not read leave it as it is.
    let visitor = app.add_user("访客", &[Role::Enterprise]).await;
    app.signed_in(&visitor).await;
    w.feasible_proposal(3).await;
    assert_eq!(cache.computations(), 2);

    // A conflict declared through the API: the conflicted assessor leaves the panel.
    let conflicted = seated(&first)[1].clone();
    let (s, _) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/assessors/{conflicted}/conflicts"),
            Some(json!({"with_id": enterprise, "reason": "曾为其提供咨询"})),
        )
        .await;
    assert_eq!(s, 204);
    let second = w.feasible_proposal(3).await;
    assert_eq!(cache.computations(), 3);
    assert!(!seated(&second).contains(&conflicted), "{second}");
    assert_eq!(second["panels"], afresh().await);

    // An assessor renamed in the database by someone else: the next proposal names them
    // so.
    let renamed = seated(&second)[0].clone();
    let sql = format!("UPDATE users SET display_name = '改名专家' WHERE id = '{renamed}'");
    app.conn(move |c| diesel::sql_query(sql).execute(c).unwrap())
        .await;
    let third = w.feasible_proposal(3).await;
    assert_eq!(cache.computations(), 4);
    assert_eq!(third["panels"][0]["lead"]["name"], "改名专家", "{third}");
    assert_eq!(third["panels"], afresh().await);

    // The panel set by hand: the application leaves the proposal.
    let seats: Vec<Value> = seated(&third)
        .iter()
        .enumerate()
        .map(|(i, id)| json!({"assessor_id": id, "lead": i == 0}))
        .collect();
    let (s, p) = w
        .sec
        .send(
            "PUT",
            &format!("/api/v1/applications/{application}/panel"),
            Some(json!({ "seats": seats })),
        )
        .await;
    assert_eq!(s, 204, "{p}");
    let (s, after) = w
        .sec
        .send(
            "POST",
            &format!("/api/v1/rounds/{}/panel-proposal", w.round),
            Some(json!({ "seats": 3 })),
        )
        .await;
    assert_eq!(s, 200, "{after}");
    assert_eq!(after["panels"], json!([]));
    assert_eq!(cache.computations(), 5);
}
