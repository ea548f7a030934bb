//! The private eligibility pre-check: Mei is 34 (born this year − 34, so a bound at 34 is
//! either side of her age), has lupus nephritis class IV and had cyclophosphamide. She keeps
//! a health profile only she can read; the pre-check tells her, criterion by criterion and
//! quoting each, why a trial is likely or not, always saying that only the trial team decides;
//! she searches by it, and attaches it to an answer only if she chooses. Staff never see her
//! profile; her export has it, an administrator's copy does not; erasure takes it.

use chrono::Datelike;
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::harness::database::Count;
use crate::harness::json::{id_of, items, page_ids, with};
use crate::harness::people::{Person, admin, coordinator, erase_account, member, moderator};
use crate::harness::trials::{draft, notice, publish};

/// A city nobody else writes: wherever it shows, her profile leaked.
const CITY: &str = "Shiyan-Zhangwan-7731";

fn year() -> i64 {
    i64::from(chrono::Utc::now().year())
}

fn her_profile() -> Value {
    json!({
        "birth_year": year() - 34,
        "sex": "female",
        "diagnosis_year": 2019,
        "lupus_nephritis": true,
        "nephritis_class": "IV",
        "current_treatments": ["hydroxychloroquine", "mycophenolate"],
        "past_treatments": ["cyclophosphamide"],
        "pregnancy_plans": "none",
        "country": "China",
        "city": CITY
    })
}

async fn put_profile(app: &TestApp, who: &Person, body: &Value) -> crate::harness::http::Reply {
    app.send(
        awc::http::Method::PUT,
        "/api/v1/me/health-profile",
        who.token(),
        Some(body),
    )
    .await
}

fn eligibility(min: i64, max: i64, criteria: &str) -> Value {
    json!({"min_age_years": min, "max_age_years": max, "sex": "all", "healthy_volunteers": false, "criteria": criteria})
}

/// The notices of the story, published by Dr Lin.
struct Trials {
    /// Requires nephritis class III or IV, ages 18–65: likely.
    nephritis: i64,
    /// Excludes prior cyclophosphamide: unlikely, quoting the exclusion.
    no_cyclophosphamide: i64,
    /// Ages 40–70: unlikely.
    older: i64,
    /// No structured criteria: unclear.
    plain: i64,
    /// From 34: she may be 33 or 34, unclear.
    from_34: i64,
}

async fn publish_trials(app: &TestApp, lin: &Person, mia: &Person) -> Trials {
    let nephritis = publish(
        app,
        lin,
        mia,
        &with(
            &notice("NCT05938725"),
            json!({
                "eligibility": eligibility(18, 65, "Inclusion Criteria:\n\n* Biopsy-proven lupus nephritis class III or IV (ISN/RPS 2003)\n\nExclusion Criteria:\n\n* Pregnant or breastfeeding"),
                "structured_criteria": {
                    "required_conditions": ["nephritis_class_iii", "nephritis_class_iv"],
                    "excluded_conditions": ["pregnancy_or_breastfeeding"]
                }
            }),
        ),
    )
    .await;
    let no_cyclophosphamide = publish(
        app,
        lin,
        mia,
        &with(
            &notice("NCT06121297"),
            json!({
                "eligibility": eligibility(18, 65, "Inclusion Criteria:\n\n* Active SLE\n\nExclusion Criteria:\n\n* Prior treatment with cyclophosphamide within 12 months of screening"),
                "structured_criteria": {"excluded_treatments": ["cyclophosphamide"]}
            }),
        ),
    )
    .await;
    let older = publish(
        app,
        lin,
        mia,
        &with(
            &notice("NCT06342960"),
            json!({
                "eligibility": eligibility(40, 70, "Inclusion Criteria:\n\n* Aged 40 to 70 years\n* Lupus nephritis"),
                "structured_criteria": {"required_conditions": ["lupus_nephritis"]}
            }),
        ),
    )
    .await;
    let plain = publish(app, lin, mia, &notice("NCT05765006")).await;
    let from_34 = publish(
        app,
        lin,
        mia,
        &with(
            &notice("NCT06294236"),
            json!({
                "eligibility": eligibility(34, 60, "Inclusion Criteria:\n\n* Lupus nephritis"),
                "structured_criteria": {"required_conditions": ["lupus_nephritis"]}
            }),
        ),
    )
    .await;
    Trials {
        nephritis,
        no_cyclophosphamide,
        older,
        plain,
        from_34,
    }
}

async fn pre_check(app: &TestApp, who: &Person, trial: i64) -> Value {
    app.get(&format!("/api/v1/trials/{trial}/pre-check"), who.token())
        .await
        .expect(200)
}

fn criterion<'a>(check: &'a Value, kind: &str) -> &'a Value {
    check["criteria"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["kind"] == kind))
        .unwrap_or_else(|| panic!("no `{kind}` criterion in {check}"))
}

#[track_caller]
fn assert_disclaimer(check: &Value) {
    let disclaimer = check["disclaimer"].as_str().unwrap_or_default();
    assert!(
        disclaimer.contains("only the trial team decides eligibility"),
        "{check}"
    );
}

#[actix_web::test]
async fn she_is_34_with_class_iv_nephritis_after_cyclophosphamide_and_the_pre_check_says_why() {
    let app = TestApp::spawn().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let mei = member(&app, "Mei_Lin").await;
    let t = publish_trials(&app, &lin, &mia).await;

    // Without a profile there is nothing to compare: 409, saying what to do.
    let problem = app
        .get(
            &format!("/api/v1/trials/{}/pre-check", t.nephritis),
            mei.token(),
        )
        .await
        .expect_problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("PUT /api/v1/me/health-profile")),
        "{problem}"
    );
    app.get("/api/v1/me/health-profile", mei.token())
        .await
        .expect_problem(404);

    let saved = put_profile(&app, &mei, &her_profile()).await.expect(200);
    assert_eq!(saved["nephritis_class"], "IV");
    assert_eq!(saved["past_treatments"], json!(["cyclophosphamide"]));
    let read = app
        .get("/api/v1/me/health-profile", mei.token())
        .await
        .expect(200);
    assert_eq!(read, saved);

    // Class III or IV, 18–65: likely, each criterion quoted from the notice's own words.
    let check = pre_check(&app, &mei, t.nephritis).await;
    assert_eq!(check["verdict"], "likely", "{check}");
    assert_eq!(check["trial_id"], t.nephritis);
    assert_disclaimer(&check);
    let age = criterion(&check, "age");
    assert_eq!(age["verdict"], "likely");
    assert_eq!(age["quote"], "Ages 18 to 65 years");
    assert_eq!(age["quote_source"], "structured");
    let classes = criterion(&check, "required_condition");
    assert_eq!(classes["verdict"], "likely", "{check}");
    assert_eq!(
        classes["quote"],
        "Biopsy-proven lupus nephritis class III or IV (ISN/RPS 2003)"
    );
    assert_eq!(classes["quote_source"], "criteria_text");
    assert!(
        classes["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("class IV"),
        "{classes}"
    );
    let pregnancy = criterion(&check, "excluded_condition");
    assert_eq!(pregnancy["verdict"], "likely");
    assert_eq!(pregnancy["quote"], "Pregnant or breastfeeding");

    // Excluding prior cyclophosphamide: unlikely, and she sees the exclusion it judged.
    let check = pre_check(&app, &mei, t.no_cyclophosphamide).await;
    assert_eq!(check["verdict"], "unlikely", "{check}");
    assert_disclaimer(&check);
    let excluded = criterion(&check, "excluded_treatment");
    assert_eq!(excluded["verdict"], "unlikely");
    assert_eq!(
        excluded["quote"],
        "Prior treatment with cyclophosphamide within 12 months of screening"
    );
    assert!(
        excluded["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("cyclophosphamide"),
        "{excluded}"
    );

    // Ages 40–70: unlikely because of her age.
    let check = pre_check(&app, &mei, t.older).await;
    assert_eq!(check["verdict"], "unlikely", "{check}");
    assert_eq!(criterion(&check, "age")["verdict"], "unlikely");
    assert_eq!(criterion(&check, "required_condition")["verdict"], "likely");

    // No structured criteria: unclear, quoting the criteria in words.
    let check = pre_check(&app, &mei, t.plain).await;
    assert_eq!(check["verdict"], "unclear", "{check}");
    assert_eq!(criterion(&check, "age")["verdict"], "likely");
    let other = criterion(&check, "other_criteria");
    assert_eq!(other["verdict"], "unclear");
    assert_eq!(
        other["quote"],
        "Inclusion Criteria: active SLE despite standard treatment."
    );
    assert_disclaimer(&check);

    // From 34: only her year of birth is known, so she may be 33 or 34.
    let check = pre_check(&app, &mei, t.from_34).await;
    assert_eq!(check["verdict"], "unclear", "{check}");
    let age = criterion(&check, "age");
    assert_eq!(age["verdict"], "unclear");
    assert!(
        age["reason"]
            .as_str()
            .unwrap_or_default()
            .contains("33 or 34"),
        "{age}"
    );

    // Nothing of it was stored: the notice reads the same for everyone.
    let notice = app
        .get(&format!("/api/v1/trials/{}", t.nephritis), mei.token())
        .await
        .expect(200);
    assert_eq!(notice["my_interest"], Value::Null);
    assert_eq!(
        notice["structured_criteria"]["required_conditions"],
        json!(["nephritis_class_iii", "nephritis_class_iv"])
    );
    assert_eq!(notice["criteria_confirmed"], true);

    // Her profile changes, the pre-check follows; deleted, it is gone.
    put_profile(
        &app,
        &mei,
        &with(&her_profile(), json!({"nephritis_class": "V"})),
    )
    .await
    .expect(200);
    let check = pre_check(&app, &mei, t.nephritis).await;
    assert_eq!(check["verdict"], "unlikely", "{check}");
    app.delete("/api/v1/me/health-profile", mei.token())
        .await
        .expect(204);
    app.get("/api/v1/me/health-profile", mei.token())
        .await
        .expect_problem(404);
    app.get(
        &format!("/api/v1/trials/{}/pre-check", t.nephritis),
        mei.token(),
    )
    .await
    .expect_problem(409);
    // Visitors have no pre-check.
    app.get(&format!("/api/v1/trials/{}/pre-check", t.nephritis), None)
        .await
        .expect_problem(401);
}

#[actix_web::test]
async fn she_filters_and_sorts_the_search_by_her_pre_check() {
    let app = TestApp::spawn().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let mei = member(&app, "Mei_Lin").await;
    let t = publish_trials(&app, &lin, &mia).await;

    // Visitors: 401; members without a profile: 409.
    app.get("/api/v1/trials?pre_check=likely", None)
        .await
        .expect_problem(401);
    app.get("/api/v1/trials?sort=pre_check", mei.token())
        .await
        .expect_problem(409);
    put_profile(&app, &mei, &her_profile()).await.expect(200);

    // Only likely ones.
    let page = app
        .get("/api/v1/trials?pre_check=likely", mei.token())
        .await
        .expect(200);
    assert_eq!(page_ids(&page), vec![t.nephritis], "{page}");
    assert_eq!(items(&page)[0]["pre_check"], "likely");

    // At least unclear, in the default order (newest first).
    let page = app
        .get("/api/v1/trials?pre_check=unclear", mei.token())
        .await
        .expect(200);
    assert_eq!(
        page_ids(&page),
        vec![t.from_34, t.plain, t.nephritis],
        "{page}"
    );

    // Sorted: likely, unclear, unlikely; each newest first; pages follow the same order.
    let expected = vec![
        t.nephritis,
        t.from_34,
        t.plain,
        t.older,
        t.no_cyclophosphamide,
    ];
    let page = app
        .get("/api/v1/trials?sort=pre_check", mei.token())
        .await
        .expect(200);
    assert_eq!(page_ids(&page), expected, "{page}");
    let verdicts: Vec<Value> = items(&page)
        .iter()
        .map(|i| i["pre_check"].clone())
        .collect();
    assert_eq!(
        verdicts,
        vec![
            json!("likely"),
            json!("unclear"),
            json!("unclear"),
            json!("unlikely"),
            json!("unlikely")
        ]
    );
    let mut seen = Vec::new();
    let mut path = "/api/v1/trials?sort=pre_check&limit=2".to_owned();
    loop {
        let page = app.get(&path, mei.token()).await.expect(200);
        seen.extend(page_ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/trials?sort=pre_check&limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, expected);

    // Combined with the other filters (only the 40–70 trial admits a 66-year-old); the
    // ordinary search shows no verdict.
    let page = app
        .get("/api/v1/trials?sort=pre_check&age=66", mei.token())
        .await
        .expect(200);
    assert_eq!(page_ids(&page), vec![t.older], "{page}");
    let page = app.get("/api/v1/trials", mei.token()).await.expect(200);
    assert!(
        items(&page).iter().all(|i| i.get("pre_check").is_none()),
        "{page}"
    );

    // What cannot be: an unknown verdict or order, or a distance search with it.
    app.get("/api/v1/trials?pre_check=maybe", mei.token())
        .await
        .expect_invalid_field("pre_check");
    app.get("/api/v1/trials?sort=newest", mei.token())
        .await
        .expect_invalid_field("sort");
    app.get(
        "/api/v1/trials?pre_check=likely&near=39.9,116.4",
        mei.token(),
    )
    .await
    .expect_invalid_field("near");
}

#[actix_web::test]
async fn she_attaches_her_pre_check_inside_the_consent_and_otherwise_nothing_of_her_profile_leaves()
{
    let app = TestApp::spawn().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Wu").await;
    let t = publish_trials(&app, &lin, &mia).await;
    put_profile(&app, &mei, &her_profile()).await.expect(200);
    put_profile(
        &app,
        &ana,
        &with(
            &her_profile(),
            json!({"city": "Ana-Town-5521", "nephritis_class": "III"}),
        ),
    )
    .await
    .expect(200);

    // Without a profile there is nothing to attach: the answer is refused, nothing stored.
    let bo = member(&app, "Bo_Chen").await;
    app.post_json_as(
        &format!("/api/v1/trials/{}/interest", t.nephritis),
        &bo.access,
        &json!({"consent": true, "share": {"email": true}, "attach_pre_check": true}),
    )
    .await
    .expect_invalid_field("attach_pre_check");

    // Mei attaches hers; Ana, with a profile too, does not.
    let answer = app
        .post_json_as(
            &format!("/api/v1/trials/{}/interest", t.nephritis),
            &mei.access,
            &json!({"consent": true, "share": {"email": true}, "attach_pre_check": true}),
        )
        .await
        .expect(201);
    assert_eq!(answer["pre_check"]["verdict"], "likely", "{answer}");
    assert_disclaimer(&answer["pre_check"]);
    let anas = app
        .post_json_as(
            &format!("/api/v1/trials/{}/interest", t.nephritis),
            &ana.access,
            &json!({"consent": true, "share": {"email": true}}),
        )
        .await
        .expect(201);
    assert_eq!(anas["pre_check"], Value::Null);

    // The coordinator sees Mei's pre-check as it was when she answered, and nothing of Ana's.
    let inbox = app
        .get(
            &format!("/api/v1/trials/{}/interests", t.nephritis),
            lin.token(),
        )
        .await
        .expect(200);
    let answers = items(&inbox);
    let meis = answers
        .iter()
        .find(|a| a["id"] == answer["id"])
        .expect("her answer");
    assert_eq!(meis["pre_check"]["verdict"], "likely", "{meis}");
    assert_eq!(
        criterion(&meis["pre_check"], "required_condition")["quote"],
        "Biopsy-proven lupus nephritis class III or IV (ISN/RPS 2003)"
    );
    let anas = answers
        .iter()
        .find(|a| a["id"] == anas["id"])
        .expect("Ana's answer");
    assert_eq!(anas["pre_check"], Value::Null, "{anas}");
    let text = inbox.to_string();
    assert!(
        !text.contains("Ana-Town-5521") && !text.contains(CITY),
        "{text}"
    );
    assert_eq!(
        text.matches("\"verdict\"").count(),
        1 + meis["pre_check"]["criteria"].as_array().map_or(0, Vec::len),
        "only Mei's pre-check: {text}"
    );

    // Her profile changes later: what she attached stays as it was.
    put_profile(
        &app,
        &mei,
        &with(
            &her_profile(),
            json!({"lupus_nephritis": false, "nephritis_class": null}),
        ),
    )
    .await
    .expect(200);
    let inbox = app
        .get(
            &format!("/api/v1/trials/{}/interests", t.nephritis),
            lin.token(),
        )
        .await
        .expect(200);
    let meis = items(&inbox)
        .into_iter()
        .find(|a| a["id"] == answer["id"])
        .expect("her answer");
    assert_eq!(meis["pre_check"]["verdict"], "likely");

    // Withdrawn, the attached pre-check is erased with the rest of what she shared.
    app.delete(
        &format!("/api/v1/trials/{}/interest", t.nephritis),
        mei.token(),
    )
    .await
    .expect(204);
    let inbox = app
        .get(
            &format!("/api/v1/trials/{}/interests", t.nephritis),
            lin.token(),
        )
        .await
        .expect(200);
    let meis = items(&inbox)
        .into_iter()
        .find(|a| a["id"] == answer["id"])
        .expect("her withdrawn answer");
    assert_eq!(meis["status"], "withdrawn");
    assert_eq!(meis["pre_check"], Value::Null, "{meis}");
}

/// Every `GET` operation of the served document, its path parameters filled with `id`.
async fn every_get_path(app: &TestApp, id: i64) -> Vec<String> {
    let document = app.get("/api/openapi.json", None).await.expect(200);
    let paths = document["paths"].as_object().expect("paths");
    let mut found: Vec<String> = paths
        .iter()
        .filter(|(_, item)| item.get("get").is_some())
        .map(|(path, _)| {
            let mut out = String::new();
            let mut rest = path.as_str();
            while let Some(open) = rest.find('{') {
                out.push_str(&rest[..open]);
                out.push_str(&id.to_string());
                rest = rest[open..].split_once('}').map_or("", |(_, r)| r);
            }
            out.push_str(rest);
            out
        })
        .collect();
    found.sort();
    assert!(
        found.iter().any(|p| p.starts_with("/api/v1/admin/users/")),
        "{found:?}"
    );
    found
}

#[actix_web::test]
async fn staff_never_see_her_profile_and_an_administrators_copy_of_her_data_leaves_it_out() {
    let app = TestApp::spawn().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let root = admin(&app, "Chief_Admin").await;
    let mei = member(&app, "Mei_Lin").await;
    let t = publish_trials(&app, &lin, &mia).await;
    put_profile(&app, &mei, &her_profile()).await.expect(200);
    app.post_json_as(
        &format!("/api/v1/trials/{}/interest", t.nephritis),
        &mei.access,
        &json!({"consent": true, "share": {"email": true}, "attach_pre_check": true}),
    )
    .await
    .expect(201);

    // Her own export has her profile and what she attached.
    let mine = app.get("/api/v1/me/export", mei.token()).await.expect(200);
    assert_eq!(mine["health_profile"]["city"], CITY, "{mine}");
    assert_eq!(mine["health_profile"]["nephritis_class"], "IV");
    assert_eq!(mine["trial_interests"][0]["pre_check"]["verdict"], "likely");

    // An administrator's copy (logged) leaves both out.
    let copy = app
        .get(
            &format!("/api/v1/admin/users/{}/export", mei.id),
            root.token(),
        )
        .await
        .expect(200);
    assert_eq!(copy["account"]["id"], mei.id, "a real copy: {copy}");
    assert_eq!(copy["health_profile"], Value::Null, "{copy}");
    assert_eq!(copy["trial_interests"][0]["pre_check"], Value::Null);
    assert!(!copy.to_string().contains(CITY));

    // No staff route shows it: every GET of the document, its ids set to hers, for the
    // administrator, the moderator and the coordinator (whatever the status of each answer).
    // The one route that reads a health profile reads the caller's own, and theirs is empty.
    for staff in [&root, &mia, &lin] {
        app.get("/api/v1/me/health-profile", staff.token())
            .await
            .expect_problem(404);
        for path in every_get_path(&app, mei.id).await {
            let reply = app.get(&path, staff.token()).await;
            assert!(
                !reply.body.contains(CITY) && !reply.body.contains("\"nephritis_class\""),
                "{} sees her profile at {path}: {}",
                staff.name,
                reply.body
            );
        }
    }
}

async fn profiles(app: &TestApp) -> i64 {
    app.db()
        .read(|conn| {
            diesel::sql_query("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM health_profiles")
                .get_result::<Count>(conn)
                .map(|c| c.n)
                .map_err(butterfly::db::DbError::Query)
        })
        .await
        .expect("health_profiles can be counted")
}

#[actix_web::test]
async fn her_profile_goes_with_her_account() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Wu").await;
    put_profile(&app, &mei, &her_profile()).await.expect(200);
    put_profile(&app, &ana, &json!({"birth_year": 1980}))
        .await
        .expect(200);
    assert_eq!(profiles(&app).await, 2);

    erase_account(
        &app,
        mei.token(),
        &json!({"password": crate::harness::PASSWORD, "content": "remove"}),
    )
    .await
    .expect(204);
    assert_eq!(profiles(&app).await, 1, "only Ana's is left");
    let anas = app
        .get("/api/v1/me/health-profile", ana.token())
        .await
        .expect(200);
    assert_eq!(anas["birth_year"], 1980);
    assert_eq!(anas["current_treatments"], json!([]));
    assert_eq!(anas["nephritis_class"], Value::Null);
}

#[actix_web::test]
async fn an_implausible_profile_is_refused_field_by_field() {
    let app = TestApp::spawn().await;
    let mei = member(&app, "Mei_Lin").await;
    let problem = put_profile(
        &app,
        &mei,
        &json!({
            "birth_year": year() + 1,
            "diagnosis_year": 1900,
            "lupus_nephritis": false,
            "nephritis_class": "IV",
            "past_treatments": vec!["rituximab"; 10],
            "country": "X",
            "city": "a".repeat(101)
        }),
    )
    .await
    .expect_problem(422);
    for field in [
        "birth_year",
        "diagnosis_year",
        "nephritis_class",
        "past_treatments",
        "country",
        "city",
    ] {
        assert!(problem["errors"][field].is_string(), "{field}: {problem}");
    }
    // Outside the closed lists.
    put_profile(&app, &mei, &json!({"current_treatments": ["aspirin"]}))
        .await
        .expect_problem(422);
    put_profile(
        &app,
        &mei,
        &json!({"lupus_nephritis": true, "nephritis_class": "VII"}),
    )
    .await
    .expect_problem(422);
    put_profile(&app, &mei, &json!({"pregnancy_plans": "maybe"}))
        .await
        .expect_problem(422);
    // A class with nephritis, and nothing else said, is fine.
    let saved = put_profile(
        &app,
        &mei,
        &json!({"lupus_nephritis": true, "nephritis_class": "VI"}),
    )
    .await
    .expect(200);
    assert_eq!(saved["birth_year"], Value::Null);
    assert_eq!(saved["nephritis_class"], "VI");
}

#[actix_web::test]
async fn an_import_proposes_criteria_that_its_coordinator_confirms_before_review() {
    let app = TestApp::spawn().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let record = std::fs::read(format!(
        "{}/tests/fixtures/clinicaltrials/NCT03722472.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the fixture");
    let imported = app
        .request(
            awc::http::Method::POST,
            "/api/v1/trials/import",
            lin.token(),
            &[("content-type", "application/json")],
            Some(record),
        )
        .await
        .expect(201);
    assert_eq!(
        imported["structured_criteria"],
        json!({
            "required_conditions": [],
            "excluded_conditions": ["autoimmune_disease", "pregnancy_or_breastfeeding"],
            "required_treatments": [],
            "excluded_treatments": ["glucocorticoids"]
        }),
        "{imported}"
    );
    assert_eq!(imported["criteria_confirmed"], false);
    let id = id_of(&imported);
    // Complete it as review requires; the criteria still wait for her.
    app.patch_json(
        &format!("/api/v1/trials/{id}"),
        lin.token(),
        &json!({
            "summary": "A tuberculosis vaccine study in healthy adults.",
            "sponsor": "Access to Advanced Health Institute",
            "recruitment_status": "recruiting",
            "sites": notice("NCT00000000")["sites"],
            "contact": notice("NCT00000000")["contact"]
        }),
    )
    .await
    .expect(200);
    let problem = app
        .post_json_as(
            &format!("/api/v1/trials/{id}/submit"),
            &lin.access,
            &json!({}),
        )
        .await
        .expect_invalid_field("structured_criteria");
    assert!(
        problem["errors"]["structured_criteria"]
            .as_str()
            .is_some_and(|m| m.contains("confirm")),
        "{problem}"
    );
    let confirmed = app
        .patch_json(
            &format!("/api/v1/trials/{id}"),
            lin.token(),
            &json!({"criteria_confirmed": true}),
        )
        .await
        .expect(200);
    assert_eq!(confirmed["criteria_confirmed"], true);
    assert_eq!(
        confirmed["structured_criteria"]["excluded_treatments"],
        json!(["glucocorticoids"])
    );
    app.post_json_as(
        &format!("/api/v1/trials/{id}/submit"),
        &lin.access,
        &json!({}),
    )
    .await
    .expect(200);

    // A record with nothing to propose has nothing to confirm.
    let record = std::fs::read(format!(
        "{}/tests/fixtures/clinicaltrials/NCT06323538.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the fixture");
    let imported = app
        .request(
            awc::http::Method::POST,
            "/api/v1/trials/import",
            lin.token(),
            &[("content-type", "application/json")],
            Some(record),
        )
        .await
        .expect(201);
    assert_eq!(imported["criteria_confirmed"], true, "{imported}");
    assert_eq!(
        imported["structured_criteria"]["excluded_conditions"],
        json!([])
    );

    // Edited criteria are confirmed as written; a criterion both required and excluded is not.
    let mine = draft(&app, &lin, &notice("NCT05938725")).await;
    app.patch_json(
        &format!("/api/v1/trials/{mine}"),
        lin.token(),
        &json!({"structured_criteria": {"required_treatments": ["rituximab"], "excluded_treatments": ["rituximab"]}}),
    )
    .await
    .expect_invalid_field("structured_criteria.excluded_treatments");
    app.patch_json(
        &format!("/api/v1/trials/{mine}"),
        lin.token(),
        &json!({"structured_criteria": {"required_conditions": ["car_t"]}}),
    )
    .await
    .expect_problem(422);
}
