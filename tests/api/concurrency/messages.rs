//! Private messages arriving together: she gets one email per conversation until she reads it,
//! however many messages arrive at the same moment.

use butterfly::auth::model::Role;
use serde_json::json;

use super::{ROUNDS, all_answered, post_as, together};
use crate::harness::TestApp;
use crate::harness::json::id_of;
use crate::harness::people::with_role;

#[actix_web::test]
async fn messages_arriving_together_send_her_one_email_until_she_reads() {
    let app = TestApp::spawn().await;
    let pia = with_role(&app, "Pia_Reader", Role::Member).await;
    app.patch_json(
        "/api/v1/me/message-settings",
        pia.token(),
        &json!({"email": true}),
    )
    .await
    .expect(200);
    let mut senders = Vec::new();
    for i in 0..3 {
        senders.push(with_role(&app, &format!("Sender_{i}"), Role::Member).await);
    }
    let others: Vec<i64> = senders.iter().skip(1).map(|s| s.id).collect();
    for round in 0..ROUNDS {
        let mut recipients = vec![pia.id];
        recipients.extend(&others);
        let created = post_as(
            &app,
            &senders[0],
            "/api/v1/conversations",
            json!({"recipients": recipients, "body": format!("Group chat {round}")}),
        )
        .await
        .expect(201);
        let conversation = id_of(&created["conversation"]);
        for who in std::iter::once(&pia).chain(senders.iter().skip(1)) {
            post_as(
                &app,
                who,
                &format!("/api/v1/conversations/{conversation}/accept"),
                json!({}),
            )
            .await
            .expect(200);
        }
        post_as(
            &app,
            &pia,
            &format!("/api/v1/conversations/{conversation}/read"),
            json!({}),
        )
        .await
        .expect(204);
        let path = format!("/api/v1/conversations/{conversation}/messages");
        let answers = together(
            senders
                .iter()
                .map(|s| post_as(&app, s, &path, json!({"body": "Good morning!"})))
                .collect(),
        )
        .await;
        all_answered(&answers, 201, "messages at once");
    }
    assert_eq!(
        app.queued(&pia.email, "new_message").await,
        2 * ROUNDS as i64,
        "per conversation: one for the request, one for the messages after she read it"
    );
}
