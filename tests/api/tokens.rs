//! The bad-token corpus: access tokens built by hand (base64url JSON header and claims, an
//! HMAC with the test secret where the case needs a valid signature) that must all be refused
//! with a 401 problem: no signature or the wrong one, algorithm confusion, unknown keys,
//! expired or not yet valid, claims of the wrong JSON type or for another issuer, audience or
//! token type, mangled encodings, and perfectly signed tokens of sessions or accounts that may
//! no longer sign in (logged out, suspended, banned, erased).

use awc::http::Method;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use butterfly::auth::model::Role;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Sha256, Sha384, Sha512};

use crate::harness::json::{token_parts, with};
use crate::harness::moderation::sanction;
use crate::harness::people::{erase_account, signed_in};
use crate::harness::{JWT_SECRET, PASSWORD, TestApp};

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn b64_json(value: &Value) -> String {
    b64(&serde_json::to_vec(value).expect("JSON"))
}

/// The hash behind an HMAC signature.
#[derive(Clone, Copy)]
enum Mac256 {
    Sha256,
    Sha384,
    Sha512,
}

fn hmac(hash: Mac256, secret: &[u8], input: &str) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(secret: &[u8], input: &str) -> Vec<u8> {
        let mut mac = <M as Mac>::new_from_slice(secret).expect("HMAC takes any key");
        mac.update(input.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }
    match hash {
        Mac256::Sha256 => run::<Hmac<Sha256>>(secret, input),
        Mac256::Sha384 => run::<Hmac<Sha384>>(secret, input),
        Mac256::Sha512 => run::<Hmac<Sha512>>(secret, input),
    }
}

/// `header.claims.signature`, the signature an HMAC of the first two parts with `secret`.
fn signed_with(hash: Mac256, secret: &[u8], header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", b64_json(header), b64_json(claims));
    let signature = b64(&hmac(hash, secret, &input));
    format!("{input}.{signature}")
}

/// Signed as the server signs: HMAC-SHA256 with the test secret.
fn signed(header: &Value, claims: &Value) -> String {
    signed_with(Mac256::Sha256, JWT_SECRET.as_bytes(), header, claims)
}

#[actix_web::test]
async fn a_corpus_of_forged_invalid_and_orphaned_tokens_is_refused_with_401() {
    let app = TestApp::spawn().await;
    let (_, tokens) = app.signed_in_member("jon@example.test", "Jon_J").await;
    let (_, other) = app.signed_in_member("kim@example.test", "Kim_K").await;
    let (header, claims) = token_parts(&tokens.access);
    assert_eq!(header["typ"], "JWT", "tokens say what they are: {header}");
    let now = chrono::Utc::now().timestamp();
    let key = JWT_SECRET.as_bytes();

    // Controls: rebuilt by hand, the token and a variant with a past `nbf` are accepted, so
    // each refusal below is about what its case changes.
    app.me(&signed(&header, &claims)).await.expect(200);
    app.me(&signed(&header, &with(&claims, json!({"nbf": now - 60}))))
        .await
        .expect(200);

    let (h, c) = (&header, &claims);
    let original = tokens.access.clone();
    let (input, signature) = original.rsplit_once('.').expect("a JWT");
    let header_with = |changes: Value| with(h, changes);
    let claims_with = |changes: Value| with(c, changes);
    let other_sid = token_parts(&other.access).1["sid"].clone();

    let mut cases: Vec<(&str, String)> = vec![
        // No signature, or not the one the server makes.
        (
            "alg none",
            format!(
                "{}.{}.",
                b64_json(&header_with(json!({"alg": "none"}))),
                b64_json(c)
            ),
        ),
        (
            "alg None",
            format!(
                "{}.{}.",
                b64_json(&header_with(json!({"alg": "None"}))),
                b64_json(c)
            ),
        ),
        (
            "alg nOnE with the original signature",
            format!(
                "{}.{}.{signature}",
                b64_json(&header_with(json!({"alg": "nOnE"}))),
                b64_json(c)
            ),
        ),
        ("no alg", signed(&header_with(json!({"alg": null})), c)),
        (
            "alg as a number",
            signed(&header_with(json!({"alg": 256})), c),
        ),
        (
            "HS384 with the right secret",
            signed_with(
                Mac256::Sha384,
                key,
                &header_with(json!({"alg": "HS384"})),
                c,
            ),
        ),
        (
            "HS512 with the right secret",
            signed_with(
                Mac256::Sha512,
                key,
                &header_with(json!({"alg": "HS512"})),
                c,
            ),
        ),
        (
            "HS256 header, HS512 signature",
            signed_with(Mac256::Sha512, key, h, c),
        ),
        (
            "RS256 header, HMAC with the secret (RS/HS confusion)",
            signed(&header_with(json!({"alg": "RS256"})), c),
        ),
        (
            "PS256 header, HMAC with the secret",
            signed(&header_with(json!({"alg": "PS256"})), c),
        ),
        (
            "ES256 header, HMAC with the secret",
            signed(&header_with(json!({"alg": "ES256"})), c),
        ),
        (
            "EdDSA header, HMAC with the secret",
            signed(&header_with(json!({"alg": "EdDSA"})), c),
        ),
        (
            "wrong key",
            signed_with(
                Mac256::Sha256,
                b"another-secret-of-at-least-32-characters!",
                h,
                c,
            ),
        ),
        ("empty key", signed_with(Mac256::Sha256, b"", h, c)),
        (
            "the secret's first 32 bytes",
            signed_with(Mac256::Sha256, &key[..32], h, c),
        ),
        // Keys.
        ("unknown kid", signed(&header_with(json!({"kid": "k9"})), c)),
        ("no kid", signed(&header_with(json!({"kid": null})), c)),
        ("empty kid", signed(&header_with(json!({"kid": ""})), c)),
        (
            "kid as a number",
            signed(&header_with(json!({"kid": 1})), c),
        ),
        (
            "kid naming a file",
            signed(&header_with(json!({"kid": "../../data/jwt.key"})), c),
        ),
        // Token type and critical extensions.
        ("no typ", signed(&header_with(json!({"typ": null})), c)),
        ("typ JWE", signed(&header_with(json!({"typ": "JWE"})), c)),
        (
            "typ refresh",
            signed(&header_with(json!({"typ": "refresh"})), c),
        ),
        (
            "typ as a number",
            signed(&header_with(json!({"typ": 1})), c),
        ),
        (
            "a critical extension",
            signed(&header_with(json!({"crit": ["exp"]})), c),
        ),
        // Time.
        (
            "expired",
            signed(
                h,
                &claims_with(json!({"iat": now - 7200, "exp": now - 3600})),
            ),
        ),
        (
            "exp as a string",
            signed(h, &claims_with(json!({"exp": (now + 3600).to_string()}))),
        ),
        (
            "exp as a fraction",
            signed(h, &claims_with(json!({"exp": now as f64 + 3600.5}))),
        ),
        ("exp missing", signed(h, &claims_with(json!({"exp": null})))),
        (
            "nbf in the future",
            signed(h, &claims_with(json!({"nbf": now + 3600}))),
        ),
        (
            "nbf in the future, as a string",
            signed(h, &claims_with(json!({"nbf": (now + 3600).to_string()}))),
        ),
        (
            "nbf in the past, as a string",
            signed(h, &claims_with(json!({"nbf": (now - 3600).to_string()}))),
        ),
        (
            "nbf as a fraction",
            signed(h, &claims_with(json!({"nbf": now as f64 - 60.5}))),
        ),
        ("nbf as true", signed(h, &claims_with(json!({"nbf": true})))),
        ("iat missing", signed(h, &claims_with(json!({"iat": null})))),
        (
            "iat as a string",
            signed(h, &claims_with(json!({"iat": now.to_string()}))),
        ),
        // Issuer, audience, subject, session.
        (
            "wrong iss",
            signed(h, &claims_with(json!({"iss": "someone-else"}))),
        ),
        ("iss missing", signed(h, &claims_with(json!({"iss": null})))),
        (
            "iss as a list",
            signed(h, &claims_with(json!({"iss": [c["iss"].clone()]}))),
        ),
        (
            "wrong aud",
            signed(h, &claims_with(json!({"aud": "another-api"}))),
        ),
        ("aud missing", signed(h, &claims_with(json!({"aud": null})))),
        (
            "aud as a list",
            signed(h, &claims_with(json!({"aud": [c["aud"].clone()]}))),
        ),
        ("sub missing", signed(h, &claims_with(json!({"sub": null})))),
        (
            "sub as a number",
            signed(h, &claims_with(json!({"sub": other.user_id()}))),
        ),
        (
            "sub not an id",
            signed(h, &claims_with(json!({"sub": "jon"}))),
        ),
        (
            "sub of another member",
            signed(h, &claims_with(json!({"sub": other.user_id().to_string()}))),
        ),
        ("sid missing", signed(h, &claims_with(json!({"sid": null})))),
        (
            "sid as a string",
            signed(h, &claims_with(json!({"sid": c["sid"].to_string()}))),
        ),
        (
            "sid of another member's session",
            signed(h, &claims_with(json!({"sid": other_sid}))),
        ),
        (
            "sid of no session",
            signed(h, &claims_with(json!({"sid": 987_654_321}))),
        ),
        ("claims not an object", signed(h, &json!([c.clone()]))),
        // Mangled encodings.
        (
            "tampered claims",
            format!(
                "{}.{}.{signature}",
                b64_json(h),
                b64_json(&claims_with(json!({"role": "admin"})))
            ),
        ),
        ("flipped signature", format!("{input}.{}", flip(signature))),
        (
            "truncated signature",
            format!("{input}.{}", &signature[..signature.len() - 4]),
        ),
        ("empty signature", format!("{input}.")),
        ("padded signature", format!("{input}.{signature}=")),
        (
            "standard base64 signature",
            format!(
                "{input}.{}",
                STANDARD.encode(URL_SAFE_NO_PAD.decode(signature).expect("base64url"))
            ),
        ),
        ("four parts", format!("{original}.{signature}")),
        ("two parts", input.to_owned()),
        ("one part", b64_json(c)),
        ("header not JSON", {
            let i = format!("{}.{}", b64(b"not json"), b64_json(c));
            format!("{i}.{}", b64(&hmac(Mac256::Sha256, key, &i)))
        }),
        ("header a JSON list", signed(&json!([h.clone()]), c)),
        ("claims not JSON", {
            let i = format!("{}.{}", b64_json(h), b64(b"{\"sub\":"));
            format!("{i}.{}", b64(&hmac(Mac256::Sha256, key, &i)))
        }),
        ("spaces inside", original.replacen('.', " . ", 1)),
        ("empty", String::new()),
        ("not base64", "%%%.%%%.%%%".to_owned()),
    ];

    // Perfectly signed tokens whose session or account may no longer sign in.
    let (_, logged_out) = app.signed_in_member("lou@example.test", "Lou_L").await;
    app.delete("/api/v1/sessions/current", Some(&logged_out.access))
        .await
        .expect(204);
    cases.push(("a logged-out session", logged_out.access));

    let moderator = signed_in(&app, "mod@example.test", "Mod_M", Role::Moderator).await;
    let until = (chrono::Utc::now() + chrono::Duration::days(7)).to_rfc3339();
    for (email, name, kind, label) in [
        ("sue@example.test", "Sue_S", "suspend", "a suspended member"),
        ("ban@example.test", "Ban_B", "ban", "a banned member"),
    ] {
        let (member, tokens) = app.signed_in_member(email, name).await;
        app.me(&tokens.access).await.expect(200);
        let body =
            json!({"kind": kind, "reason": "repeated harassment of other members", "until": until});
        sanction(&app, &moderator, member.id, &body)
            .await
            .expect(201);
        cases.push((label, tokens.access));
    }
    let (_, erased) = app.signed_in_member("eve@example.test", "Eve_E").await;
    app.me(&erased.access).await.expect(200);
    erase_account(
        &app,
        Some(&erased.access),
        &json!({"password": PASSWORD, "content": "remove"}),
    )
    .await
    .expect(204);
    cases.push(("an erased member", erased.access));

    assert!(cases.len() >= 40, "the corpus has {} tokens", cases.len());
    for (name, token) in &cases {
        let reply = app
            .request(
                Method::GET,
                "/api/v1/me",
                None,
                &[("authorization", &format!("Bearer {token}"))],
                None,
            )
            .await;
        assert_eq!(
            reply.status, 401,
            "{name}: expected 401, got {} {}",
            reply.status, reply.body
        );
        let problem = reply.expect_problem(401);
        assert_eq!(problem["code"], "unauthorized", "{name}: {problem}");
    }
    // The member's own token still works: nothing above was refused for a global reason.
    app.me(&tokens.access).await.expect(200);
}

/// The signature with its first character changed.
fn flip(signature: &str) -> String {
    let mut chars: Vec<char> = signature.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}
