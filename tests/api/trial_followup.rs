//! The patient hears back: she answers a recruiting lupus CAR-T trial and asks for email
//! updates; the coordinator marks her contacted and she is told once, in her language; she
//! watches a second notice without answering it; when its coordinator stops recruiting and
//! later closes it, she hears of each change once, and those who withdrew hear nothing. Her
//! own answers show where each stands and where its notice stands now.

use serde_json::json;

use crate::harness::TestApp;
use crate::harness::json::{id_of, items};
use crate::harness::people::{coordinator, member, moderator, notifications, set_locale};
use crate::harness::trials::{notice, publish};

#[actix_web::test]
async fn she_answers_the_coordinator_marks_her_contacted_and_she_is_told_once() {
    let app = TestApp::spawn().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let mei = member(&app, "Mei_Lin").await;
    set_locale(&app, &mei, "zh-CN").await;
    let trial = publish(&app, &lin, &mia, &notice("NCT05765006")).await;

    let answer = app
        .post_json_as(
            &format!("/api/v1/trials/{trial}/interest"),
            &mei.access,
            &json!({"consent": true, "share": {"email": true}, "email_updates": true}),
        )
        .await
        .expect(201);
    assert_eq!(answer["email_updates"], true, "{answer}");
    let answer_id = id_of(&answer);

    // Contacted, then the same again (a double click): one notification, one email.
    let status = format!("/api/v1/trials/{trial}/interests/{answer_id}");
    for _ in 0..2 {
        app.patch_json(&status, lin.token(), &json!({"status": "contacted"}))
            .await
            .expect(200);
    }
    let told = notifications(&app, &mei, "trial_answer_update").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["subject_id"], trial);
    assert_eq!(told[0]["detail"], "contacted");
    assert_eq!(app.queued(&mei.email, "trial_update").await, 1);
    let sent = app.emails_once_sent(&mei.email).await;
    let email = sent
        .iter()
        .find(|e| e.subject().contains("临床试验有新消息"))
        .unwrap_or_else(|| panic!("an update in Chinese: {sent:?}"));
    assert!(
        email.contains(&format!("/trials/{trial}")),
        "{}",
        email.text()
    );
    assert!(
        !email.contains("CAR-T"),
        "never the title: {}",
        email.text()
    );

    // Her answers show where each stands, and where its notice stands now.
    let mine = app
        .get("/api/v1/me/trial-interests", mei.token())
        .await
        .expect(200);
    let mine = items(&mine);
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["status"], "contacted");
    assert_eq!(mine[0]["trial"]["id"], trial);
    assert_eq!(mine[0]["trial"]["recruitment_status"], "recruiting");
    assert_eq!(mine[0]["trial"]["state"], "published");
}

#[actix_web::test]
async fn a_watcher_and_those_who_answered_hear_of_each_recruitment_change_once() {
    let app = TestApp::spawn().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;
    let bo = member(&app, "Bo_Reed").await;
    let trial = publish(&app, &lin, &mia, &notice("NCT06106893")).await;
    let path = format!("/api/v1/trials/{trial}");

    // Mei watches it (twice is once); Ana answers; Bo answers, then withdraws.
    for _ in 0..2 {
        let watching = app
            .send(
                awc::http::Method::PUT,
                &format!("{path}/watch"),
                mei.token(),
                Some(&json!({})),
            )
            .await
            .expect(200);
        assert_eq!(watching["trial_id"], trial);
    }
    for who in [&ana, &bo] {
        app.post_json_as(
            &format!("{path}/interest"),
            &who.access,
            &json!({"consent": true, "share": {"email": true}}),
        )
        .await
        .expect(201);
    }
    app.delete(&format!("{path}/interest"), bo.token())
        .await
        .expect(204);

    // Recruitment pauses: each follower is told once; an edit that keeps it tells nobody.
    app.patch_json(
        &path,
        lin.token(),
        &json!({"recruitment_status": "active_not_recruiting"}),
    )
    .await
    .expect(200);
    app.patch_json(
        &path,
        lin.token(),
        &json!({"recruitment_ends": "2099-11-30"}),
    )
    .await
    .expect(200);
    for who in [&mei, &ana] {
        let told = notifications(&app, who, "trial_notice_update").await;
        assert_eq!(told.len(), 1, "{}: {told:?}", who.name);
        assert_eq!(
            told[0]["detail"],
            "recruitment status: active_not_recruiting"
        );
    }
    assert!(
        notifications(&app, &bo, "trial_notice_update")
            .await
            .is_empty()
    );
    // Nobody asked for email here.
    assert_eq!(app.queued(&mei.email, "trial_update").await, 0);

    // The coordinator closes it: told once more.
    app.post_json_as(
        &format!("{path}/close"),
        &lin.access,
        &json!({"reason": "enrolment complete"}),
    )
    .await
    .expect(200);
    for who in [&mei, &ana] {
        let told = notifications(&app, who, "trial_notice_update").await;
        assert_eq!(told.len(), 2, "{}: {told:?}", who.name);
        assert_eq!(told[0]["detail"], "closed: enrolment complete");
    }

    // She stops watching a notice: nothing more reaches her from it; an unknown notice is 404.
    app.delete(&format!("{path}/watch"), mei.token())
        .await
        .expect(204);
    let export = app.get("/api/v1/me/export", mei.token()).await.expect(200);
    assert_eq!(export["trial_watches"], json!([]), "{export}");
    app.send(
        awc::http::Method::PUT,
        "/api/v1/trials/999999/watch",
        mei.token(),
        Some(&json!({})),
    )
    .await
    .expect_problem(404);
}

#[actix_web::test]
async fn she_hears_when_the_site_in_her_city_stops_or_starts_recruiting_and_others_do_not() {
    let app = TestApp::spawn().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let mei = member(&app, "Mei_Lin").await;
    let xiao = member(&app, "Xiao_Shanghai").await;
    let nobody = member(&app, "No_Profile").await;
    for (who, city) in [(&mei, " beijing "), (&xiao, "Shanghai")] {
        app.send(
            awc::http::Method::PUT,
            "/api/v1/me/health-profile",
            who.token(),
            Some(&json!({"country": "中国", "city": city})),
        )
        .await
        .expect(200);
    }
    let beijing = json!({"facility": "Peking Union Medical College Hospital", "city": "Beijing", "country": "China", "latitude": 39.9127, "longitude": 116.4168, "status": "recruiting"});
    let shanghai = json!({"facility": "Renji Hospital", "city": "Shanghai", "country": "China", "latitude": 31.2, "longitude": 121.5, "status": "recruiting"});
    let trial = publish(
        &app,
        &lin,
        &mia,
        &crate::harness::json::with(
            &notice("NCT05765006"),
            json!({"sites": [beijing.clone(), shanghai.clone()]}),
        ),
    )
    .await;
    for who in [&mei, &nobody] {
        app.post_json_as(
            &format!("/api/v1/trials/{trial}/interest"),
            &who.access,
            &json!({"consent": true, "share": {"email": true}}),
        )
        .await
        .expect(201);
    }
    app.send(
        awc::http::Method::PUT,
        &format!("/api/v1/trials/{trial}/watch"),
        xiao.token(),
        Some(&json!({})),
    )
    .await
    .expect(200);

    // The Beijing site stops recruiting: the notice stays published, and only Mei is told.
    let mut closed = beijing.clone();
    closed["status"] = json!("completed");
    let path = format!("/api/v1/trials/{trial}");
    let edited = app
        .patch_json(&path, lin.token(), &json!({"sites": [closed, shanghai]}))
        .await
        .expect(200);
    assert_eq!(edited["state"], "published", "{edited}");
    let told = notifications(&app, &mei, "trial_notice_update").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(
        told[0]["detail"],
        "a site in Beijing closed: Peking Union Medical College Hospital"
    );
    assert!(
        notifications(&app, &xiao, "trial_notice_update")
            .await
            .is_empty()
    );
    assert!(
        notifications(&app, &nobody, "trial_notice_update")
            .await
            .is_empty()
    );

    // It recruits again: she is told once more.
    let shanghai = edited["sites"][1].clone();
    app.patch_json(&path, lin.token(), &json!({"sites": [beijing, shanghai]}))
        .await
        .expect(200);
    let told = notifications(&app, &mei, "trial_notice_update").await;
    assert_eq!(told.len(), 2, "{told:?}");
    assert!(
        told.iter()
            .any(|n| n["detail"]
                == "a site in Beijing opened: Peking Union Medical College Hospital"),
        "{told:?}"
    );
}
