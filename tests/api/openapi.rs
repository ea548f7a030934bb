//! The API contract: `/api/openapi.json` lists exactly the routes the server answers, with
//! their path parameters and error answers, and `/api/docs` shows it, with no internet access,
//! in a real browser.
//!
//! How the test knows which routes the server answers: actix cannot list the routes of a built
//! app (its `ResourceDef`s cannot be read back), so the test asks the router itself. It builds
//! an app from `butterfly::server::routes`, the very function the server configures its routes
//! with, whose fallback service marks its answers; a (method, path) that the router hands to
//! some handler answers without the mark (usually with an error, since that app has no state:
//! what matters is who answered, not what). Then:
//! - every documented operation, tried with its method and its path filled in, must reach a
//!   handler: this catches a documented path with no handler;
//! - every candidate path, tried with every method, must be documented whenever it reaches a
//!   handler: this catches a handler registered but undocumented. The candidates are the
//!   documented paths (which catches an extra method on a documented path) and every route path
//!   written in `src/` (`#[get("…")]`-style attributes, `web::resource("…")`, `.route("…")`,
//!   scopes), found by scanning the source;
//! - every `#[get("…")]`-style handler in the source must be documented even if it is not
//!   registered (a dead handler is a bug too, and the message says which it is).
//!
//! The scan only proposes candidates and the router decides, so neither a false "undocumented"
//! (a string that is not a route) nor a false "no handler" comes from parsing Rust loosely.
//! A route registered outside `startup::routes` would not be seen: register routes there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::dev::ResourceDef;
use actix_web::http::Method as ActixMethod;
use actix_web::{App, HttpResponse, test as actix_test, web};
use awc::http::Method;
use serde_json::{Value, json};

use crate::harness::TestApp;

/// Methods an OpenAPI path item can hold that a route could answer.
const METHODS: [&str; 7] = ["get", "head", "post", "put", "patch", "delete", "options"];

/// Routes that are not part of the API they describe, so not in the document: the document
/// itself and its browsable page with the page's files.
const NOT_IN_THE_DOCUMENT: [(&str, &str); 3] = [
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("GET", "/api/docs/{file:.*}"),
];

/// The header the probe app's fallback puts on its answers.
const UNROUTED: &str = "x-test-unrouted";

// ----- the document -----

/// One operation of the document.
struct Operation {
    /// Upper case, as on the wire.
    method: String,
    path: String,
    operation: Value,
    /// Parameters declared on the operation and on its path item.
    parameters: Vec<Value>,
}

impl Operation {
    fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn responses(&self) -> Vec<(String, &Value)> {
        self.operation["responses"]
            .as_object()
            .map(|r| r.iter().map(|(k, v)| (k.clone(), v)).collect())
            .unwrap_or_default()
    }
}

async fn served_document(app: &TestApp) -> Value {
    app.get("/api/openapi.json", None).await.expect(200)
}

fn operations(document: &Value) -> Vec<Operation> {
    let paths = document["paths"]
        .as_object()
        .expect("the document has `paths`");
    let mut operations = Vec::new();
    for (path, item) in paths {
        let shared = item["parameters"].as_array().cloned().unwrap_or_default();
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                let mut parameters = shared.clone();
                parameters.extend(
                    operation["parameters"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default(),
                );
                let parameters = parameters
                    .into_iter()
                    .map(|p| resolve(document, &p).clone())
                    .collect();
                operations.push(Operation {
                    method: method.to_uppercase(),
                    path: path.clone(),
                    operation: operation.clone(),
                    parameters,
                });
            }
        }
    }
    assert!(
        !operations.is_empty(),
        "the document lists no operation: {document}"
    );
    operations
}

/// Follows a local `$ref` (`#/components/...`) once.
fn resolve<'a>(document: &'a Value, value: &'a Value) -> &'a Value {
    match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => document.pointer(pointer).unwrap_or(value),
        None => value,
    }
}

/// The `{name}` (or `{name:regex}`) parameters of a path template, in order.
fn template_parameters(template: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in template.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    current.clear();
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    let name = current.split(':').next().unwrap_or_default().to_owned();
                    names.push(name);
                    continue;
                }
            }
            _ => {}
        }
        if depth > 0 {
            current.push(c);
        }
    }
    names
}

/// The template with each parameter replaced by `sample(name)`.
fn fill(template: &str, sample: impl Fn(&str) -> String) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut current = String::new();
    for c in template.chars() {
        match c {
            '{' => {
                depth += 1;
                if depth == 1 {
                    current.clear();
                    continue;
                }
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    out.push_str(&sample(current.split(':').next().unwrap_or_default()));
                    continue;
                }
            }
            _ => {}
        }
        if depth > 0 {
            current.push(c);
        } else {
            out.push(c);
        }
    }
    out
}

/// A value the parameter accepts: the first of an enum, else `1` (a valid id, and a valid
/// slug or word).
fn sample_value(document: &Value, parameters: &[Value], name: &str) -> String {
    let schema = parameters
        .iter()
        .find(|p| p["in"] == "path" && p["name"] == name)
        .map(|p| resolve(document, &p["schema"]));
    match schema
        .and_then(|s| s["enum"].as_array())
        .and_then(|e| e.first())
    {
        Some(Value::String(first)) => first.clone(),
        Some(other) => other.to_string(),
        None => "1".into(),
    }
}

/// A concrete address for this operation.
fn concrete_path(document: &Value, operation: &Operation) -> String {
    fill(&operation.path, |name| {
        sample_value(document, &operation.parameters, name)
    })
}

/// Whether the document (or the list of non-API routes) covers this method on this address,
/// matching templates as actix does.
fn documented(operations: &[Operation], method: &str, concrete: &str) -> bool {
    operations
        .iter()
        .map(|o| (o.method.as_str(), o.path.as_str()))
        .chain(NOT_IN_THE_DOCUMENT)
        .any(|(m, template)| m == method && ResourceDef::new(template).is_match(concrete))
}

// ----- the router -----

/// Asks the server's own router which of these (method, address) pairs reach a handler.
async fn routed(queries: &BTreeSet<(String, String)>) -> BTreeSet<(String, String)> {
    let app = actix_test::init_service(
        App::new()
            .configure(butterfly::server::routes)
            .default_service(web::to(|| async {
                HttpResponse::NotFound()
                    .insert_header((UNROUTED, "1"))
                    .finish()
            })),
    )
    .await;
    let mut routed = BTreeSet::new();
    for (method, path) in queries {
        let request = actix_test::TestRequest::default()
            .method(ActixMethod::from_bytes(method.as_bytes()).expect("a valid method"))
            .uri(path)
            .to_request();
        let reached = match actix_test::try_call_service(&app, request).await {
            Ok(response) => !response.headers().contains_key(UNROUTED),
            // An error out of a handler's extractors: a handler was chosen.
            Err(_) => true,
        };
        if reached {
            routed.insert((method.clone(), path.clone()));
        }
    }
    routed
}

// ----- the source -----

/// A route path written in the source.
struct SourceRoute {
    /// `src/…:line`.
    place: String,
    path: String,
    /// From a `#[get("…")]`-style attribute: its methods. Empty for other registrations
    /// (`web::resource`, `.route`, scopes), which are tried with every method.
    methods: Vec<String>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literal at the start of `text` (after blanks), if any.
fn literal(text: &str) -> Option<String> {
    let rest = text.trim_start().strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => out.push(chars.next()?),
            c => out.push(c),
        }
    }
    None
}

/// Every route path in `src/`: handler attributes and other registrations.
fn source_routes() -> Vec<SourceRoute> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();
    let registrations = [
        "web::resource(",
        "Resource::new(",
        "web::scope(",
        "Scope::new(",
        ".route(",
        "web::redirect(",
    ];
    let mut routes = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let relative = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            let place = format!("{relative}:{}", number + 1);
            // `#[get("/path")]`, `#[actix_web::post("/path")]`, `#[route("/path", method = "GET")]`.
            if let Some(attribute) = code.strip_prefix("#[") {
                let attribute = attribute.strip_prefix("actix_web::").unwrap_or(attribute);
                if let Some((name, args)) = attribute.split_once('(') {
                    let name = name.trim();
                    let methods = if METHODS.contains(&name) {
                        vec![name.to_uppercase()]
                    } else if name == "route" {
                        args.split("method")
                            .skip(1)
                            .filter_map(|m| literal(m.trim_start().strip_prefix('=')?))
                            .map(|m| m.to_uppercase())
                            .collect()
                    } else {
                        continue;
                    };
                    if let Some(path) = literal(args) {
                        routes.push(SourceRoute {
                            place: place.clone(),
                            path,
                            methods,
                        });
                    }
                }
                continue;
            }
            for needle in registrations {
                for (at, _) in code.match_indices(needle) {
                    if let Some(path) = literal(&code[at + needle.len()..]) {
                        routes.push(SourceRoute {
                            place: place.clone(),
                            path,
                            methods: Vec::new(),
                        });
                    }
                }
            }
        }
    }
    routes
}

// ----- the stories -----

/// Where the document and the server's routes disagree, one sentence each.
async fn disagreements(document: &Value) -> BTreeSet<String> {
    let operations = operations(document);
    let source = source_routes();
    assert!(
        source.iter().any(|r| r.path == "/api/v1/boards"),
        "the source scan found no `#[get(\"/api/v1/boards\")]`: the scan is broken"
    );

    // What to ask the router: each documented operation; each candidate path with every
    // method; each handler attribute of the source.
    let documented_queries: Vec<(String, String)> = operations
        .iter()
        .map(|o| (o.method.clone(), concrete_path(document, o)))
        .collect();
    let mut candidates: Vec<(String, String)> = operations
        .iter()
        .map(|o| {
            (
                concrete_path(document, o),
                format!("the document's {}", o.path),
            )
        })
        .collect();
    candidates.extend(source.iter().map(|r| {
        (
            fill(&r.path, |_| "1".into()),
            format!("{} at {}", r.path, r.place),
        )
    }));
    candidates.retain(|(path, _)| path.starts_with('/'));
    let attribute_queries: Vec<(String, String, &SourceRoute)> = source
        .iter()
        .flat_map(|r| {
            r.methods
                .iter()
                .map(move |m| (m.clone(), fill(&r.path, |_| "1".into()), r))
        })
        .collect();
    let mut queries: BTreeSet<(String, String)> = documented_queries.iter().cloned().collect();
    for (path, _) in &candidates {
        for method in METHODS {
            queries.insert((method.to_uppercase(), path.clone()));
        }
    }
    queries.extend(
        attribute_queries
            .iter()
            .map(|(m, p, _)| (m.clone(), p.clone())),
    );
    let routed = routed(&queries).await;
    let mut problems = BTreeSet::new();

    // A documented path with no handler.
    for (operation, query) in operations.iter().zip(&documented_queries) {
        if !routed.contains(query) {
            problems.insert(format!(
                "{} is documented but no handler answers it (tried {} {})",
                operation.name(),
                query.0,
                query.1
            ));
        }
    }

    // A handler registered but undocumented.
    for (path, origin) in &candidates {
        for method in METHODS.map(str::to_uppercase) {
            if routed.contains(&(method.clone(), path.clone()))
                && !documented(&operations, &method, path)
            {
                problems.insert(format!(
                    "{method} {path} reaches a handler but is not in the document (path from {origin})"
                ));
            }
        }
    }

    // A handler written in the source but neither documented nor registered.
    for (method, path, route) in &attribute_queries {
        if !documented(&operations, method, path)
            && !routed.contains(&(method.clone(), path.clone()))
        {
            problems.insert(format!(
                "the handler of {method} {} at {} is neither in the document nor registered \
                 (inside a `web::scope`? register routes in `startup::routes` with full paths)",
                route.path, route.place
            ));
        }
    }

    problems
}

#[actix_web::test]
async fn the_document_lists_exactly_the_routes_the_server_answers() {
    let app = TestApp::spawn().await;
    let document = served_document(&app).await;
    let problems = disagreements(&document).await;
    assert!(
        problems.is_empty(),
        "the OpenAPI document and the server's routes disagree:\n  {}",
        problems.into_iter().collect::<Vec<_>>().join("\n  ")
    );

    // The check is real: a handler missing from the document, and a documented path with no
    // handler, are both reported.
    let mut doctored = document.clone();
    let paths = doctored["paths"].as_object_mut().expect("paths");
    paths.remove("/api/v1/boards");
    paths.insert(
        "/api/v1/nowhere/{id}".into(),
        json!({"get": {"responses": {"200": {"description": "never"}}}}),
    );
    let problems = disagreements(&doctored).await;
    for expected in [
        "GET /api/v1/boards reaches a handler but is not in the document",
        "POST /api/v1/boards reaches a handler but is not in the document",
        "GET /api/v1/nowhere/{id} is documented but no handler answers it",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "the check missed `{expected}`; it said: {problems:#?}"
        );
    }
}

/// What the document leaves out about each operation's path parameters and error answers.
fn contract_gaps(document: &Value) -> Vec<String> {
    let global_security = document["security"].as_array().cloned().unwrap_or_default();
    let mut problems = Vec::new();
    for operation in operations(document) {
        let name = operation.name();

        // Path parameters: exactly those of the template, each required.
        let in_template: BTreeSet<String> =
            template_parameters(&operation.path).into_iter().collect();
        let declared: BTreeSet<String> = operation
            .parameters
            .iter()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect();
        for missing in in_template.difference(&declared) {
            problems.push(format!(
                "{name}: path parameter `{missing}` is not declared"
            ));
        }
        for extra in declared.difference(&in_template) {
            problems.push(format!(
                "{name}: declares path parameter `{extra}`, which the path does not have"
            ));
        }
        for parameter in operation.parameters.iter().filter(|p| p["in"] == "path") {
            if parameter["required"] != true {
                problems.push(format!(
                    "{name}: path parameter {} is not marked required",
                    parameter["name"]
                ));
            }
            if parameter["schema"].is_null() {
                problems.push(format!(
                    "{name}: path parameter {} has no schema",
                    parameter["name"]
                ));
            }
        }

        // Error answers: an operation that reads a body or needs a caller can fail.
        let responses = operation.responses();
        let errors: Vec<&(String, &Value)> = responses
            .iter()
            .filter(|(status, _)| status.starts_with('4') || status.starts_with('5'))
            .collect();
        let security = operation.operation["security"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| global_security.clone());
        // `[{}]` or an empty requirement among others means signing in is optional.
        let needs_auth = !security.is_empty()
            && security
                .iter()
                .all(|r| r.as_object().is_some_and(|o| !o.is_empty()));
        let takes_body = !operation.operation["requestBody"].is_null();
        if (takes_body || needs_auth) && errors.is_empty() {
            problems.push(format!(
                "{name}: {} but documents no 4xx/5xx answer",
                if takes_body {
                    "takes a body"
                } else {
                    "needs a signed-in caller"
                }
            ));
        }
        if needs_auth && !responses.iter().any(|(status, _)| status == "401") {
            problems.push(format!(
                "{name}: needs a signed-in caller but does not document the 401"
            ));
        }
        for (status, response) in errors {
            let response = resolve(document, response);
            if let Some(content) = response["content"].as_object()
                && !content.contains_key("application/problem+json")
            {
                problems.push(format!(
                    "{name}: the {status} answer is not application/problem+json ({:?})",
                    content.keys().collect::<Vec<_>>()
                ));
            }
        }
    }
    problems
}

#[actix_web::test]
async fn every_operation_declares_its_path_parameters_and_its_error_answers() {
    let app = TestApp::spawn().await;
    let document = served_document(&app).await;
    let problems = contract_gaps(&document);
    assert!(
        problems.is_empty(),
        "the OpenAPI document is incomplete:\n  {}",
        problems.join("\n  ")
    );

    // The check is real: an operation stripped of its parameters and errors is reported.
    let mut doctored = document.clone();
    let flag = &mut doctored["paths"]["/api/v1/posts/{id}/flags"]["post"];
    assert!(
        flag.is_object(),
        "no POST /api/v1/posts/{{id}}/flags to doctor"
    );
    flag["parameters"] = json!([]);
    flag["responses"] = json!({"201": {"description": "flagged"}});
    let problems = contract_gaps(&doctored);
    for expected in [
        "POST /api/v1/posts/{id}/flags: path parameter `id` is not declared",
        "POST /api/v1/posts/{id}/flags: takes a body but documents no 4xx/5xx answer",
        "POST /api/v1/posts/{id}/flags: needs a signed-in caller but does not document the 401",
    ] {
        assert!(
            problems.iter().any(|p| p == expected),
            "the check missed `{expected}`; it said: {problems:#?}"
        );
    }
}

#[actix_web::test]
async fn an_operation_that_turns_away_anonymous_callers_says_so_in_the_document() {
    let app = TestApp::spawn().await;
    let document = served_document(&app).await;
    let mut problems = Vec::new();
    let mut turned_away = Vec::new();
    for operation in operations(&document) {
        let path = concrete_path(&document, &operation);
        let method = Method::from_bytes(operation.method.as_bytes()).expect("a valid method");
        let body = (!operation.operation["requestBody"].is_null()).then(|| b"{}".to_vec());
        let headers: &[(&str, &str)] = if body.is_some() {
            &[("content-type", "application/json")]
        } else {
            &[]
        };
        let reply = app.request(method, &path, None, headers, body).await;
        if reply.status != 401 {
            continue;
        }
        turned_away.push(operation.name());
        let documents_401 = operation.responses().iter().any(|(s, _)| s == "401");
        let declares_security = operation.operation["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()))
            || document["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
        if !documents_401 || !declares_security {
            problems.push(format!(
                "{}: answers an anonymous caller with 401 but the document {}",
                operation.name(),
                match (documents_401, declares_security) {
                    (false, false) => "neither lists the 401 nor the bearer security",
                    (false, true) => "does not list the 401",
                    _ => "does not list the bearer security",
                }
            ));
        }
    }
    assert!(
        turned_away.iter().any(|o| o == "GET /api/v1/me"),
        "GET /api/v1/me let an anonymous caller in, or the probe is broken; 401s: {turned_away:?}"
    );
    assert!(
        problems.is_empty(),
        "operations that need a caller are documented as open:\n  {}",
        problems.join("\n  ")
    );
}

/// The scripts and stylesheets a page loads.
fn page_assets(html: &str) -> Vec<String> {
    let mut assets = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            if let Some(end) = rest.find('"') {
                assets.push(rest[..end].to_owned());
            }
        }
    }
    assets
}

#[actix_web::test]
async fn the_docs_page_loads_only_its_own_bundled_files_under_a_strict_policy() {
    let app = TestApp::spawn().await;
    let page = app.get("/api/docs", None).await;
    assert_eq!(page.status, 200, "GET /api/docs: {}", page.body);
    assert!(
        page.header("content-type")
            .is_some_and(|c| c.starts_with("text/html")),
        "the docs page is HTML: {:?}",
        page.headers
    );
    let policy = page
        .header("content-security-policy")
        .expect("the docs page sends a Content-Security-Policy");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(
            policy.contains(directive),
            "the policy lacks `{directive}`: {policy}"
        );
    }
    for loose in ["unsafe-inline", "unsafe-eval", "*", "http:", "https:"] {
        assert!(
            !policy.contains(loose),
            "the policy allows `{loose}`: {policy}"
        );
    }
    assert!(
        !page.body.contains("<script>") && !page.body.contains("<style"),
        "the page has inline script or style, which the policy forbids: {}",
        page.body
    );

    // Every file the page refers to comes from this server, with no internet access.
    let assets = page_assets(&page.body);
    assert!(
        assets.iter().any(|a| a.ends_with(".js")) && assets.iter().any(|a| a.ends_with(".css")),
        "the page loads no script or stylesheet: {}",
        page.body
    );
    for asset in assets {
        assert!(
            asset.starts_with('/') && !asset.starts_with("//"),
            "the page loads {asset} from elsewhere"
        );
        if asset == "/api/openapi.json" {
            continue;
        }
        let reply = app.get(&asset, None).await;
        assert_eq!(reply.status, 200, "GET {asset}: {}", reply.body);
        assert!(
            reply.body.len() > 100,
            "{asset} is nearly empty: {}",
            reply.body
        );
    }

    // The page reads the served document, and not from anywhere else.
    let initializer = app.get("/api/docs/swagger-initializer.js", None).await;
    assert_eq!(initializer.status, 200);
    assert!(
        initializer.body.contains("\"/api/openapi.json\""),
        "the page does not read /api/openapi.json: {}",
        initializer.body
    );
    assert!(
        !initializer.body.contains("petstore") && !initializer.body.contains("validator.swagger"),
        "the page reaches for another site: {}",
        initializer.body
    );

    // With a trailing slash it is the same page; anything else there does not exist.
    let slashed = app.get("/api/docs/", None).await;
    assert_eq!(slashed.status, 200);
    assert_eq!(slashed.body, page.body);
    app.get("/api/docs/swagger-ui-bundle.js.map", None)
        .await
        .expect_problem(404);
    app.get("/api/docs/../openapi.json", None)
        .await
        .expect_problem(404);
}

// ----- the browser -----

/// Names the Chromium package installs under, and other Chrome builds.
const BROWSERS: [&str; 6] = [
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "chrome-headless-shell",
];

/// The browser to drive: `BUTTERFLY_TEST_BROWSER`, else the first of [`BROWSERS`] on `PATH`.
fn find_browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("BUTTERFLY_TEST_BROWSER") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| BROWSERS.map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Loads `url` in headless Chromium and returns the DOM once the page's scripts have run, and
/// what the browser logged (console messages included).
async fn dump_dom(browser: &Path, url: &str) -> (String, String) {
    let scratch = tempfile::Builder::new()
        .prefix("butterfly-browser-")
        .tempdir()
        .expect("cannot create a browser folder");
    let profile = scratch.path().join("profile");
    let out_path = scratch.path().join("dom.html");
    let log_path = scratch.path().join("browser.log");
    let out = std::fs::File::create(&out_path).expect("cannot create the DOM file");
    let log = std::fs::File::create(&log_path).expect("cannot create the log file");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // No internet: every name fails to resolve; the server is reached by address.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=10000", "--dump-dom", url])
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", browser.display()));
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        match child.try_wait().expect("cannot wait for the browser") {
            Some(status) => break status,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the browser did not finish within 90 s; it logged:\n{}",
                    std::fs::read_to_string(&log_path).unwrap_or_default()
                );
            }
            None => actix_web::rt::time::sleep(Duration::from_millis(100)).await,
        }
    };
    let dom = std::fs::read_to_string(&out_path).unwrap_or_default();
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(
        status.success(),
        "the browser failed ({status}); it logged:\n{log}"
    );
    (dom, log)
}

#[actix_web::test]
async fn the_docs_page_lists_every_operation_in_a_real_browser() {
    let Some(browser) = find_browser() else {
        let required = std::env::var_os("BUTTERFLY_TEST_REQUIRE_BROWSER").is_some()
            || crate::harness::database::in_ci();
        let message = format!(
            "no Chromium found (looked for {} on PATH; set BUTTERFLY_TEST_BROWSER to a Chrome or \
             Chromium binary, or install the Debian packages `chromium` and `chromium-driver`)",
            BROWSERS.join(", ")
        );
        assert!(
            !required,
            "{message}, yet BUTTERFLY_TEST_REQUIRE_BROWSER or CI is set"
        );
        eprintln!("SKIPPED the_docs_page_lists_every_operation_in_a_real_browser: {message}");
        return;
    };
    let app = TestApp::spawn().await;
    let document = served_document(&app).await;
    let operations = operations(&document);

    let (dom, log) = dump_dom(&browser, &format!("{}/api/docs", app.address)).await;

    assert!(
        dom.contains("swagger-ui") && dom.contains("opblock"),
        "Swagger UI did not render its operations; the DOM:\n{dom}\nthe browser logged:\n{log}"
    );
    assert!(
        !dom.contains("Failed to load API definition"),
        "Swagger UI could not load /api/openapi.json; the DOM:\n{dom}"
    );
    // Swagger UI marks each operation's path with `data-path`.
    let missing: Vec<String> = operations
        .iter()
        .map(|o| o.path.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|path| !dom.contains(&format!("data-path=\"{path}\"")))
        .collect();
    assert!(
        missing.is_empty(),
        "the page does not list {missing:?}; the DOM:\n{dom}"
    );
    for path in ["/api/v1/accounts", "/api/v1/boards"] {
        assert!(dom.contains(path), "the page does not list {path}");
    }
    // The policy let the page work: the browser refused nothing.
    let refused: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("Content Security Policy") || l.contains("Refused to"))
        .collect();
    assert!(
        refused.is_empty(),
        "the page's Content-Security-Policy blocked parts of it:\n{}",
        refused.join("\n")
    );
}
