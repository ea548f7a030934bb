//! Clinical trials, as their people live them: a member becomes a verified coordinator, a
//! coordinator imports and publishes recruitment notices through review, patients search for
//! them (in Chinese too, by distance and age), answer with consent, and get alerts.
//!
//! Publication goes through the moderation queue (`POST /api/v1/moderation/queue/{id}/decision`).

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use butterfly::auth::model::Role;
use serde_json::{Value, json};

use crate::harness::json::{page_ids, with};
use crate::harness::moderation::{item_for, review};
use crate::harness::people::{Person, notifications, set_locale, signed_in, signed_up};
use crate::harness::trials::{draft, notice, publish};
use crate::harness::{TestApp, TestDatabase};

const BEIJING: &str = "39.9042,116.4074";

// ---- helpers ------------------------------------------------------------------------------

async fn search(app: &TestApp, query: &str) -> Value {
    app.get(&format!("/api/v1/trials?{query}"), None)
        .await
        .expect(200)
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/clinicaltrials/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

async fn import(app: &TestApp, who: &Person, body: Vec<u8>) -> crate::harness::Reply {
    app.request(
        awc::http::Method::POST,
        "/api/v1/trials/import",
        Some(&who.access),
        &[("content-type", "application/json")],
        Some(body),
    )
    .await
}

// ---- coordinators -------------------------------------------------------------------------

#[actix_web::test]
async fn a_member_applies_to_be_a_coordinator_and_an_admin_approves() {
    let app = TestApp::spawn().await;
    let admin = signed_in(&app, "admin@example.org", "Admin_Ada", Role::Admin).await;
    let wei = signed_up(&app, "li.wei@hospital.example.org", "Li_Wei").await;

    // A member cannot publish yet.
    app.post_json_as("/api/v1/trials", &wei.access, &notice("NCT06121297"))
        .await
        .expect_problem(403);

    let application = json!({
        "organization": "Peking Union Medical College Hospital, Rheumatology",
        "job_title": "Clinical research coordinator",
        "evidence": "Staff page https://hospital.example.org/staff/li-wei and my institutional address.",
        "registry_ids": ["NCT06121297", "ChiCTR-TRC-12002345"]
    });
    let bad = with(&application, json!({"registry_ids": ["NCT123"]}));
    let problem = app
        .post_json_as("/api/v1/coordinator-applications", &wei.access, &bad)
        .await
        .expect_invalid_field("registry_ids[0]");
    assert!(
        problem["errors"]["registry_ids[0]"]
            .as_str()
            .unwrap()
            .contains("8 digits")
    );

    let applied = app
        .post_json_as(
            "/api/v1/coordinator-applications",
            &wei.access,
            &application,
        )
        .await
        .expect(201);
    assert_eq!(applied["status"], "pending");
    assert_eq!(
        applied["registry_ids"],
        json!(["NCT06121297", "ChiCTR-TRC-12002345"])
    );
    let id = applied["id"].as_i64().unwrap();
    app.post_json_as(
        "/api/v1/coordinator-applications",
        &wei.access,
        &application,
    )
    .await
    .expect_problem(409);

    // Only administrators see and decide applications; they never see the address.
    app.get("/api/v1/admin/coordinator-applications", Some(&wei.access))
        .await
        .expect_problem(403);
    let pending = app
        .get(
            "/api/v1/admin/coordinator-applications",
            Some(&admin.access),
        )
        .await
        .expect(200);
    assert_eq!(page_ids(&pending), vec![id]);
    assert_eq!(pending["items"][0]["applicant"]["display_name"], "Li_Wei");
    assert!(!pending.to_string().contains("li.wei@hospital.example.org"));
    // The application waits in the moderation queue as well.
    item_for(&app, &admin, "coordinator_application", id).await;

    let decision = format!("/api/v1/admin/coordinator-applications/{id}/decision");
    app.post_json_as(
        &decision,
        &admin.access,
        &json!({"approve": true, "reason": " "}),
    )
    .await
    .expect_invalid_field("reason");
    let decided = app
        .post_json_as(
            &decision,
            &admin.access,
            &json!({"approve": true, "reason": "staff page checked"}),
        )
        .await
        .expect(200);
    assert_eq!(decided["status"], "approved");
    assert_eq!(decided["reason"], "staff page checked");
    app.post_json_as(
        &decision,
        &admin.access,
        &json!({"approve": false, "reason": "again"}),
    )
    .await
    .expect_problem(409);

    // The new coordinator is told, holds the role at once, and can write a notice.
    assert_eq!(app.me(&wei.access).await.expect(200)["role"], "coordinator");
    let told = notifications(&app, &wei, "coordinator_application").await;
    assert_eq!(told.len(), 1);
    assert!(told[0]["detail"].as_str().unwrap().contains("approved"));
    app.post_json_as("/api/v1/trials", &wei.access, &notice("NCT06121297"))
        .await
        .expect(201);
    let open = app
        .get(
            "/api/v1/moderation/queue?kind=coordinator_application",
            Some(&admin.access),
        )
        .await
        .expect(200);
    assert!(
        page_ids(&open).is_empty(),
        "the queue item is resolved: {open}"
    );

    // Another applicant is refused, with the reason.
    let bo = signed_up(&app, "bo@example.org", "Bo_Chen").await;
    let other = app
        .post_json_as("/api/v1/coordinator-applications", &bo.access, &application)
        .await
        .expect(201)["id"]
        .as_i64()
        .unwrap();
    let refused = app
        .post_json_as(
            &format!("/api/v1/admin/coordinator-applications/{other}/decision"),
            &admin.access,
            &json!({"approve": false, "reason": "we could not confirm your affiliation"}),
        )
        .await
        .expect(200);
    assert_eq!(refused["status"], "rejected");
    assert_eq!(app.me(&bo.access).await.expect(200)["role"], "member");
    let told = notifications(&app, &bo, "coordinator_application").await;
    assert!(
        told[0]["detail"]
            .as_str()
            .unwrap()
            .contains("could not confirm")
    );
    let rejected = app
        .get(
            "/api/v1/admin/coordinator-applications?status=rejected",
            Some(&admin.access),
        )
        .await
        .expect(200);
    assert_eq!(page_ids(&rejected), vec![other]);
}

#[actix_web::test]
async fn members_cannot_create_notices() {
    let app = TestApp::spawn().await;
    let member = signed_in(&app, "ana@example.org", "Ana_L", Role::Member).await;
    let coordinator = signed_in(&app, "coord@example.org", "Coord_Xu", Role::Coordinator).await;

    app.post_json("/api/v1/trials", &notice("NCT06121297"))
        .await
        .expect_problem(401);
    let problem = app
        .post_json_as("/api/v1/trials", &member.access, &notice("NCT06121297"))
        .await
        .expect_problem(403);
    assert!(problem["detail"].as_str().unwrap().contains("coordinator"));
    import(&app, &member, fixture("NCT06323538.json"))
        .await
        .expect_problem(403);
    app.get("/api/v1/me/trials", Some(&member.access))
        .await
        .expect_problem(403);

    // A coordinator's draft stays invisible to everyone else.
    let id = draft(&app, &coordinator, &notice("NCT06121297")).await;
    app.get(&format!("/api/v1/trials/{id}"), None)
        .await
        .expect_problem(404);
    app.get(&format!("/api/v1/trials/{id}"), Some(&member.access))
        .await
        .expect_problem(404);
    app.post_json_as(
        &format!("/api/v1/trials/{id}/submit"),
        &member.access,
        &json!({}),
    )
    .await
    .expect_problem(403);
    let mine = app
        .get("/api/v1/me/trials", Some(&coordinator.access))
        .await
        .expect(200);
    assert_eq!(page_ids(&mine), vec![id]);

    // Every trials endpoint is documented.
    let doc = app.get("/api/openapi.json", None).await.expect(200);
    for path in [
        "/api/v1/coordinator-applications",
        "/api/v1/admin/coordinator-applications",
        "/api/v1/admin/coordinator-applications/{id}/decision",
        "/api/v1/trials",
        "/api/v1/trials/import",
        "/api/v1/trials/{id}",
        "/api/v1/trials/{id}/submit",
        "/api/v1/trials/{id}/close",
        "/api/v1/trials/{id}/interest",
        "/api/v1/trials/{id}/interests",
        "/api/v1/trials/{id}/interests/{interest_id}",
        "/api/v1/me/trials",
        "/api/v1/me/trial-alerts",
        "/api/v1/me/trial-alerts/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} is not documented");
    }
}

#[actix_web::test]
async fn invalid_registry_ids_are_refused_with_a_clear_message() {
    let app = TestApp::spawn().await;
    let coordinator = signed_in(&app, "coord@example.org", "Coord_Xu", Role::Coordinator).await;
    for (id, hint) in [
        ("NCT123", "exactly 8 digits"),
        ("NCT061212970", "exactly 8 digits"),
        ("ChiCTR20000293", "ChiCTR followed by 10 digits"),
        ("ChiCTR-TRC-1200234", "ChiCTR-XXX-NNNNNNNN"),
        ("2023-50369-40-00", "EU CT"),
        ("ISRCTN12345678", "NCT"),
        ("", "is required"),
    ] {
        let problem = app
            .post_json_as("/api/v1/trials", &coordinator.access, &notice(id))
            .await
            .expect_invalid_field("registry_id");
        let message = problem["errors"]["registry_id"].as_str().unwrap();
        assert!(message.contains(hint), "{id}: {message}");
    }
    for (id, registry) in [
        ("nct06121297", "clinical_trials_gov"),
        ("ChiCTR2300071234", "chictr"),
        ("ChiCTR-TRC-12002345", "chictr"),
        ("2023-503698-40-00", "eu_ct"),
        ("2014-001234-56", "eudract"),
    ] {
        let created = app
            .post_json_as("/api/v1/trials", &coordinator.access, &notice(id))
            .await
            .expect(201);
        assert_eq!(created["registry"], registry, "{id}");
        if id.starts_with("nct") {
            assert_eq!(created["registry_id"], "NCT06121297");
            let patched = app
                .patch_json(
                    &format!("/api/v1/trials/{}", created["id"]),
                    Some(&coordinator.access),
                    &json!({"registry_id": "NCT0612129"}),
                )
                .await;
            patched.expect_invalid_field("registry_id");
        }
    }
}

// ---- import -------------------------------------------------------------------------------

#[actix_web::test]
async fn the_coordinator_imports_each_fixture_record_into_a_draft() {
    let app = TestApp::spawn().await;
    let coordinator = signed_in(&app, "coord@example.org", "Coord_Xu", Role::Coordinator).await;

    let tb = import(&app, &coordinator, fixture("NCT03722472.json"))
        .await
        .expect(201);
    assert_eq!(tb["state"], "draft");
    assert_eq!(tb["registry_id"], "NCT03722472");
    assert_eq!(tb["registry"], "clinical_trials_gov");
    assert_eq!(
        tb["title"],
        "Phase 1 Clinical Trial of Single-Vial ID93 + GLA-SE in Healthy Adults"
    );
    assert!(
        tb["summary"]
            .as_str()
            .unwrap()
            .starts_with("This is a phase 1, double-blind")
    );
    assert_eq!(tb["phase"], "phase1");
    assert_eq!(tb["recruitment_status"], "completed");
    assert_eq!(tb["conditions"], json!(["Pulmonary TB"]));
    assert_eq!(
        tb["interventions"],
        json!([{"type": "biological", "name": "ID93 + GLA-SE"}])
    );
    assert_eq!(tb["eligibility"]["min_age_years"], json!(18));
    assert_eq!(tb["eligibility"]["max_age_years"], json!(55));
    assert_eq!(tb["eligibility"]["sex"], "all");
    assert_eq!(tb["eligibility"]["healthy_volunteers"], true);
    assert!(
        tb["eligibility"]["criteria"]
            .as_str()
            .unwrap()
            .starts_with("Inclusion Criteria:")
    );
    assert_eq!(tb["sites"].as_array().unwrap().len(), 1);
    assert_eq!(tb["sites"][0]["city"], "St Louis");
    assert_eq!(tb["sites"][0]["region"], "Missouri");
    assert_eq!(tb["sites"][0]["country"], "United States");
    assert_eq!(tb["sites"][0]["latitude"], json!(38.62727));
    assert_eq!(tb["sites"][0]["longitude"], json!(-90.19789));
    assert_eq!(
        tb["contact"],
        json!({"name": null, "email": null, "phone": null})
    );
    assert_eq!(tb["sponsor"], "Access to Advanced Health Institute (AAHI)");
    assert_eq!(tb["start_date"], "2018-10-02");
    assert_eq!(
        tb["source_url"],
        "https://clinicaltrials.gov/study/NCT03722472"
    );
    assert!(!tb["disclaimer"].as_str().unwrap().is_empty());

    let diet = import(&app, &coordinator, fixture("NCT06323538.json"))
        .await
        .expect(201);
    assert_eq!(diet["registry_id"], "NCT06323538");
    assert_eq!(
        diet["title"],
        "Cohort Study on Plant-based Diets (COPLANT Study)"
    );
    assert_eq!(diet["phase"], "not_applicable");
    assert_eq!(diet["recruitment_status"], "recruiting");
    assert_eq!(diet["conditions"].as_array().unwrap().len(), 9);
    assert_eq!(diet["conditions"][1], "Diabetes Mellitus, Type 2");
    assert_eq!(diet["interventions"], json!([]));
    assert_eq!(diet["eligibility"]["min_age_years"], json!(18));
    assert_eq!(diet["eligibility"]["max_age_years"], json!(69));
    assert_eq!(diet["eligibility"]["healthy_volunteers"], false);
    let sites = diet["sites"].as_array().unwrap();
    assert_eq!(sites.len(), 8);
    assert_eq!(sites[0]["facility"], "University Vienna");
    assert_eq!(sites[0]["country"], "Austria");
    assert_eq!(sites[0]["status"], "recruiting");
    assert_eq!(sites[1]["region"], "Baden-Wurttemberg");
    assert_eq!(sites[5]["status"], "not_yet_recruiting");
    assert_eq!(
        diet["contact"],
        json!({"name": "Cornelia Weikert, Prof", "email": "Cornelia.Weikert@bfr.bund.de", "phone": "+49 30 184155000"})
    );
    assert_eq!(
        diet["sponsor"],
        "German Federal Institute for Risk Assessment"
    );
    assert_eq!(diet["start_date"], "2024-04-09");

    // Both drafts are the coordinator's.
    let mine = app
        .get("/api/v1/me/trials", Some(&coordinator.access))
        .await
        .expect(200);
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);

    // The same trial twice is refused; a completed trial cannot go to review.
    import(&app, &coordinator, fixture("NCT06323538.json"))
        .await
        .expect_problem(409);
    let problem = app
        .post_json_as(
            &format!("/api/v1/trials/{}/submit", tb["id"]),
            &coordinator.access,
            &json!({}),
        )
        .await
        .expect_invalid_field("recruitment_status");
    assert!(problem["errors"]["contact"].is_string(), "{problem}");

    // Malformed JSON and records without an NCT id say where they fail.
    let problem = import(
        &app,
        &coordinator,
        b"{\"protocolSection\": {\n  \"identificationModule\": }".to_vec(),
    )
    .await
    .expect_invalid_field("body");
    assert!(
        problem["errors"]["body"]
            .as_str()
            .unwrap()
            .contains("line 2"),
        "{problem}"
    );
    let mut record: Value = serde_json::from_slice(&fixture("NCT06323538.json")).unwrap();
    record["protocolSection"]["identificationModule"]
        .as_object_mut()
        .unwrap()
        .remove("nctId");
    import(&app, &coordinator, serde_json::to_vec(&record).unwrap())
        .await
        .expect_invalid_field("protocolSection.identificationModule.nctId");
    record["protocolSection"]["identificationModule"]["nctId"] = json!("NCT0632353");
    import(&app, &coordinator, serde_json::to_vec(&record).unwrap())
        .await
        .expect_invalid_field("protocolSection.identificationModule.nctId");
    import(&app, &coordinator, b"[1, 2]".to_vec())
        .await
        .expect_invalid_field("body");
}

// ---- lifecycle ----------------------------------------------------------------------------

#[actix_web::test]
async fn a_notice_goes_from_draft_through_review_to_published_and_closes_when_its_date_passes() {
    let app = TestApp::spawn().await;
    let coordinator = signed_in(&app, "coord@example.org", "Coord_Xu", Role::Coordinator).await;
    let rival = signed_in(&app, "rival@example.org", "Coord_Ma", Role::Coordinator).await;
    let moderator = signed_in(&app, "mod@example.org", "Mod_Sun", Role::Moderator).await;
    let member = signed_in(&app, "ana@example.org", "Ana_L", Role::Member).await;

    // An incomplete draft is not reviewed.
    let id = draft(
        &app,
        &coordinator,
        &with(&notice("NCT06121297"), json!({"sites": [], "summary": ""})),
    )
    .await;
    let submit = format!("/api/v1/trials/{id}/submit");
    let problem = app
        .post_json_as(&submit, &coordinator.access, &json!({}))
        .await
        .expect_invalid_field("sites");
    assert!(problem["errors"]["summary"].is_string());
    // Others cannot see or change someone's draft.
    let path = format!("/api/v1/trials/{id}");
    app.patch_json(&path, Some(&rival.access), &json!({"title": "Taken over"}))
        .await
        .expect_problem(404);
    app.get(&path, Some(&moderator.access))
        .await
        .expect_problem(404);
    app.patch_json(
        &path,
        Some(&coordinator.access),
        &json!({"sites": notice("x")["sites"], "summary": notice("x")["summary"]}),
    )
    .await
    .expect(200);

    // Submitted: in the moderators' queue, visible to them, still not searchable.
    let pending = app
        .post_json_as(&submit, &coordinator.access, &json!({}))
        .await
        .expect(200);
    assert_eq!(pending["state"], "pending_review");
    app.post_json_as(&submit, &coordinator.access, &json!({}))
        .await
        .expect_problem(409);
    app.get(&path, Some(&moderator.access)).await.expect(200);
    app.get(&path, Some(&member.access))
        .await
        .expect_problem(404);
    assert!(page_ids(&search(&app, "").await).is_empty());

    // Sent back with a reason, fixed, resubmitted and approved.
    review(
        &app,
        &moderator,
        "trial_notice",
        id,
        "dismiss",
        "the contact phone is missing a digit",
    )
    .await;
    let back = app.get(&path, Some(&coordinator.access)).await.expect(200);
    assert_eq!(back["state"], "draft");
    assert_eq!(back["review_note"], "the contact phone is missing a digit");
    let told = notifications(&app, &coordinator, "trial_review").await;
    assert!(
        told[0]["detail"]
            .as_str()
            .unwrap()
            .contains("missing a digit")
    );
    app.post_json_as(&submit, &coordinator.access, &json!({}))
        .await
        .expect(200);
    review(
        &app,
        &moderator,
        "trial_notice",
        id,
        "approve",
        "checked against the registry",
    )
    .await;
    let published = app.get(&path, None).await.expect(200);
    assert_eq!(published["state"], "published");
    assert_eq!(published["review_note"], Value::Null);
    assert!(published["published_at"].is_string());
    assert_eq!(page_ids(&search(&app, "").await), vec![id]);
    assert_eq!(
        notifications(&app, &coordinator, "trial_review")
            .await
            .len(),
        2
    );

    // Someone else's published notice: 403, not 404.
    app.patch_json(&path, Some(&rival.access), &json!({"title": "Taken over"}))
        .await
        .expect_problem(403);
    app.post_json_as(&format!("{path}/close"), &rival.access, &json!({}))
        .await
        .expect_problem(403);

    // A change of recruitment status alone stays published…
    let changed = app
        .patch_json(
            &path,
            Some(&coordinator.access),
            &json!({"recruitment_status": "enrolling_by_invitation"}),
        )
        .await
        .expect(200);
    assert_eq!(changed["state"], "published");
    assert_eq!(changed["recruitment_status"], "enrolling_by_invitation");
    // …a change of eligibility goes back to review, and out of search until approved.
    let changed = app
        .patch_json(
            &path,
            Some(&coordinator.access),
            &json!({"eligibility": {"min_age_years": 16, "max_age_years": 65, "sex": "all", "criteria": "Active SLE."}}),
        )
        .await
        .expect(200);
    assert_eq!(changed["state"], "pending_review");
    assert!(page_ids(&search(&app, "").await).is_empty());
    review(&app, &moderator, "trial_notice", id, "approve", "fine").await;
    // So does a new registry id.
    let changed = app
        .patch_json(
            &path,
            Some(&coordinator.access),
            &json!({"registry_id": "NCT05869955"}),
        )
        .await
        .expect(200);
    assert_eq!(changed["state"], "pending_review");
    review(&app, &moderator, "trial_notice", id, "approve", "fine").await;
    assert_eq!(page_ids(&search(&app, "").await), vec![id]);

    // Recruitment ends: the notice closes, leaves the search, takes no answers or edits.
    app.execute_sql("UPDATE trials SET recruitment_ends = '2020-01-31'")
        .await;
    let closed = app.get(&path, None).await.expect(200);
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["recruitment_ends"], "2020-01-31");
    assert!(page_ids(&search(&app, "").await).is_empty());
    app.post_json_as(
        &format!("{path}/interest"),
        &member.access,
        &json!({"consent": true, "share": {"email": true}}),
    )
    .await
    .expect_problem(409);
    app.patch_json(
        &path,
        Some(&coordinator.access),
        &json!({"title": "Still recruiting?"}),
    )
    .await
    .expect_problem(409);

    // The background sweep writes the closure down and tells the coordinator (a server that
    // starts sweeps at once).
    let sibling = app.spawn_sibling().await;
    let mut waited = Duration::ZERO;
    loop {
        let told = notifications(&sibling, &coordinator, "trial_review").await;
        if told.iter().any(|n| {
            n["detail"]
                .as_str()
                .unwrap_or("")
                .contains("closed automatically")
        }) {
            break;
        }
        assert!(
            waited < Duration::from_secs(10),
            "the coordinator was not told: {told:?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    }
    assert_eq!(
        sibling.get(&path, None).await.expect(200)["state"],
        "closed"
    );

    // A coordinator closes a notice by hand.
    let other = publish(&app, &coordinator, &moderator, &notice("NCT05938725")).await;
    let closed = app
        .post_json_as(
            &format!("/api/v1/trials/{other}/close"),
            &coordinator.access,
            &json!({"reason": "enrolment is complete"}),
        )
        .await
        .expect(200);
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["closed_reason"], "enrolment is complete");
}

// ---- search -------------------------------------------------------------------------------

#[actix_web::test]
async fn a_patient_of_34_in_beijing_finds_a_recruiting_car_t_lupus_trial_nearby_in_chinese() {
    let app = TestApp::spawn().await;
    let coordinator = signed_in(&app, "coord@example.org", "Coord_Xu", Role::Coordinator).await;
    let moderator = signed_in(&app, "mod@example.org", "Mod_Sun", Role::Moderator).await;

    // The right trial: recruiting, 18–65, a site in central Beijing, Chinese summary.
    let right = publish(&app, &coordinator, &moderator, &notice("NCT06121297")).await;
    // The same, but for 18–30-year-olds, and written in English only.
    let young = publish(
        &app,
        &coordinator,
        &moderator,
        &with(&notice("NCT05869955"), json!({
                "summary": "CD19 CAR-T cells for young adults with lupus.",
                "eligibility": {"min_age_years": 18, "max_age_years": 30, "sex": "all", "criteria": "Ages 18 to 30."},
                "sites": [{"facility": "Peking University People's Hospital", "city": "Beijing", "country": "China", "latitude": 39.9365, "longitude": 116.3541}]
            })),
    )
    .await;
    // Lupus and CAR-T, but in Shanghai.
    let shanghai = publish(
        &app,
        &coordinator,
        &moderator,
        &with(&notice("NCT05938725"), json!({"sites": [{"facility": "Renji Hospital", "city": "Shanghai", "country": "China", "latitude": 31.2304, "longitude": 121.4737}]})),
    )
    .await;
    // In Beijing, CAR-T, but rheumatoid arthritis.
    let arthritis = publish(
        &app,
        &coordinator,
        &moderator,
        &with(
            &notice("ChiCTR2300071234"),
            json!({
                "title": "CD19 CAR-T cell therapy for refractory rheumatoid arthritis",
                "summary": "评估 CD19 CAR-T 细胞治疗难治性类风湿关节炎。",
                "conditions": ["Rheumatoid Arthritis"]
            }),
        ),
    )
    .await;
    // Lupus, Beijing, 18–65, but no longer recruiting.
    let full = publish(
        &app,
        &coordinator,
        &moderator,
        &with(
            &notice("ChiCTR-TRC-12002345"),
            json!({"recruitment_status": "active_not_recruiting"}),
        ),
    )
    .await;

    let near = format!("near={BEIJING}&radius_km=50");
    // "狼疮" (lupus) and "CAR-T", within 50 km, age 34, recruiting: exactly the right trial.
    let found = search(
        &app,
        &format!("q=%E7%8B%BC%E7%96%AE%20CAR-T&{near}&age=34&status=recruiting"),
    )
    .await;
    assert_eq!(page_ids(&found), vec![right], "{found}");
    let nearest = &found["items"][0]["nearest_site"];
    assert_eq!(nearest["city"], "Beijing");
    assert!(nearest["distance_km"].as_f64().unwrap() < 5.0, "{nearest}");
    assert_eq!(found["items"][0]["eligibility"]["min_age_years"], json!(18));

    // Without the age, the trial for 18–30 appears too (found through the glossary: its text
    // is English only); nearest first.
    let found = search(
        &app,
        &format!("q=%E7%8B%BC%E7%96%AE&{near}&status=recruiting"),
    )
    .await;
    assert_eq!(page_ids(&found), vec![right, young]);
    // One at a time, with the cursor.
    let first = search(
        &app,
        &format!("q=%E7%8B%BC%E7%96%AE&{near}&status=recruiting&limit=1"),
    )
    .await;
    assert_eq!(page_ids(&first), vec![right]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = search(
        &app,
        &format!("q=%E7%8B%BC%E7%96%AE&{near}&status=recruiting&limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(page_ids(&second), vec![young]);
    assert!(second["next_cursor"].is_null());

    // Other filters.
    assert_eq!(
        page_ids(&search(&app, "condition=lupus&age=34&country=China&sex=female").await).len(),
        3
    );
    assert_eq!(
        page_ids(&search(&app, "condition=arthritis").await),
        vec![arthritis]
    );
    assert_eq!(
        page_ids(&search(&app, &format!("{near}&age=40&condition=lupus")).await),
        vec![right, full]
    );
    assert_eq!(
        page_ids(&search(&app, "q=%E7%B1%BB%E9%A3%8E%E6%B9%BF").await),
        vec![arthritis]
    );
    assert!(page_ids(&search(&app, "q=lupus&phase=phase3").await).is_empty());
    let pudong = search(&app, "q=lupus&near=31.2200,121.5400&radius_km=20").await;
    assert_eq!(page_ids(&pudong), vec![shanghai]);

    // By default recruiting notices come first.
    let all = page_ids(&search(&app, "").await);
    assert_eq!(all.len(), 5);
    assert_eq!(*all.last().unwrap(), full, "{all:?}");

    // Bad filters are named.
    app.get("/api/v1/trials?near=north", None)
        .await
        .expect_invalid_field("near");
    app.get("/api/v1/trials?radius_km=10", None)
        .await
        .expect_invalid_field("radius_km");
    app.get("/api/v1/trials?phase=phase9", None)
        .await
        .expect_invalid_field("phase");

    // The notice carries the disclaimer in the reader's language.
    let en = app
        .get(&format!("/api/v1/trials/{right}"), None)
        .await
        .expect(200);
    assert_eq!(en["disclaimer_locale"], "en");
    assert!(en["disclaimer"].as_str().unwrap().contains("research"));
    let zh = app
        .request(
            awc::http::Method::GET,
            &format!("/api/v1/trials/{right}"),
            None,
            &[("accept-language", "zh-CN,zh;q=0.9,en;q=0.5")],
            None,
        )
        .await
        .expect(200);
    assert_eq!(zh["disclaimer_locale"], "zh-CN");
    assert!(zh["disclaimer"].as_str().unwrap().contains("临床试验"));
    // A member's own language setting comes first.
    let reader = signed_in(&app, "mei@example.org", "Mei_34", Role::Member).await;
    set_locale(&app, &reader, "zh-CN").await;
    let theirs = app
        .request(
            awc::http::Method::GET,
            &format!("/api/v1/trials/{right}"),
            Some(&reader.access),
            &[("accept-language", "en")],
            None,
        )
        .await
        .expect(200);
    assert_eq!(theirs["disclaimer_locale"], "zh-CN");
}

// ---- interest -----------------------------------------------------------------------------

#[actix_web::test]
async fn interest_needs_consent_and_reaches_only_the_owning_coordinator() {
    let app = TestApp::spawn().await;
    let coordinator = signed_in(
        &app,
        "coord@hospital.example.org",
        "Coord_Xu",
        Role::Coordinator,
    )
    .await;
    let rival = signed_in(&app, "rival@example.org", "Coord_Ma", Role::Coordinator).await;
    let moderator = signed_in(&app, "mod@example.org", "Mod_Sun", Role::Moderator).await;
    let mei = signed_up(&app, "mei@example.org", "Mei_34").await;
    let jun = signed_up(&app, "jun@example.org", "Jun_Z").await;
    let id = publish(&app, &coordinator, &moderator, &notice("NCT06121297")).await;
    let answer = format!("/api/v1/trials/{id}/interest");
    let inbox = format!("/api/v1/trials/{id}/interests");

    app.post_json_as(&answer, &mei.access, &json!({"share": {"email": true}}))
        .await
        .expect_invalid_field("consent");
    app.post_json_as(
        &answer,
        &mei.access,
        &json!({"consent": false, "share": {"email": true}}),
    )
    .await
    .expect_invalid_field("consent");
    app.post_json_as(
        &answer,
        &mei.access,
        &json!({"consent": true, "share": {"email": false}}),
    )
    .await
    .expect_invalid_field("share");
    let mine = app
        .post_json_as(
            &answer,
            &mei.access,
            &json!({"consent": true, "message": "I am 34 and live in Beijing.", "share": {"display_name": true, "email": true}}),
        )
        .await
        .expect(201);
    assert_eq!(mine["status"], "new");
    app.post_json_as(
        &answer,
        &mei.access,
        &json!({"consent": true, "share": {"email": true}}),
    )
    .await
    .expect_problem(409);
    let notice_view = app
        .get(&format!("/api/v1/trials/{id}"), Some(&mei.access))
        .await
        .expect(200);
    assert_eq!(notice_view["my_interest"]["id"], mine["id"]);
    app.post_json_as(
        &answer,
        &jun.access,
        &json!({"consent": true, "share": {"email": false, "phone": "+86 138 0013 8000"}}),
    )
    .await
    .expect(201);

    // The coordinator is told in-app, and once by email, which names nobody.
    assert_eq!(
        notifications(&app, &coordinator, "trial_interest")
            .await
            .len(),
        2
    );
    let email = app.wait_for_email("coord@hospital.example.org").await;
    assert!(email.subject().contains("answered"), "{}", email.subject());
    assert!(email.text().contains(&format!("/trials/{id}/interests")));
    assert!(!email.text().contains("Mei_34") && !email.text().contains("Beijing"));
    assert_eq!(
        app.emails_once_sent("coord@hospital.example.org")
            .await
            .len(),
        1
    );

    // The owning coordinator sees what each member chose to share, and nothing more.
    let seen = app.get(&inbox, Some(&coordinator.access)).await.expect(200);
    let items = seen["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["member"]["display_name"], "Mei_34");
    assert_eq!(items[0]["email"], "mei@example.org");
    assert_eq!(items[0]["message"], "I am 34 and live in Beijing.");
    assert_eq!(items[1]["member"]["display_name"], "Jun_Z");
    assert_eq!(items[1]["email"], Value::Null);
    assert_eq!(items[1]["phone"], "+86 138 0013 8000");
    // Nobody else does.
    app.get(&inbox, Some(&rival.access))
        .await
        .expect_problem(403);
    app.get(&inbox, Some(&mei.access)).await.expect_problem(403);
    app.get(&inbox, Some(&moderator.access))
        .await
        .expect_problem(403);
    app.get(&inbox, None).await.expect_problem(401);

    // The coordinator keeps track.
    let first = items[0]["id"].as_i64().unwrap();
    let status = format!("{inbox}/{first}");
    let updated = app
        .patch_json(
            &status,
            Some(&coordinator.access),
            &json!({"status": "contacted"}),
        )
        .await
        .expect(200);
    assert_eq!(updated["status"], "contacted");
    app.patch_json(
        &status,
        Some(&rival.access),
        &json!({"status": "not_eligible"}),
    )
    .await
    .expect_problem(403);
    let contacted = app
        .get(
            &format!("{inbox}?status=contacted"),
            Some(&coordinator.access),
        )
        .await
        .expect(200);
    assert_eq!(page_ids(&contacted), vec![first]);

    // Mei withdraws: her details disappear from the coordinator's view.
    app.delete(&answer, Some(&mei.access)).await.expect(204);
    app.delete(&answer, Some(&mei.access))
        .await
        .expect_problem(404);
    let seen = app.get(&inbox, Some(&coordinator.access)).await.expect(200);
    let withdrawn = &seen["items"][0];
    assert_eq!(withdrawn["status"], "withdrawn");
    assert_eq!(withdrawn["member"], Value::Null);
    assert_eq!(withdrawn["email"], Value::Null);
    assert_eq!(withdrawn["message"], Value::Null);
    assert!(!seen.to_string().contains("mei@example.org"));
    app.patch_json(
        &status,
        Some(&coordinator.access),
        &json!({"status": "contacted"}),
    )
    .await
    .expect_problem(409);
    // She may answer again later.
    app.post_json_as(
        &answer,
        &mei.access,
        &json!({"consent": true, "share": {"email": true}}),
    )
    .await
    .expect(201);

    // A coordinator cannot answer their own notice.
    app.post_json_as(
        &answer,
        &coordinator.access,
        &json!({"consent": true, "share": {"email": true}}),
    )
    .await
    .expect_problem(409);
}

// ---- alerts -------------------------------------------------------------------------------

#[actix_web::test]
async fn an_alert_fires_once_by_email_and_in_app_for_a_matching_notice_only() {
    let app = TestApp::spawn().await;
    let coordinator = signed_in(&app, "coord@example.org", "Coord_Xu", Role::Coordinator).await;
    let moderator = signed_in(&app, "mod@example.org", "Mod_Sun", Role::Moderator).await;
    let mei = signed_up(&app, "mei@example.org", "Mei_34").await;

    app.post_json_as(
        "/api/v1/me/trial-alerts",
        &mei.access,
        &json!({"name": "Lupus near me", "filters": {"near": "somewhere"}}),
    )
    .await
    .expect_invalid_field("filters.near");
    let alert = app
        .post_json_as(
            "/api/v1/me/trial-alerts",
            &mei.access,
            &json!({"name": "Lupus near me", "filters": {"condition": "lupus", "near": BEIJING, "radius_km": 50, "age": 34}}),
        )
        .await
        .expect(201);
    let listed = app
        .get("/api/v1/me/trial-alerts", Some(&mei.access))
        .await
        .expect(200);
    assert_eq!(page_ids(&listed), vec![alert["id"].as_i64().unwrap()]);
    assert_eq!(listed["items"][0]["filters"]["near"], BEIJING);

    // A notice that does not match (Shanghai) alerts nobody.
    publish(
        &app,
        &coordinator,
        &moderator,
        &with(&notice("NCT05938725"), json!({"sites": [{"facility": "Renji Hospital", "city": "Shanghai", "country": "China", "latitude": 31.2304, "longitude": 121.4737}]})),
    )
    .await;
    assert!(notifications(&app, &mei, "trial_alert").await.is_empty());

    // A matching one: one in-app notification and one email, without the notice's title.
    let id = publish(&app, &coordinator, &moderator, &notice("NCT06121297")).await;
    let told = notifications(&app, &mei, "trial_alert").await;
    assert_eq!(told.len(), 1);
    assert_eq!(told[0]["subject_id"], json!(id));
    assert_eq!(told[0]["detail"], "Lupus near me");
    let email = app.wait_for_emails("mei@example.org", 2).await.remove(1);
    assert!(email.subject().contains("trial"), "{}", email.subject());
    assert!(email.text().contains("/me/trial-alerts"));
    assert!(!email.text().contains("CAR-T"));

    // Published again after an edit: no second alert for the same notice.
    app.patch_json(
        &format!("/api/v1/trials/{id}"),
        Some(&coordinator.access),
        &json!({"title": "CD19 CAR-T cells for refractory systemic lupus erythematosus (SLE)"}),
    )
    .await
    .expect(200);
    review(&app, &moderator, "trial_notice", id, "approve", "fine").await;
    assert_eq!(notifications(&app, &mei, "trial_alert").await.len(), 1);

    // Another match the same day: in-app at once, but no second email that day.
    let second = publish(&app, &coordinator, &moderator, &notice("ChiCTR2300071234")).await;
    let told = notifications(&app, &mei, "trial_alert").await;
    assert_eq!(told.len(), 2);
    assert_eq!(told[0]["subject_id"], json!(second));
    let emails = app.emails_once_sent("mei@example.org").await;
    assert_eq!(emails.len(), 2, "the verification email and one alert");

    // A day later, the match that waited goes out as a digest (swept by a starting server).
    app.execute_sql("UPDATE trial_alert_ledger SET last_sent_at = '2000-01-01 00:00:00'")
        .await;
    let _sibling = app.spawn_sibling().await;
    let emails = app.wait_for_emails("mei@example.org", 3).await;
    assert!(
        emails[2].subject().contains("trial"),
        "{}",
        emails[2].subject()
    );

    app.delete(
        &format!("/api/v1/me/trial-alerts/{}", alert["id"]),
        Some(&mei.access),
    )
    .await
    .expect(204);
    assert!(
        page_ids(
            &app.get("/api/v1/me/trial-alerts", Some(&mei.access))
                .await
                .expect(200)
        )
        .is_empty()
    );
}

// ---- demo data ----------------------------------------------------------------------------

/// Runs `butterfly seed --demo` against a database, with only the settings it needs.
fn seed_demo(database: &TestDatabase, data_dir: &std::path::Path) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_butterfly"));
    for (name, _) in std::env::vars() {
        if name.starts_with("BUTTERFLY_") {
            command.env_remove(name);
        }
    }
    command
        .args(["seed", "--demo"])
        .current_dir(data_dir)
        .env("BUTTERFLY_DATA_DIR", data_dir)
        .env("BUTTERFLY_DATABASE_URL", database.url())
        .output()
        .expect("the butterfly binary runs")
}

#[actix_web::test]
async fn the_demo_seed_fills_an_empty_database_once_with_clearly_marked_data() {
    let database = Arc::new(TestDatabase::create());
    let dir = tempfile::tempdir().expect("a temporary folder");
    let first = seed_demo(&database, dir.path());
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.contains("3 trial notices"), "{stdout}");
    let again = seed_demo(&database, dir.path());
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));

    let app = TestApp::builder().database(database.clone()).spawn().await;
    // The demo notices are published, searchable in Chinese, and say what they are.
    let found = search(&app, "q=%E7%8B%BC%E7%96%AE").await;
    let items = found["items"].as_array().expect("items");
    assert_eq!(items.len(), 3, "{found}");
    for item in items {
        assert_eq!(item["demo"], true);
        assert!(item["title"].as_str().unwrap().starts_with("[Demo]"));
    }
    let registry_ids: Vec<&str> = items
        .iter()
        .map(|i| i["registry_id"].as_str().unwrap())
        .collect();
    for id in ["NCT06121297", "NCT05869955", "NCT05938725"] {
        assert!(registry_ids.contains(&id), "{registry_ids:?}");
    }
    let detail = app
        .get(&format!("/api/v1/trials/{}", items[0]["id"]), None)
        .await
        .expect(200);
    assert!(detail["summary"].as_str().unwrap().contains("Demo data"));
    assert!(!detail["disclaimer"].as_str().unwrap().is_empty());
    // The demo CAR-T notice states its practical details and confirmed structured criteria, so
    // a first visitor sees what a pre-check and the practical filters do.
    let cart = app
        .get(
            "/api/v1/trials?q=NCT06121297&practical=travel_support",
            None,
        )
        .await
        .expect(200);
    let cart_id = &cart["items"][0]["id"];
    let cart = app
        .get(&format!("/api/v1/trials/{cart_id}"), None)
        .await
        .expect(200);
    assert_eq!(cart["criteria_confirmed"], true, "{cart}");
    assert_eq!(
        cart["structured_criteria"]["excluded_treatments"],
        json!(["car_t"]),
        "{cart}"
    );
    // The boards have example threads, marked too.
    let threads = app
        .get("/api/v1/boards/treatments-and-trials/threads", None)
        .await
        .expect(200);
    assert!(
        threads["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["title"].as_str().unwrap().starts_with("[Demo]")),
        "{threads}"
    );
    assert!(!threads["items"].as_array().unwrap().is_empty());
}
