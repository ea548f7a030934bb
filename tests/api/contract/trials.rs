//! Clinical trials as a generated client sees them: every answer of a notice's whole life, and
//! of the applications, interests and alerts around it, is valid against the document; and a
//! NUL character in any trial body is refused as invalid, on both backends.

use butterfly::auth::model::Role;
use serde_json::{Value, json};

use super::Contract;
use crate::harness::{TestApp, Tokens};

async fn person(app: &TestApp, email: &str, name: &str, role: Role) -> Tokens {
    let member = app.member_with_role(email, name, role).await;
    app.sign_in(&member.email, &member.password).await
}

/// A notice with every field filled.
fn notice(registry_id: &str) -> Value {
    json!({
        "registry_id": registry_id,
        "title": "CD19 CAR-T cell therapy for refractory systemic lupus erythematosus",
        "summary": "An open-label study of **CD19 CAR-T** cells.",
        "conditions": ["Systemic Lupus Erythematosus"],
        "interventions": [{"type": "biological", "name": "CD19 CAR-T cells"}],
        "phase": "phase1_2",
        "recruitment_status": "recruiting",
        "eligibility": {"min_age_years": 18, "max_age_years": 65.5, "sex": "female", "healthy_volunteers": false, "criteria": "Active SLE."},
        "sites": [{"facility": "Peking Union Medical College Hospital", "city": "Beijing", "country": "China", "latitude": 39.9127, "longitude": 116.4168, "status": "recruiting"}],
        "contact": {"name": "Study team", "email": "cart-study@hospital.example.org", "phone": "+86 10 6915 6114"},
        "sponsor": "Peking Union Medical College Hospital",
        "start_date": "2025-01-15",
        "recruitment_ends": "2099-12-31",
        "source_url": "https://clinicaltrials.gov/study/NCT06121297"
    })
}

fn id(body: &Value) -> i64 {
    body["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {body}"))
}

#[actix_web::test]
async fn every_answer_of_a_notices_life_matches_the_document() {
    let app = TestApp::spawn().await;
    let c = Contract::of(&app).await;
    let admin = person(&app, "admin@example.org", "Admin_Ada", Role::Admin).await;
    let moderator = person(&app, "mod@example.org", "Mod_Sun", Role::Moderator).await;
    let (_, mei) = app.signed_in_member("mei@example.org", "Mei_34").await;
    let (_, wei) = app.signed_in_member("wei@example.org", "Li_Wei").await;

    // A member becomes a coordinator.
    let application = c
        .post(
            &app,
            "/api/v1/coordinator-applications",
            &wei,
            &json!({"organization": "PUMCH Rheumatology", "job_title": "Research coordinator",
                    "evidence": "Staff page https://hospital.example.org/staff/li-wei", "registry_ids": ["NCT06121297"]}),
        )
        .await
        .expect(201);
    assert_eq!(application["status"], "pending");
    c.get(&app, "/api/v1/admin/coordinator-applications", Some(&admin))
        .await
        .expect(200);
    let queue = c
        .get(
            &app,
            "/api/v1/moderation/queue?kind=coordinator_application",
            Some(&moderator),
        )
        .await
        .expect(200);
    assert!(!queue["items"].as_array().unwrap().is_empty(), "{queue}");
    c.post(
        &app,
        &format!(
            "/api/v1/admin/coordinator-applications/{}/decision",
            id(&application)
        ),
        &admin,
        &json!({"approve": true, "reason": "staff page checked"}),
    )
    .await
    .expect(200);
    let wei = app
        .sign_in("wei@example.org", crate::harness::PASSWORD)
        .await;

    // A draft, changed, submitted, reviewed through the queue, published.
    let draft = c
        .post(&app, "/api/v1/trials", &wei, &notice("NCT06121297"))
        .await
        .expect(201);
    assert_eq!(draft["phase"], "phase1_2", "{draft}");
    let trial = id(&draft);
    let path = format!("/api/v1/trials/{trial}");
    c.patch(
        &app,
        &path,
        &wei,
        &json!({"start_date": null, "phase": "phase2"}),
    )
    .await
    .expect(200);
    c.get(&app, "/api/v1/me/trials", Some(&wei))
        .await
        .expect(200);
    c.post(&app, &format!("{path}/submit"), &wei, &json!({}))
        .await
        .expect(200);
    let queue = c
        .get(
            &app,
            "/api/v1/moderation/queue?kind=trial_notice",
            Some(&moderator),
        )
        .await
        .expect(200);
    let item = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["subject_id"] == trial)
        .unwrap_or_else(|| panic!("no queue item for the notice: {queue}"))
        .clone();
    assert!(
        item["subject"].is_object(),
        "a notice item describes its subject: {item}"
    );
    let item_path = format!("/api/v1/moderation/queue/{}", id(&item));
    c.get(&app, &item_path, Some(&moderator)).await.expect(200);
    c.post(
        &app,
        &format!("{item_path}/decision"),
        &moderator,
        &json!({"action": "approve", "reason": "accurate", "version": item["version"]}),
    )
    .await
    .expect(200);

    // Patients find it, read it, answer it; the coordinator reads and sorts the answers.
    let found = c
        .get(
            &app,
            "/api/v1/trials?condition=lupus&near=39.9,116.4&radius_km=50&age=34&sex=female",
            Some(&mei),
        )
        .await
        .expect(200);
    assert_eq!(found["items"][0]["id"], trial, "{found}");
    c.get(&app, &path, None).await.expect(200);
    let answer = c
        .post(
            &app,
            &format!("{path}/interest"),
            &mei,
            &json!({"consent": true, "message": "I am 34.", "share": {"display_name": true, "email": true}}),
        )
        .await
        .expect(201);
    let mine = c.get(&app, &path, Some(&mei)).await.expect(200);
    assert_eq!(mine["my_interest"]["id"], answer["id"]);
    c.get(&app, &format!("{path}/interests"), Some(&wei))
        .await
        .expect(200);
    c.patch(
        &app,
        &format!("{path}/interests/{}", id(&answer)),
        &wei,
        &json!({"status": "contacted"}),
    )
    .await
    .expect(200);

    // Saved searches, an import, and the end of recruitment.
    c.post(
        &app,
        "/api/v1/me/trial-alerts",
        &mei,
        &json!({"name": "Lupus near me", "filters": {"condition": "lupus", "phase": "phase2"}}),
    )
    .await
    .expect(201);
    c.get(&app, "/api/v1/me/trial-alerts", Some(&mei))
        .await
        .expect(200);
    let record = std::fs::read(format!(
        "{}/tests/fixtures/clinicaltrials/NCT03722472.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the fixture record");
    let imported = app
        .request(
            awc::http::Method::POST,
            "/api/v1/trials/import",
            Some(&wei.access),
            &[("content-type", "application/json")],
            Some(record),
        )
        .await;
    c.expect("POST", "/api/v1/trials/import", imported)
        .expect(201);
    c.post(
        &app,
        &format!("{path}/close"),
        &wei,
        &json!({"reason": "enrolled"}),
    )
    .await
    .expect(200);

    // Refusals match the document too.
    c.post(&app, "/api/v1/trials", &mei, &notice("NCT06121298"))
        .await
        .expect_problem(403);
    c.get(&app, "/api/v1/trials?limit=0", None)
        .await
        .expect_invalid_field("limit");
    c.get(&app, "/api/v1/trials?cursor=nonsense", None)
        .await
        .expect_problem(400);
}

#[actix_web::test]
async fn a_nul_character_in_a_trial_body_is_refused_as_invalid() {
    let app = TestApp::spawn().await;
    let coordinator = person(&app, "c@example.org", "Coord_Li", Role::Coordinator).await;
    let (_, member) = app.signed_in_member("m@example.org", "Member_Mo").await;

    let mut body = notice("NCT06121297");
    body["title"] = json!("CD19 CAR-T\u{0} for lupus nephritis");
    app.post_json_as("/api/v1/trials", &coordinator.access, &body)
        .await
        .expect_invalid_field("title");
    body["title"] = json!("CD19 CAR-T for lupus nephritis");
    body["sites"][0]["city"] = json!("Bei\u{0}jing");
    app.post_json_as("/api/v1/trials", &coordinator.access, &body)
        .await
        .expect_invalid_field("sites.city");
    body["sites"][0]["city"] = json!("Beijing");
    let trial = id(&app
        .post_json_as("/api/v1/trials", &coordinator.access, &body)
        .await
        .expect(201));
    app.patch_json(
        &format!("/api/v1/trials/{trial}"),
        Some(&coordinator.access),
        &json!({"sponsor": "\u{0}"}),
    )
    .await
    .expect_invalid_field("sponsor");
    app.post_json_as(
        "/api/v1/coordinator-applications",
        &member.access,
        &json!({"organization": "Clinic\u{0}", "job_title": "Coordinator", "evidence": "Staff page"}),
    )
    .await
    .expect_invalid_field("organization");
    app.post_json_as(
        "/api/v1/me/trial-alerts",
        &member.access,
        &json!({"name": "lupus\u{0}", "filters": {}}),
    )
    .await
    .expect_invalid_field("name");

    // A study record for import is read the same way.
    let record = std::fs::read(format!(
        "{}/tests/fixtures/clinicaltrials/NCT03722472.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the fixture record");
    let mut record: Value = serde_json::from_slice(&record).expect("the fixture is JSON");
    record["protocolSection"]["identificationModule"]["briefTitle"] =
        json!("Lupus\u{0} nephritis study");
    app.request(
        awc::http::Method::POST,
        "/api/v1/trials/import",
        Some(&coordinator.access),
        &[("content-type", "application/json")],
        Some(serde_json::to_vec(&record).unwrap()),
    )
    .await
    .expect_invalid_field("protocolSection.identificationModule.briefTitle");

    // Nothing of it was stored.
    let mine = app
        .get("/api/v1/me/trials", Some(&coordinator.access))
        .await
        .expect(200);
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1), "{mine}");
}
