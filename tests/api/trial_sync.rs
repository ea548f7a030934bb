//! Notices follow their registry: a coordinator imports a ClinicalTrials.gov record and
//! publishes it; a member answers, another watches. A local stand-in for the registry
//! (`harness::registry`) serves the record, then changed copies of it: when the trial
//! completes, the sync closes the notice and each follower hears once; when its sites change,
//! the coordinator reads the revision and members cannot; a registry that fails twice is
//! retried; a missing or unreadable record leaves the notice alone and is reported; the
//! `butterfly trials sync` command says what it did; two passes at once apply a change once;
//! and a server with the setting on syncs by itself.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use awc::http::Method;
use butterfly::app::AppState;
use butterfly::trials::sync::{self, SyncSummary};
use serde_json::{Value, json};

use crate::harness::json::{id_of, items};
use crate::harness::moderation::review;
use crate::harness::people::{Person, admin, coordinator, member, moderator, notifications};
use crate::harness::registry::{Answer, Registry, fixture, with_locations, with_status};
use crate::harness::trials::submit;
use crate::harness::{JWT_SECRET, TestApp};

/// A recruiting study with eight sites and central contacts.
const NCT: &str = "NCT06323538";
/// A completed study with one site and no central contact (its copies here recruit).
const OTHER_NCT: &str = "NCT03722472";
const NEW_SITE: &str = "Charité – Universitätsmedizin Berlin";

/// A server reading the registry at `registry`, retrying at once.
async fn app_with(registry: &Registry) -> TestApp {
    let url = registry.url.clone();
    TestApp::spawn_with(move |s| {
        s.trial_sync.registry_url = url;
        s.trial_sync.request_interval_ms = 0;
        s.trial_sync.retry_base_ms = 10;
        s.trial_sync.timeout_secs = 10;
    })
    .await
}

/// One sync pass, as the server `app` runs it.
async fn sync_pass(app: &TestApp) -> SyncSummary {
    let state = AppState::new(app.settings.clone(), app.db().clone()).expect("an app state");
    sync::run(&state).await.expect("a sync pass")
}

fn summary(checked: usize, changed: usize, closed: usize, unchanged: usize) -> SyncSummary {
    SyncSummary {
        checked,
        changed,
        closed,
        unchanged,
        ..SyncSummary::default()
    }
}

/// Imports `record` as `coordinator`, gives it a contact if the record has none, and has it
/// published; returns its id.
async fn import_published(
    app: &TestApp,
    coordinator: &Person,
    moderator: &Person,
    record: &Value,
) -> i64 {
    let draft = app
        .request(
            Method::POST,
            "/api/v1/trials/import",
            Some(&coordinator.access),
            &[("content-type", "application/json")],
            Some(record.to_string().into_bytes()),
        )
        .await
        .expect(201);
    let id = id_of(&draft);
    // The coordinator confirms the criteria the import proposed, and gives a contact when
    // the record has none.
    let mut changes = json!({"criteria_confirmed": true});
    if draft["contact"]["email"].is_null() && draft["contact"]["phone"].is_null() {
        changes["contact"] = json!({"email": "study-team@example.org"});
    }
    app.patch_json(
        &format!("/api/v1/trials/{id}"),
        Some(&coordinator.access),
        &changes,
    )
    .await
    .expect(200);
    submit(app, coordinator, id).await;
    review(
        app,
        moderator,
        "trial_notice",
        id,
        "approve",
        "accurate and complete",
    )
    .await;
    id
}

async fn answer(app: &TestApp, who: &Person, trial: i64) -> crate::harness::Reply {
    app.post_json_as(
        &format!("/api/v1/trials/{trial}/interest"),
        &who.access,
        &json!({"consent": true, "share": {"email": true}}),
    )
    .await
}

async fn watch(app: &TestApp, who: &Person, trial: i64) {
    app.send(
        Method::PUT,
        &format!("/api/v1/trials/{trial}/watch"),
        who.token(),
        Some(&json!({})),
    )
    .await
    .expect(200);
}

async fn notice(app: &TestApp, trial: i64) -> Value {
    app.get(&format!("/api/v1/trials/{trial}"), None)
        .await
        .expect(200)
}

async fn revisions(app: &TestApp, who: &Person, trial: i64) -> Vec<Value> {
    let page = app
        .get(&format!("/api/v1/trials/{trial}/revisions"), who.token())
        .await
        .expect(200);
    items(&page)
}

fn facilities(sites: &Value) -> Vec<String> {
    sites
        .as_array()
        .unwrap_or_else(|| panic!("not a list of sites: {sites}"))
        .iter()
        .map(|s| s["facility"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The record with its first site completed and a new recruiting site in Berlin.
fn sites_changed(record: &Value) -> Value {
    with_locations(record, |locations| {
        locations[0]["status"] = "COMPLETED".into();
        let mut berlin = locations[3].clone();
        berlin["facility"] = NEW_SITE.into();
        berlin["status"] = "RECRUITING".into();
        locations.push(berlin);
    })
}

#[actix_web::test]
async fn a_completed_trial_closes_its_notice_and_each_follower_hears_once() {
    let registry = Registry::start();
    let app = app_with(&registry).await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;
    let record = fixture(NCT);
    let trial = import_published(&app, &lin, &mia, &record).await;
    answer(&app, &mei, trial).await.expect(201);
    watch(&app, &ana, trial).await;

    // The record as it was imported: nothing to do, nobody told.
    registry.serve(NCT, &record);
    assert_eq!(sync_pass(&app).await, summary(1, 0, 0, 1));
    assert!(revisions(&app, &lin, trial).await.is_empty());

    // The registry says the trial is completed: the notice closes, naming why.
    registry.serve(NCT, &with_status(&record, "COMPLETED"));
    assert_eq!(sync_pass(&app).await, summary(1, 0, 1, 0));
    let closed = notice(&app, trial).await;
    assert_eq!(closed["state"], "closed", "{closed}");
    assert_eq!(closed["recruitment_status"], "completed");
    assert_eq!(
        closed["closed_reason"],
        "ClinicalTrials.gov lists the trial as completed"
    );
    for who in [&mei, &ana] {
        let told = notifications(&app, who, "trial_notice_update").await;
        assert_eq!(told.len(), 1, "{}: {told:?}", who.name);
        assert_eq!(told[0]["subject_id"], trial);
        assert_eq!(
            told[0]["detail"],
            "closed: ClinicalTrials.gov lists the trial as completed"
        );
    }

    // A closed notice is no longer read, and nobody hears twice.
    assert_eq!(sync_pass(&app).await, SyncSummary::default());
    assert_eq!(registry.requests(NCT), 2);
    for who in [&mei, &ana] {
        assert_eq!(
            notifications(&app, who, "trial_notice_update").await.len(),
            1
        );
    }

    // The coordinator reads what changed.
    let revs = revisions(&app, &lin, trial).await;
    assert_eq!(revs.len(), 1, "{revs:?}");
    assert_eq!(revs[0]["origin"], "registry");
    assert_eq!(
        revs[0]["changes"],
        json!([{"field": "recruitment_status", "before": "recruiting", "after": "completed"}])
    );
}

#[actix_web::test]
async fn changed_sites_are_a_revision_its_coordinator_reads_and_members_cannot() {
    let registry = Registry::start();
    let app = app_with(&registry).await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let ada = admin(&app, "Admin_Ada").await;
    let mei = member(&app, "Mei_Lin").await;
    // Two followers keep a private health profile saying where they live.
    let anna = member(&app, "Anna_B").await;
    let lena = member(&app, "Lena_W").await;
    for (who, country, city) in [(&anna, "Germany", "berlin"), (&lena, "Austria", "Vienna")] {
        app.send(
            Method::PUT,
            "/api/v1/me/health-profile",
            who.token(),
            Some(&json!({"country": country, "city": city})),
        )
        .await
        .expect(200);
    }
    let record = fixture(NCT);
    let trial = import_published(&app, &lin, &mia, &record).await;
    answer(&app, &mei, trial).await.expect(201);
    watch(&app, &anna, trial).await;
    answer(&app, &lena, trial).await.expect(201);
    let before = notice(&app, trial).await;
    let vienna = facilities(&before["sites"])[0].clone();

    registry.serve(NCT, &sites_changed(&record));
    assert_eq!(sync_pass(&app).await, summary(1, 1, 0, 0));

    // The notice shows the sites as the registry has them, and stays open.
    let after = notice(&app, trial).await;
    assert_eq!(after["state"], "published");
    assert_eq!(after["recruitment_status"], "recruiting");
    assert_eq!(after["sites"][0]["status"], "completed");
    let mut expected = facilities(&before["sites"]);
    expected.push(NEW_SITE.into());
    assert_eq!(facilities(&after["sites"]), expected);

    // The coordinator (and administrators) read the revision: the sites before and after,
    // which opened and which closed.
    let revs = revisions(&app, &lin, trial).await;
    assert_eq!(revs.len(), 1, "{revs:?}");
    let rev = &revs[0];
    let fields: Vec<&Value> = rev["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| &c["field"])
        .collect();
    assert_eq!(fields, [&json!("sites")], "{rev}");
    assert_eq!(rev["changes"][0]["before"], before["sites"]);
    assert_eq!(rev["changes"][0]["after"], after["sites"]);
    assert_eq!(facilities(&rev["opened_sites"]), [NEW_SITE]);
    assert_eq!(
        facilities(&rev["closed_sites"]),
        std::slice::from_ref(&vienna)
    );
    assert!(rev["opened_sites"][0]["latitude"].is_number(), "{rev}");
    assert_eq!(revisions(&app, &ada, trial).await.len(), 1);

    // Members may see the notice, not its revisions.
    let path = format!("/api/v1/trials/{trial}/revisions");
    app.get(&path, mei.token()).await.expect_problem(403);
    app.get(&path, None).await.expect_problem(401);

    // Who answered hears once; the same record again changes nothing.
    let told = notifications(&app, &mei, "trial_notice_update").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["detail"], "updated from ClinicalTrials.gov: sites");
    // Those living where a site opened or closed hear of that site too; nobody else does.
    let details = |told: Vec<Value>| -> Vec<String> {
        let mut d: Vec<String> = told
            .iter()
            .map(|n| n["detail"].as_str().unwrap().to_owned())
            .collect();
        d.sort();
        d
    };
    assert_eq!(
        details(notifications(&app, &anna, "trial_notice_update").await),
        [
            format!("a site in Berlin opened: {NEW_SITE}"),
            "updated from ClinicalTrials.gov: sites".to_owned()
        ]
    );
    assert_eq!(
        details(notifications(&app, &lena, "trial_notice_update").await),
        [
            format!("a site in Vienna closed: {vienna}"),
            "updated from ClinicalTrials.gov: sites".to_owned()
        ]
    );
    assert_eq!(sync_pass(&app).await, summary(1, 0, 0, 1));
    assert_eq!(
        notifications(&app, &mei, "trial_notice_update").await.len(),
        1
    );
    assert_eq!(
        notifications(&app, &anna, "trial_notice_update")
            .await
            .len(),
        2,
        "once per change"
    );
    assert_eq!(revisions(&app, &lin, trial).await.len(), 1);
}

#[actix_web::test]
async fn a_record_that_fails_twice_is_retried_and_a_suspended_trial_pauses_its_notice() {
    let registry = Registry::start();
    let app = app_with(&registry).await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let mei = member(&app, "Mei_Lin").await;
    let bo = member(&app, "Bo_Reed").await;
    let record = fixture(NCT);
    let trial = import_published(&app, &lin, &mia, &record).await;
    answer(&app, &mei, trial).await.expect(201);

    registry.answer(
        NCT,
        vec![
            Answer::status(500),
            Answer::status(500),
            Answer::record(&with_status(&record, "SUSPENDED")),
        ],
    );
    assert_eq!(sync_pass(&app).await, summary(1, 1, 0, 0));
    assert_eq!(registry.requests(NCT), 3);

    // Paused: still shown, but nobody new may answer it.
    let paused = notice(&app, trial).await;
    assert_eq!(paused["state"], "published");
    assert_eq!(paused["recruitment_status"], "suspended");
    answer(&app, &bo, trial).await.expect_problem(409);
    let told = notifications(&app, &mei, "trial_notice_update").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(
        told[0]["detail"],
        "updated from ClinicalTrials.gov: recruitment status: suspended"
    );

    // Recruiting again on the registry (after asking to come back at once): open again.
    registry.answer(NCT, vec![Answer::too_many(0), Answer::record(&record)]);
    assert_eq!(sync_pass(&app).await, summary(1, 1, 0, 0));
    assert_eq!(registry.requests(NCT), 3 + 2);
    assert_eq!(
        notice(&app, trial).await["recruitment_status"],
        "recruiting"
    );
    answer(&app, &bo, trial).await.expect(201);

    // A registry asking to come back in an hour is left for the next pass, not waited for.
    registry.answer(
        NCT,
        vec![
            Answer::too_many(3600),
            Answer::record(&with_status(&record, "COMPLETED")),
        ],
    );
    let later = SyncSummary {
        checked: 1,
        failed: 1,
        ..SyncSummary::default()
    };
    assert_eq!(sync_pass(&app).await, later);
    assert_eq!(registry.requests(NCT), 5 + 1);
    assert_eq!(notice(&app, trial).await["state"], "published");
}

#[actix_web::test]
async fn a_missing_or_unreadable_record_is_reported_and_the_notice_left_alone() {
    let registry = Registry::start();
    let app = app_with(&registry).await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let mei = member(&app, "Mei_Lin").await;
    let record = fixture(NCT);
    let trial = import_published(&app, &lin, &mia, &record).await;
    watch(&app, &mei, trial).await;
    let before = notice(&app, trial).await;
    let failed = SyncSummary {
        checked: 1,
        failed: 1,
        ..SyncSummary::default()
    };

    // Not found: asked once, never retried.
    assert_eq!(sync_pass(&app).await, failed);
    assert_eq!(registry.requests(NCT), 1);
    // Not a record.
    registry.answer(NCT, vec![Answer::garbage()]);
    assert_eq!(sync_pass(&app).await, failed);
    // A record that the import refuses (an age it cannot read).
    let mut odd = with_status(&record, "COMPLETED");
    odd["protocolSection"]["eligibilityModule"]["minimumAge"] = "eighteen".into();
    registry.serve(NCT, &odd);
    assert_eq!(sync_pass(&app).await, failed);
    // Unavailable through every retry (three after the first attempt).
    registry.answer(NCT, vec![Answer::status(503)]);
    assert_eq!(sync_pass(&app).await, failed);
    assert_eq!(registry.requests(NCT), 1 + 1 + 1 + 4);

    let after = notice(&app, trial).await;
    assert_eq!(after["state"], "published");
    assert_eq!(after["recruitment_status"], "recruiting");
    assert_eq!(after["sites"], before["sites"]);
    assert!(revisions(&app, &lin, trial).await.is_empty());
    assert!(
        notifications(&app, &mei, "trial_notice_update")
            .await
            .is_empty()
    );

    // The failures held nothing: the next pass reads it as usual.
    registry.serve(NCT, &record);
    assert_eq!(sync_pass(&app).await, summary(1, 0, 0, 1));
}

#[actix_web::test]
async fn two_passes_at_the_same_time_apply_a_change_once() {
    let registry = Registry::start();
    let app = app_with(&registry).await;
    let sibling = app.spawn_sibling().await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let mei = member(&app, "Mei_Lin").await;
    let ana = member(&app, "Ana_Moss").await;
    let record = fixture(NCT);
    let trial = import_published(&app, &lin, &mia, &record).await;
    let other = import_published(
        &app,
        &lin,
        &mia,
        &with_status(&fixture(OTHER_NCT), "RECRUITING"),
    )
    .await;
    answer(&app, &mei, trial).await.expect(201);
    watch(&app, &ana, other).await;

    // Both records change; each answer is slow, so the passes overlap.
    registry.serve(NCT, &sites_changed(&record));
    registry.serve(
        OTHER_NCT,
        &with_status(&fixture(OTHER_NCT), "ACTIVE_NOT_RECRUITING"),
    );
    registry.delay(Duration::from_millis(300));
    let (one, two) = futures_util::future::join(sync_pass(&app), sync_pass(&sibling)).await;
    assert_eq!(one.changed + two.changed, 2, "{one:?} {two:?}");
    assert_eq!(one.failed + two.failed, 0, "{one:?} {two:?}");

    for (who, trial) in [(&mei, trial), (&ana, other)] {
        assert_eq!(revisions(&app, &lin, trial).await.len(), 1);
        assert_eq!(
            notifications(&app, who, "trial_notice_update").await.len(),
            1,
            "{}",
            who.name
        );
    }
}

/// Runs `butterfly trials sync` with these settings; returns its status, stdout and stderr.
async fn run_sync_command(env: Vec<(&'static str, String)>) -> (i32, String, String) {
    let output = actix_web::web::block(move || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_butterfly"));
        command
            .args(["trials", "sync"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, _) in std::env::vars() {
            if name.starts_with("BUTTERFLY_") {
                command.env_remove(name);
            }
        }
        command.envs(env);
        command.output()
    })
    .await
    .expect("the command ran")
    .expect("the butterfly binary starts");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[actix_web::test]
async fn the_sync_command_says_what_it_did_and_fails_when_a_record_could_not_be_read() {
    let registry = Registry::start();
    let app = app_with(&registry).await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let record = fixture(NCT);
    let other_record = with_status(&fixture(OTHER_NCT), "RECRUITING");
    let trial = import_published(&app, &lin, &mia, &record).await;
    let other = import_published(&app, &lin, &mia, &other_record).await;
    registry.serve(NCT, &sites_changed(&record));

    let data_dir = tempfile::tempdir().expect("a data folder");
    let env = vec![
        (
            "BUTTERFLY_DATA_DIR",
            data_dir.path().to_string_lossy().into_owned(),
        ),
        ("BUTTERFLY_DATABASE_URL", app.database.url().to_owned()),
        ("BUTTERFLY_JWT__SECRET", JWT_SECRET.to_owned()),
        ("BUTTERFLY_LOG", "warn".to_owned()),
        ("BUTTERFLY_TRIAL_SYNC__REGISTRY_URL", registry.url.clone()),
        ("BUTTERFLY_TRIAL_SYNC__REQUEST_INTERVAL_MS", "0".to_owned()),
        ("BUTTERFLY_TRIAL_SYNC__RETRY_BASE_MS", "10".to_owned()),
    ];

    // The second study is missing from the registry: reported, and the exit status says so.
    let (status, stdout, stderr) = run_sync_command(env.clone()).await;
    assert_eq!(status, 1, "stdout {stdout:?}, stderr {stderr:?}");
    assert!(
        stdout.contains("checked 2, changed 1, closed 0, unchanged 0, failed 1"),
        "{stdout:?}"
    );
    assert!(
        stderr.contains("1 notice(s) could not be synced"),
        "{stderr:?}"
    );
    assert_eq!(revisions(&app, &lin, trial).await.len(), 1);
    assert!(revisions(&app, &lin, other).await.is_empty());

    // Once the registry has it, all is well (and its missing contact keeps the notice's).
    registry.serve(OTHER_NCT, &other_record);
    let (status, stdout, stderr) = run_sync_command(env).await;
    assert_eq!(status, 0, "stdout {stdout:?}, stderr {stderr:?}");
    assert!(
        stdout.contains("checked 2, changed 0, closed 0, unchanged 2, failed 0"),
        "{stdout:?}"
    );
    assert_eq!(
        notice(&app, other).await["contact"]["email"],
        "study-team@example.org"
    );
}

#[actix_web::test]
async fn a_server_with_the_setting_on_syncs_by_itself() {
    let registry = Registry::start();
    let url = registry.url.clone();
    let app = TestApp::spawn_with(move |s| {
        s.trial_sync.registry_url = url;
        s.trial_sync.interval_secs = 1;
        s.trial_sync.request_interval_ms = 0;
    })
    .await;
    let lin = coordinator(&app, "Dr_Lin").await;
    let mia = moderator(&app, "Mod_Mia").await;
    let record = fixture(NCT);
    registry.serve(NCT, &with_status(&record, "TERMINATED"));
    let trial = import_published(&app, &lin, &mia, &record).await;

    let start = Instant::now();
    loop {
        let now = notice(&app, trial).await;
        if now["state"] == "closed" {
            assert_eq!(
                now["closed_reason"],
                "ClinicalTrials.gov lists the trial as terminated"
            );
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the background sync did not close the notice: {now}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}
