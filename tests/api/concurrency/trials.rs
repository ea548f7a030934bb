//! Trial notices, answers, saved searches and applications fired together.

use butterfly::auth::model::Role;
use serde_json::json;

use super::{ROUNDS, all_answered, post_as, statuses, together};
use crate::harness::TestApp;
use crate::harness::json::{id_of, items};
use crate::harness::moderation::{decide, open_items, queue};
use crate::harness::people::{Person, notifications, with_role};
use crate::harness::trials::{draft, notice, publish, submit};

fn registry_id(n: usize) -> String {
    format!("NCT0{}", 6_100_000 + n)
}

/// A draft of `coordinator`'s, submitted for review; returns its id.
async fn submitted(app: &TestApp, coordinator: &Person, n: usize) -> i64 {
    let id = draft(app, coordinator, &notice(&registry_id(n))).await;
    submit(app, coordinator, id).await;
    id
}

/// A published notice; returns its id.
async fn published(app: &TestApp, coordinator: &Person, moderator: &Person, n: usize) -> i64 {
    publish(app, coordinator, moderator, &notice(&registry_id(n))).await
}

#[actix_web::test]
async fn notices_published_together_send_a_saved_search_one_email_and_every_notification() {
    let app = TestApp::spawn().await;
    let coordinator = with_role(&app, "Coord_Wu", Role::Coordinator).await;
    let moderator = with_role(&app, "Mod_Xia", Role::Moderator).await;
    let patient = with_role(&app, "Yan_Patient", Role::Member).await;
    post_as(
        &app,
        &patient,
        "/api/v1/me/trial-alerts",
        json!({"name": "Lupus trials", "filters": {"condition": "lupus"}}),
    )
    .await
    .expect(201);
    let mut notices = Vec::new();
    for n in 0..ROUNDS {
        notices.push(submitted(&app, &coordinator, n).await);
    }
    let mut items_to_approve = Vec::new();
    for &id in &notices {
        items_to_approve.extend(open_items(&app, &moderator, "trial_notice", id).await);
    }
    assert_eq!(items_to_approve.len(), notices.len());
    let answers = together(
        items_to_approve
            .iter()
            .map(|item| decide(&app, &moderator, item, "approve", "Reviewed."))
            .collect(),
    )
    .await;
    all_answered(&answers, 200, "approvals at once");
    assert_eq!(
        notifications(&app, &patient, "trial_alert").await.len(),
        notices.len(),
        "one in-app alert per notice"
    );
    assert_eq!(
        app.emails_once_sent(&patient.email).await.len(),
        1,
        "at most one alert email a day; the other matches wait for the digest"
    );
}

#[actix_web::test]
async fn saved_searches_created_at_once_stop_at_the_limit() {
    let app = TestApp::spawn().await;
    let patient = with_role(&app, "Zoe_Patient", Role::Member).await;
    let alert = |name: String| {
        post_as(
            &app,
            &patient,
            "/api/v1/me/trial-alerts",
            json!({"name": name, "filters": {"condition": "lupus"}}),
        )
    };
    for i in 0..19 {
        alert(format!("Search {i}")).await.expect(201);
    }
    let answers = together((0..4).map(|i| alert(format!("Late {i}"))).collect()).await;
    assert_eq!(statuses(&answers), [201, 409, 409, 409], "{answers:?}");
    let saved = app
        .get("/api/v1/me/trial-alerts?limit=100", patient.token())
        .await
        .expect(200);
    assert_eq!(items(&saved).len(), 20);
}

#[actix_web::test]
async fn members_answering_a_notice_together_reach_the_coordinator_once_by_email() {
    let app = TestApp::spawn().await;
    let coordinator = with_role(&app, "Coord_Ah", Role::Coordinator).await;
    let moderator = with_role(&app, "Mod_Bei", Role::Moderator).await;
    let mut patients = Vec::new();
    for i in 0..3 {
        patients.push(with_role(&app, &format!("Patient_{i}"), Role::Member).await);
    }
    for round in 0..ROUNDS {
        let id = published(&app, &coordinator, &moderator, round).await;
        let path = format!("/api/v1/trials/{id}/interest");
        let body = json!({"consent": true, "share": {"email": true}});
        // Each patient double-clicks: two answers at once each.
        let answers = together(
            patients
                .iter()
                .flat_map(|p| {
                    [
                        post_as(&app, p, &path, body.clone()),
                        post_as(&app, p, &path, body.clone()),
                    ]
                })
                .collect(),
        )
        .await;
        for pair in answers.chunks(2) {
            assert_eq!(statuses(pair), [201, 409], "round {round}: {pair:?}");
        }
        let inbox = app
            .get(
                &format!("/api/v1/trials/{id}/interests"),
                coordinator.token(),
            )
            .await
            .expect(200);
        assert_eq!(items(&inbox).len(), patients.len(), "round {round}");
    }
    assert_eq!(
        notifications(&app, &coordinator, "trial_interest")
            .await
            .len(),
        ROUNDS * patients.len()
    );
    assert_eq!(
        app.emails_once_sent(&coordinator.email).await.len(),
        ROUNDS,
        "one answer email per notice within the hour"
    );
}

#[actix_web::test]
async fn a_coordinator_double_clicking_create_submit_and_save_loses_nothing() {
    let app = TestApp::spawn().await;
    let coordinator = with_role(&app, "Coord_Cai", Role::Coordinator).await;
    let moderator = with_role(&app, "Mod_Dai", Role::Moderator).await;
    for round in 0..ROUNDS {
        // Create twice at once: one notice per registry id.
        let body = notice(&registry_id(round));
        let answers = together(vec![
            post_as(&app, &coordinator, "/api/v1/trials", body.clone()),
            post_as(&app, &coordinator, "/api/v1/trials", body.clone()),
        ])
        .await;
        assert_eq!(statuses(&answers), [201, 409], "round {round}: {answers:?}");
        let id = id_of(
            &answers
                .iter()
                .find(|a| a.status == 201)
                .map(|a| a.json())
                .unwrap_or_default(),
        );

        // Two edits of different fields at once: both are kept.
        let path = format!("/api/v1/trials/{id}");
        let answers = together(vec![
            app.patch_json(
                &path,
                coordinator.token(),
                &json!({"title": format!("New title {round}")}),
            ),
            app.patch_json(
                &path,
                coordinator.token(),
                &json!({"sponsor": format!("New sponsor {round}")}),
            ),
        ])
        .await;
        all_answered(&answers, 200, "two edits at once");
        let stored = app.get(&path, coordinator.token()).await.expect(200);
        assert_eq!(stored["title"], format!("New title {round}"), "{stored}");
        assert_eq!(
            stored["sponsor"],
            format!("New sponsor {round}"),
            "{stored}"
        );

        // Submit twice at once: one review.
        let submit = format!("/api/v1/trials/{id}/submit");
        let answers = together(vec![
            post_as(&app, &coordinator, &submit, json!({})),
            post_as(&app, &coordinator, &submit, json!({})),
        ])
        .await;
        assert_eq!(statuses(&answers), [200, 409], "round {round}: {answers:?}");
        let reviews = open_items(&app, &moderator, "trial_notice", id).await;
        assert_eq!(reviews.len(), 1, "{reviews:?}");
        assert_eq!(reviews[0]["version"], 1, "nobody bumped it: {}", reviews[0]);
    }
}

#[actix_web::test]
async fn applying_to_be_a_coordinator_three_times_at_once_makes_one_application() {
    let app = TestApp::spawn().await;
    let admin = with_role(&app, "Admin_Eun", Role::Admin).await;
    for round in 0..ROUNDS {
        let applicant = with_role(&app, &format!("Applicant_{round}"), Role::Member).await;
        let body = json!({
            "organization": "Peking Union Medical College Hospital",
            "job_title": "Research nurse",
            "evidence": "Staff page: https://hospital.example.org/staff/nurse",
        });
        let answers = together(
            (0..3)
                .map(|_| {
                    post_as(
                        &app,
                        &applicant,
                        "/api/v1/coordinator-applications",
                        body.clone(),
                    )
                })
                .collect(),
        )
        .await;
        assert_eq!(
            statuses(&answers),
            [201, 409, 409],
            "round {round}: {answers:?}"
        );
    }
    let applications = queue(&app, &admin, "&kind=coordinator_application").await;
    assert_eq!(applications.len(), ROUNDS);
}

#[actix_web::test]
async fn her_first_health_profile_saved_from_two_tabs_at_once_is_saved_once() {
    let app = TestApp::spawn().await;
    for round in 0..ROUNDS {
        let patient = with_role(&app, &format!("Mei_{round}"), Role::Member).await;
        let bodies: Vec<_> = (0..4)
            .map(|i| json!({"country": "China", "city": format!("Beijing {i}")}))
            .collect();
        let answers = together(
            bodies
                .iter()
                .map(|body| {
                    app.send(
                        awc::http::Method::PUT,
                        "/api/v1/me/health-profile",
                        patient.token(),
                        Some(body),
                    )
                })
                .collect(),
        )
        .await;
        all_answered(&answers, 200, "first saves at once");
        let saved = app
            .get("/api/v1/me/health-profile", patient.token())
            .await
            .expect(200);
        assert!(
            saved["city"].as_str().unwrap().starts_with("Beijing "),
            "{saved}"
        );
    }
}
