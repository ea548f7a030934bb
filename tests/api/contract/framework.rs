//! Answers of the shared HTTP layer rather than of a handler (a NUL in the address, a body that
//! is not JSON or not an object, a content type not taken, a bad `limit`, a method a route does
//! not take): each is listed in the document on every operation it can reach.

use awc::http::Method;
use serde_json::json;

use super::Contract;
use crate::harness::TestApp;

#[actix_web::test]
async fn a_method_a_route_does_not_take_is_405_even_where_a_parameter_route_matches() {
    let app = TestApp::spawn().await;
    let (_, member) = app.signed_in_member("m@example.org", "Member_Mo").await;
    // `PATCH /api/v1/trials/{id}` would take `import` as an id, and fail to read it.
    let reply = app
        .request(
            awc::http::Method::PATCH,
            "/api/v1/trials/import",
            Some(&member.access),
            &[],
            None,
        )
        .await;
    reply.expect_problem(405);
    assert_eq!(reply.header("allow").as_deref(), Some("POST"), "{reply:?}");
    // An id that is not a number still names nothing.
    app.get("/api/v1/trials/not-a-number", None)
        .await
        .expect_problem(404);
}

#[actix_web::test]
async fn the_answers_of_the_shared_http_layer_are_documented_on_every_operation() {
    let app = TestApp::spawn().await;
    let (_, member) = app.signed_in_member("m@example.org", "Member_Mo").await;
    let contract = Contract::of(&app).await;
    let mut problems = Vec::new();
    let mut tried = 0;
    for (method, template) in contract.operations().to_vec() {
        let operation = &contract.document["paths"][&template][method.to_lowercase()];
        let path = template
            .replace("{slug}", "my-story")
            .replace("{kind}", "hug")
            .split('{')
            .enumerate()
            .map(|(i, part)| match (i, part.split_once('}')) {
                (0, _) => part.to_owned(),
                (_, Some((_, rest))) => format!("1{rest}"),
                (_, None) => part.to_owned(),
            })
            .collect::<String>();
        let verb = Method::from_bytes(method.as_bytes()).expect("a method");
        let token = Some(member.access.as_str());
        let mut answers = vec![
            // A NUL character in the address.
            app.request(verb.clone(), &format!("{path}?x=%00"), token, &[], None)
                .await,
        ];
        if !operation["requestBody"].is_null() {
            let json = [("content-type", "application/json")];
            answers.push(
                app.request(verb.clone(), &path, token, &json, Some(b"{".to_vec()))
                    .await,
            );
            answers.push(
                app.request(verb.clone(), &path, token, &json, Some(b"[1]".to_vec()))
                    .await,
            );
            answers.push(
                app.request(
                    verb.clone(),
                    &path,
                    token,
                    &[("content-type", "text/plain")],
                    Some(b"hello".to_vec()),
                )
                .await,
            );
        }
        let takes_limit = operation["parameters"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "limit"));
        if takes_limit {
            answers.push(
                app.request(verb.clone(), &format!("{path}?limit=0"), token, &[], None)
                    .await,
            );
            answers.push(
                app.request(verb.clone(), &format!("{path}?limit=x"), token, &[], None)
                    .await,
            );
        }
        for answer in answers {
            tried += 1;
            if let Err(e) = contract.check(&method, &template, &answer) {
                problems.push(e);
            }
        }
    }
    assert!(tried > 100, "only {tried} answers tried");
    assert!(
        problems.is_empty(),
        "answers the document does not list:\n  {}",
        problems.join("\n  ")
    );
}

#[actix_web::test]
async fn a_body_or_nested_object_sent_as_an_array_is_refused() {
    let app = TestApp::spawn().await;
    let (_, member) = app.signed_in_member("m@example.org", "Member_Mo").await;
    // Serde would read `[null, null]` as the two optional fields of a struct.
    app.post_json_as(
        "/api/v1/notifications/read",
        &member.access,
        &json!([null, null]),
    )
    .await
    .expect_invalid_field("body");
    app.post_json_as(
        "/api/v1/me/trial-alerts",
        &member.access,
        &json!({"name": "Lupus", "filters": [null, null]}),
    )
    .await
    .expect_problem(422);
    app.post_json_as(
        "/api/v1/me/trial-alerts",
        &member.access,
        &json!({"name": "Lupus", "filters": {}}),
    )
    .await
    .expect(201);
}
