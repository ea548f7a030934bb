//! What a notice says beside its registry record. A coordinator states the practical details
//! patients weigh most (visits, travel support, placebo …); a patient reads them in her
//! language and searches for "travel support" and "no placebo". One trial registered in
//! several registries is one notice, found by any of its ids, and importing a record whose ids
//! a notice holds already says so instead of making a second notice, even when two
//! coordinators import it at the same moment.

use serde_json::{Value, json};

use crate::harness::json::{id_of, items, with};
use crate::harness::people::{Person, coordinator, moderator};
use crate::harness::trials::{notice, publish};
use crate::harness::{Reply, TestApp};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/clinicaltrials/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    serde_json::from_slice(&bytes).unwrap()
}

async fn import(app: &TestApp, who: &Person, record: &Value) -> Reply {
    app.post_json_as("/api/v1/trials/import", &who.access, record)
        .await
}

async fn found(app: &TestApp, query: &str) -> Vec<i64> {
    let page = app
        .get(&format!("/api/v1/trials?{query}"), None)
        .await
        .expect(200);
    items(&page).iter().map(id_of).collect()
}

#[actix_web::test]
async fn practical_details_are_shown_in_her_language_and_searched() {
    let app = TestApp::spawn().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let supported = publish(
        &app,
        &lin,
        &mia,
        &with(
            &notice("NCT06121297"),
            json!({"practical": {
                "visits": 12, "visit_minutes": 180, "remote_visits": true,
                "travel_support": true, "accommodation_support": true, "compensation": false,
                "placebo_possible": false, "treatment_weeks": 4,
                "notes": "  Two nights in hospital for the infusion.  "
            }}),
        ),
    )
    .await;
    let placebo = publish(
        &app,
        &lin,
        &mia,
        &with(
            &notice("NCT05765006"),
            json!({"practical": {"travel_support": false, "placebo_possible": true}}),
        ),
    )
    .await;
    let unstated = publish(&app, &lin, &mia, &notice("NCT05798117")).await;

    let en = app
        .get(&format!("/api/v1/trials/{supported}"), None)
        .await
        .expect(200);
    assert_eq!(en["practical"]["visits"], 12, "{en}");
    assert_eq!(en["practical"]["placebo_possible"], false);
    assert_eq!(
        en["practical"]["notes"], "Two nights in hospital for the infusion.",
        "trimmed"
    );
    let lines: Vec<&str> = en["practical_summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(
        lines.contains(&"12 visits of about 3 hours each"),
        "{lines:?}"
    );
    assert!(lines.contains(&"Travel costs are covered"), "{lines:?}");
    assert!(
        lines.contains(&"No placebo: everyone receives the treatment studied"),
        "{lines:?}"
    );
    assert!(lines.contains(&"Participants are not paid"), "{lines:?}");
    let zh = app
        .request(
            awc::http::Method::GET,
            &format!("/api/v1/trials/{supported}"),
            None,
            &[("accept-language", "zh-CN")],
            None,
        )
        .await
        .expect(200);
    assert_eq!(zh["disclaimer_locale"], "zh-CN");
    let zh_lines = zh["practical_summary"].to_string();
    assert!(
        zh_lines.contains("共 12 次访视，每次约 3 小时"),
        "{zh_lines}"
    );
    assert!(zh_lines.contains("提供交通费用支持"), "{zh_lines}");
    assert!(zh_lines.contains("无安慰剂"), "{zh_lines}");
    // Nothing stated, nothing said.
    let plain = app
        .get(&format!("/api/v1/trials/{unstated}"), None)
        .await
        .expect(200);
    assert_eq!(plain["practical_summary"], json!([]), "{plain}");
    assert_eq!(plain["practical"]["travel_support"], Value::Null);

    // "Travel support" and "no placebo" find only what is stated; unstated is not "no".
    assert_eq!(
        found(&app, "practical=travel_support").await,
        vec![supported]
    );
    assert_eq!(found(&app, "practical=no_placebo").await, vec![supported]);
    assert_eq!(
        found(&app, "practical=travel_support,no_placebo&q=lupus").await,
        vec![supported]
    );
    assert!(found(&app, "practical=compensation").await.is_empty());
    let mut all = found(&app, "").await;
    all.sort_unstable();
    assert_eq!(all, vec![supported, placebo, unstated]);
    app.get("/api/v1/trials?practical=free_parking", None)
        .await
        .expect_invalid_field("practical");

    // A saved search remembers the filter and fires only for a notice that meets it.
    let mei = crate::harness::people::member(&app, "Mei_Lin").await;
    app.post_json_as(
        "/api/v1/me/trial-alerts",
        &mei.access,
        &json!({"name": "No placebo", "filters": {"practical": "no_placebo"}}),
    )
    .await
    .expect(201);
    publish(
        &app,
        &lin,
        &mia,
        &with(
            &notice("NCT05858112"),
            json!({"practical": {"placebo_possible": true}}),
        ),
    )
    .await;
    let meets = publish(
        &app,
        &lin,
        &mia,
        &with(
            &notice("NCT05869955"),
            json!({"practical": {"placebo_possible": false}}),
        ),
    )
    .await;
    let alerts = crate::harness::people::notifications(&app, &mei, "trial_alert").await;
    let hits: Vec<&Value> = alerts.iter().map(|n| &n["subject_id"]).collect();
    assert_eq!(hits, vec![&json!(meets)], "{alerts:?}");

    // Out of range, unknown fields: named.
    for (practical, field) in [
        (json!({"visits": 0}), "practical.visits"),
        (json!({"visit_minutes": 3000}), "practical.visit_minutes"),
        (json!({"treatment_weeks": 600}), "practical.treatment_weeks"),
        (json!({"notes": "x".repeat(1001)}), "practical.notes"),
    ] {
        app.post_json_as(
            "/api/v1/trials",
            &lin.access,
            &with(&notice("NCT06000001"), json!({ "practical": practical })),
        )
        .await
        .expect_invalid_field(field);
    }
    app.post_json_as(
        "/api/v1/trials",
        &lin.access,
        &with(
            &notice("NCT06000001"),
            json!({"practical": {"free_parking": true}}),
        ),
    )
    .await
    .expect_problem(422);

    // Changing the details of a published notice is a change its reviewers see again.
    let edited = app
        .patch_json(
            &format!("/api/v1/trials/{placebo}"),
            lin.token(),
            &json!({"practical": {"travel_support": true}}),
        )
        .await
        .expect(200);
    assert_eq!(edited["state"], "pending_review", "{edited}");
    assert_eq!(edited["practical"]["travel_support"], true);
    assert_eq!(edited["practical"]["placebo_possible"], Value::Null);
}

#[actix_web::test]
async fn one_trial_in_several_registries_is_found_by_any_of_its_ids() {
    let app = TestApp::spawn().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let trial = publish(
        &app,
        &lin,
        &mia,
        &with(
            &notice("NCT06121297"),
            json!({"other_registry_ids": [" chictr2300071234 ", "2023-503698-40-00", "NCT06121297"]}),
        ),
    )
    .await;
    let shown = app
        .get(&format!("/api/v1/trials/{trial}"), None)
        .await
        .expect(200);
    assert_eq!(
        shown["registry_ids"],
        json!([
            {"registry": "clinical_trials_gov", "id": "NCT06121297"},
            {"registry": "chictr", "id": "ChiCTR2300071234"},
            {"registry": "eu_ct", "id": "2023-503698-40-00"},
        ]),
        "normalised, the main id once and first: {shown}"
    );
    let other = publish(&app, &lin, &mia, &notice("NCT05765006")).await;
    for id in [
        "NCT06121297",
        "ChiCTR2300071234",
        "chictr2300071234",
        "2023-503698-40-00",
    ] {
        assert_eq!(found(&app, &format!("q={id}")).await, vec![trial], "{id}");
    }
    assert_eq!(found(&app, "q=NCT05765006").await, vec![other]);

    app.post_json_as(
        "/api/v1/trials",
        &lin.access,
        &with(
            &notice("NCT06000001"),
            json!({"other_registry_ids": ["ChiCTR2300071234", "DMID 17-0104"]}),
        ),
    )
    .await
    .expect_invalid_field("other_registry_ids[1]");
    let eleven: Vec<String> = (0..11).map(|n| format!("ChiCTR23000712{n:02}")).collect();
    app.post_json_as(
        "/api/v1/trials",
        &lin.access,
        &with(
            &notice("NCT06000001"),
            json!({ "other_registry_ids": eleven }),
        ),
    )
    .await
    .expect_invalid_field("other_registry_ids");

    // A coordinator replaces the list; the old id no longer finds it.
    app.patch_json(
        &format!("/api/v1/trials/{trial}"),
        lin.token(),
        &json!({"other_registry_ids": ["2014-001234-56"]}),
    )
    .await
    .expect(200);
    let draft_now = app
        .get(&format!("/api/v1/trials/{trial}"), lin.token())
        .await
        .expect(200);
    assert_eq!(
        draft_now["registry_ids"][1],
        json!({"registry": "eudract", "id": "2014-001234-56"})
    );
}

#[actix_web::test]
async fn importing_a_trial_that_has_a_notice_says_so_instead_of_making_a_second_one() {
    let app = TestApp::spawn().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let xu = coordinator(&app, "Dr_Xu").await;
    let mia = moderator(&app, "Mod_Mia").await;

    // The record's secondary ids that are registry ids come along; other ids do not.
    let mut record = fixture("NCT06323538.json");
    record["protocolSection"]["identificationModule"]["secondaryIdInfos"] = json!([
        {"id": "2023-503698-40-00", "type": "CTIS"},
        {"id": "DIET-SLE-2024", "type": "OTHER"},
    ]);
    let imported = import(&app, &lin, &record).await.expect(201);
    assert_eq!(
        imported["registry_ids"],
        json!([
            {"registry": "clinical_trials_gov", "id": "NCT06323538"},
            {"registry": "eu_ct", "id": "2023-503698-40-00"},
        ]),
        "{imported}"
    );
    let draft_id = id_of(&imported);

    // Another coordinator importing it is told one is being prepared, not which draft.
    let problem = import(&app, &xu, &record).await.expect_problem(409);
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("another coordinator"), "{problem}");
    assert!(!detail.contains(&draft_id.to_string()), "{problem}");
    // Its own coordinator is told which notice.
    let problem = import(&app, &lin, &record).await.expect_problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("notice {draft_id}")),
        "{problem}"
    );

    // A published notice written by hand under its ChiCTR id catches a record naming that id
    // among its secondary ids, for anyone, by number.
    let chictr = publish(&app, &lin, &mia, &notice("ChiCTR2300071234")).await;
    let mut other = fixture("NCT03722472.json");
    other["protocolSection"]["identificationModule"]["secondaryIdInfos"] =
        json!([{"id": "ChiCTR2300071234", "type": "REGISTRY"}]);
    let problem = import(&app, &xu, &other).await.expect_problem(409);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("notice {chictr} (ChiCTR2300071234)")),
        "{problem}"
    );
    let mine = app
        .get("/api/v1/me/trials", Some(&xu.access))
        .await
        .expect(200);
    assert!(items(&mine).is_empty(), "no duplicate was made: {mine}");

    // Once the draft is deleted, the trial can be imported again.
    app.delete(&format!("/api/v1/trials/{draft_id}"), lin.token())
        .await
        .expect(204);
    import(&app, &xu, &record).await.expect(201);
}

#[actix_web::test]
async fn two_coordinators_importing_one_trial_at_once_make_one_notice() {
    let app = TestApp::spawn().await;
    let mut coordinators = Vec::new();
    for name in ["Dr_Lin", "Dr_Xu", "Dr_Ma", "Dr_Wu"] {
        coordinators.push(coordinator(&app, name).await);
    }
    for round in 0..4 {
        let mut record = fixture("NCT06323538.json");
        record["protocolSection"]["identificationModule"]["nctId"] =
            json!(format!("NCT0632353{round}"));
        let answers =
            futures_util::future::join_all(coordinators.iter().map(|c| import(&app, c, &record)))
                .await;
        let mut statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            vec![201, 409, 409, 409],
            "round {round}: {:?}",
            answers.iter().map(|r| &r.body).collect::<Vec<_>>()
        );
    }
}
