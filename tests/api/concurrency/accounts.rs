//! Sessions and profiles fired together.

use butterfly::auth::model::Role;
use serde_json::json;

use super::{ROUNDS, all_answered, statuses, together};
use crate::harness::people::with_role;
use crate::harness::{TestApp, Tokens};

#[actix_web::test]
async fn two_tabs_refreshing_one_session_at_once_both_stay_signed_in() {
    let app = TestApp::spawn().await;
    let member = with_role(&app, "Quy_Tabs", Role::Member).await;
    let mut current = member.refresh.clone();
    for round in 0..ROUNDS {
        let answers = together((0..3).map(|_| app.refresh(&current)).collect()).await;
        all_answered(&answers, 200, "three refreshes of one token at once");
        let tokens: Vec<Tokens> = answers
            .iter()
            .map(|a| Tokens::from_body(a.json()))
            .collect();
        // Every tab gets the same successor, and every access token works.
        for t in &tokens {
            assert_eq!(t.refresh, tokens[0].refresh, "round {round}: one successor");
            assert_ne!(t.refresh, current, "round {round}: a new refresh token");
            app.me(&t.access).await.expect(200);
        }
        current = tokens[0].refresh.clone();
    }
    // The session lives on: its newest token still refreshes.
    app.refresh(&current).await.expect(200);
}

#[actix_web::test]
async fn two_members_taking_the_same_display_name_at_once_get_one_clear_refusal() {
    let app = TestApp::spawn().await;
    let first = with_role(&app, "Rin_First", Role::Member).await;
    let second = with_role(&app, "Sol_Second", Role::Member).await;
    for round in 0..ROUNDS {
        let body = json!({"display_name": format!("Butterfly_{round}")});
        let answers = together(vec![
            app.patch_json("/api/v1/me", first.token(), &body),
            app.patch_json("/api/v1/me", second.token(), &body),
        ])
        .await;
        assert_eq!(statuses(&answers), [200, 422], "round {round}: {answers:?}");
        let refused = answers
            .iter()
            .find(|a| a.status == 422)
            .map(|a| a.expect_invalid_field("display_name"));
        assert!(refused.is_some());
    }
}
