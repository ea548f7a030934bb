//! Clinical-trial notices as the stories use them: a complete notice to start from, and the
//! way from draft through review to published.

use serde_json::{Value, json};

use super::TestApp;
use super::json::id_of;
use super::moderation::review;
use super::people::Person;

/// A complete notice: a recruiting CD19 CAR-T trial in lupus at a Beijing hospital, for
/// adults 18 to 65. Stories change what they need with [`super::json::with`].
pub fn notice(registry_id: &str) -> Value {
    json!({
        "registry_id": registry_id,
        "title": "CD19 CAR-T cell therapy for refractory systemic lupus erythematosus",
        "summary": "评估 CD19 CAR-T 细胞治疗难治性系统性红斑狼疮的安全性和有效性。\n\nAn open-label study of **CD19 CAR-T** cells.",
        "conditions": ["Systemic Lupus Erythematosus"],
        "interventions": [{"type": "biological", "name": "CD19 CAR-T cells"}],
        "phase": "phase1_2",
        "recruitment_status": "recruiting",
        "eligibility": {"min_age_years": 18, "max_age_years": 65, "sex": "all", "healthy_volunteers": false, "criteria": "Inclusion Criteria: active SLE despite standard treatment."},
        "sites": [{"facility": "Peking Union Medical College Hospital", "city": "Beijing", "country": "China", "latitude": 39.9127, "longitude": 116.4168, "status": "recruiting"}],
        "contact": {"name": "Study team", "email": "cart-study@hospital.example.org", "phone": "+86 10 6915 6114"},
        "sponsor": "Peking Union Medical College Hospital",
        "start_date": "2025-01-15",
        "recruitment_ends": "2099-12-31"
    })
}

/// Creates a draft and returns its id.
pub async fn draft(app: &TestApp, coordinator: &Person, body: &Value) -> i64 {
    let notice = app
        .post_json_as("/api/v1/trials", &coordinator.access, body)
        .await
        .expect(201);
    assert_eq!(notice["state"], "draft", "{notice}");
    id_of(&notice)
}

/// Submits a draft for review.
pub async fn submit(app: &TestApp, coordinator: &Person, trial_id: i64) {
    let submitted = app
        .post_json_as(
            &format!("/api/v1/trials/{trial_id}/submit"),
            &coordinator.access,
            &json!({}),
        )
        .await
        .expect(200);
    assert_eq!(submitted["state"], "pending_review", "{submitted}");
}

/// Draft → review → published; returns the id.
pub async fn publish(app: &TestApp, coordinator: &Person, moderator: &Person, body: &Value) -> i64 {
    let id = draft(app, coordinator, body).await;
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
    let published = app
        .get(&format!("/api/v1/trials/{id}"), None)
        .await
        .expect(200);
    assert_eq!(published["state"], "published", "{published}");
    id
}
