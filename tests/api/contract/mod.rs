//! The OpenAPI document is the truth about the wire, so that a client generated from it works
//! unmodified: every enum is spelled as the server spells it, every reference resolves, and
//! real answers (status and body) are the ones the document promises. [`Contract`] checks an
//! answer against the served document; the permission matrix uses it on every answer too.

use std::collections::BTreeMap;

use actix_web::dev::ResourceDef;
use butterfly::auth::content::PostStatus;
use butterfly::auth::model::{AccountState, Locale, Role};
use butterfly::filters::screen::HoldKind;
use butterfly::filters::{PiiKind, WordAction};
use butterfly::forum::model::{DigestFrequency, Editor, ReactionKind, ThreadSort, TrackingLevel};
use butterfly::messages::model::{MemberState, MessageStatus, ReportReason, WhoMayWrite};
use butterfly::moderation::model::{
    AppealStatus, AppealSubjectKind, DecisionAction, FlagReason, FlagStatus, QueueStatus,
    SanctionKind,
};
use butterfly::modlog::{LogAction, LogTargetKind};
use butterfly::notify::inapp::NotificationKind;
use butterfly::privacy::model::{AccessKind, ContentChoice};
use butterfly::queue::{ItemKind, Resolution};
use butterfly::trials::model::{
    ApplicationStatus, InterestStatus, InterventionType, NoticeState, Phase, RecruitmentStatus, Sex,
};
use butterfly::trials::precheck::model::{
    Condition, CriterionKind, Likelihood, NephritisClass, PregnancyPlans, ProfileSex, QuoteSource,
    Treatment,
};
use butterfly::trials::registry::Registry;
use butterfly::trials::sync::{RevisionOrigin, SyncedField};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::harness::{Reply, TestApp, Tokens};

mod framework;
mod trials;

/// The served document, and checks of answers against it.
pub struct Contract {
    pub document: Value,
    /// `(method, template)` of every operation; templates without parameters first, so that
    /// `/api/v1/trials/import` is not read as `/api/v1/trials/{id}`.
    operations: Vec<(String, String)>,
}

impl Contract {
    pub async fn of(app: &TestApp) -> Self {
        let document = app.get("/api/openapi.json", None).await.expect(200);
        let mut operations: Vec<(String, String)> = document["paths"]
            .as_object()
            .expect("the document has paths")
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .into_iter()
                    .flat_map(|o| o.keys())
                    .filter(|m| {
                        ["get", "post", "put", "patch", "delete", "head", "options"]
                            .contains(&m.as_str())
                    })
                    .map(move |m| (m.to_uppercase(), path.clone()))
            })
            .collect();
        operations.sort_by_key(|(_, path)| path.matches('{').count());
        Self {
            document,
            operations,
        }
    }

    /// Every `(method, template)` of the document.
    pub fn operations(&self) -> &[(String, String)] {
        &self.operations
    }

    /// The template of the operation that `method` on `path` (query string allowed) reaches.
    pub fn template(&self, method: &str, path: &str) -> Option<&str> {
        let path = path.split('?').next().unwrap_or(path);
        self.operations
            .iter()
            .find(|(m, t)| m == method && ResourceDef::new(t.as_str()).is_match(path))
            .map(|(_, t)| t.as_str())
    }

    /// Whether the answer is one the document promises for this operation: a documented
    /// status, the documented media type, and a body valid against the documented schema.
    pub fn check(&self, method: &str, template: &str, reply: &Reply) -> Result<(), String> {
        let operation = &self.document["paths"][template][method.to_lowercase()];
        if !operation.is_object() {
            return Err(format!("{method} {template} is not in the document"));
        }
        let status = reply.status.to_string();
        let response = operation["responses"]
            .get(&status)
            .or_else(|| operation["responses"].get("default"))
            .ok_or_else(|| {
                format!(
                    "{method} {template} answered {status}, which the document does not list \
                     (body {})",
                    reply.body
                )
            })?;
        let response = self.resolve(response);
        let Some(content) = response["content"].as_object().filter(|c| !c.is_empty()) else {
            return if reply.body.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{method} {template} {status}: the document promises no body, got {}",
                    reply.body
                ))
            };
        };
        let media_type = reply
            .header("content-type")
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        let base = |m: &str| m.split(';').next().unwrap_or_default().trim().to_owned();
        let Some(media) = content
            .iter()
            .find(|(documented, _)| base(documented) == media_type)
            .map(|(_, media)| media)
        else {
            return Err(format!(
                "{method} {template} {status}: sent `{media_type}`, the document says {:?}",
                content.keys().collect::<Vec<_>>()
            ));
        };
        if media["schema"].is_null() || !media_type.contains("json") {
            return Ok(());
        }
        let body: Value = serde_json::from_str(&reply.body).map_err(|e| {
            format!(
                "{method} {template} {status}: not JSON ({e}): {}",
                reply.body
            )
        })?;
        self.validate(&media["schema"], &body)
            .map_err(|e| format!("{method} {template} {status}: {e}\nbody: {body}"))
    }

    /// Fails the test unless [`Contract::check`] accepts the answer; returns it.
    #[track_caller]
    pub fn expect(&self, method: &str, path: &str, reply: Reply) -> Reply {
        let template = self
            .template(method, path)
            .unwrap_or_else(|| panic!("{method} {path} matches no operation of the document"));
        if let Err(e) = self.check(method, template, &reply) {
            panic!("the answer breaks the document: {e}");
        }
        reply
    }

    /// Validates `value` against `schema`, whose references point into the document.
    pub fn validate(&self, schema: &Value, value: &Value) -> Result<(), String> {
        let mut root = match schema {
            Value::Object(o) => o.clone(),
            other => return Err(format!("a schema that is not an object: {other}")),
        };
        root.insert("components".into(), self.document["components"].clone());
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&Value::Object(root))
            .map_err(|e| format!("the schema does not compile: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(value)
            .map(|e| format!("at `{}`: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value["$ref"].as_str().and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => self.document.pointer(pointer).unwrap_or(value),
            None => value,
        }
    }

    // ----- requests whose answers are checked -----

    pub async fn get(&self, app: &TestApp, path: &str, who: Option<&Tokens>) -> Reply {
        let reply = app.get(path, who.map(|t| t.access.as_str())).await;
        self.expect("GET", path, reply)
    }

    pub async fn post(&self, app: &TestApp, path: &str, who: &Tokens, body: &Value) -> Reply {
        let reply = app.post_json_as(path, &who.access, body).await;
        self.expect("POST", path, reply)
    }

    pub async fn patch(&self, app: &TestApp, path: &str, who: &Tokens, body: &Value) -> Reply {
        let reply = app.patch_json(path, Some(&who.access), body).await;
        self.expect("PATCH", path, reply)
    }
}

/// Every `$ref` of a value.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => references(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| references(i, out)),
        _ => {}
    }
}

#[actix_web::test]
async fn every_reference_of_the_document_resolves() {
    let app = TestApp::spawn().await;
    let contract = Contract::of(&app).await;
    let mut found = Vec::new();
    references(&contract.document, &mut found);
    assert!(
        found.iter().any(|r| r == "#/components/schemas/Problem"),
        "the document refers to no Problem schema, or the walk is broken"
    );
    let dangling: Vec<&String> = found
        .iter()
        .filter(|r| {
            r.strip_prefix('#')
                .is_none_or(|pointer| contract.document.pointer(pointer).is_none())
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}

/// Whether every value of a documented enum is a name the server reads into `T` and writes
/// back unchanged.
fn spelled_as_serde<T: Serialize + DeserializeOwned>(values: &[Value]) -> Result<(), String> {
    for value in values {
        let read: T = serde_json::from_value(value.clone())
            .map_err(|e| format!("the server does not accept {value}: {e}"))?;
        let written = serde_json::to_value(read).map_err(|e| e.to_string())?;
        if &written != value {
            return Err(format!("the server writes {value} as {written}"));
        }
    }
    Ok(())
}

/// Whether the documented values are exactly what the server writes for these variants (for
/// enums the server only sends).
fn sent_as<T: Serialize>(variants: &[T], values: &[Value]) -> Result<(), String> {
    let written: Vec<Value> = variants
        .iter()
        .map(|v| serde_json::to_value(v).map_err(|e| e.to_string()))
        .collect::<Result<_, _>>()?;
    if written == values {
        Ok(())
    } else {
        Err(format!(
            "the server writes {written:?}, the document says {values:?}"
        ))
    }
}

/// Whether the server reads every documented value (for enums the server only reads).
fn read_as<T: DeserializeOwned>(values: &[Value]) -> Result<(), String> {
    for value in values {
        serde_json::from_value::<T>(value.clone())
            .map_err(|e| format!("the server does not accept {value}: {e}"))?;
    }
    Ok(())
}

type EnumCheck = fn(&[Value]) -> Result<(), String>;

/// Every enum schema of the document, with the Rust type the server reads and writes it as.
fn enum_types() -> BTreeMap<&'static str, EnumCheck> {
    BTreeMap::from([
        ("AccessKind", spelled_as_serde::<AccessKind> as EnumCheck),
        ("AccountState", spelled_as_serde::<AccountState>),
        ("AppealStatus", spelled_as_serde::<AppealStatus>),
        ("AppealSubjectKind", spelled_as_serde::<AppealSubjectKind>),
        ("ApplicationStatus", spelled_as_serde::<ApplicationStatus>),
        ("ContentChoice", spelled_as_serde::<ContentChoice>),
        ("DecisionAction", spelled_as_serde::<DecisionAction>),
        ("FlagReason", spelled_as_serde::<FlagReason>),
        ("FlagStatus", spelled_as_serde::<FlagStatus>),
        ("HoldKind", spelled_as_serde::<HoldKind>),
        ("InterestStatus", spelled_as_serde::<InterestStatus>),
        ("InterventionType", spelled_as_serde::<InterventionType>),
        ("ItemKind", spelled_as_serde::<ItemKind>),
        ("Locale", spelled_as_serde::<Locale>),
        ("MemberState", spelled_as_serde::<MemberState>),
        ("MessageStatus", spelled_as_serde::<MessageStatus>),
        ("LogAction", spelled_as_serde::<LogAction>),
        ("LogTargetKind", spelled_as_serde::<LogTargetKind>),
        ("NoticeState", spelled_as_serde::<NoticeState>),
        ("NotificationKind", spelled_as_serde::<NotificationKind>),
        ("Phase", spelled_as_serde::<Phase>),
        ("PiiKind", |v| {
            sent_as(&[PiiKind::Email, PiiKind::Phone, PiiKind::NationalId], v)
        }),
        ("PostStatus", spelled_as_serde::<PostStatus>),
        ("QueueStatus", spelled_as_serde::<QueueStatus>),
        ("ReactionKind", spelled_as_serde::<ReactionKind>),
        ("Editor", spelled_as_serde::<Editor>),
        ("RecruitmentStatus", spelled_as_serde::<RecruitmentStatus>),
        ("Resolution", spelled_as_serde::<Resolution>),
        ("ReportReason", spelled_as_serde::<ReportReason>),
        ("Registry", |v| {
            use Registry::*;
            sent_as(&[ClinicalTrialsGov, Chictr, EuCt, Eudract], v)
        }),
        ("RevisionOrigin", spelled_as_serde::<RevisionOrigin>),
        ("Role", spelled_as_serde::<Role>),
        ("SanctionKind", spelled_as_serde::<SanctionKind>),
        ("Sex", spelled_as_serde::<Sex>),
        ("SyncedField", spelled_as_serde::<SyncedField>),
        ("DigestFrequency", spelled_as_serde::<DigestFrequency>),
        ("ThreadSort", read_as::<ThreadSort>),
        ("TrackingLevel", spelled_as_serde::<TrackingLevel>),
        ("WhoMayWrite", spelled_as_serde::<WhoMayWrite>),
        ("WordAction", spelled_as_serde::<WordAction>),
        ("Condition", spelled_as_serde::<Condition>),
        ("CriterionKind", spelled_as_serde::<CriterionKind>),
        ("Likelihood", spelled_as_serde::<Likelihood>),
        ("NephritisClass", spelled_as_serde::<NephritisClass>),
        ("PregnancyPlans", spelled_as_serde::<PregnancyPlans>),
        ("ProfileSex", spelled_as_serde::<ProfileSex>),
        ("QuoteSource", spelled_as_serde::<QuoteSource>),
        ("Treatment", spelled_as_serde::<Treatment>),
    ])
}

#[actix_web::test]
async fn every_enum_of_the_document_is_spelled_as_the_server_spells_it() {
    let app = TestApp::spawn().await;
    let contract = Contract::of(&app).await;
    let types = enum_types();
    let schemas = contract.document["components"]["schemas"]
        .as_object()
        .expect("the document has schemas");
    let mut problems = Vec::new();
    let mut checked = 0;
    for (name, schema) in schemas {
        let Some(values) = schema["enum"].as_array() else {
            continue;
        };
        match types.get(name.as_str()) {
            Some(check) => {
                checked += 1;
                if let Err(e) = check(values) {
                    problems.push(format!("{name}: {e}"));
                }
            }
            None => problems.push(format!(
                "{name}: an enum with no Rust type in this test's table; add it"
            )),
        }
    }
    assert!(checked >= 20, "only {checked} enums found: {schemas:?}");
    assert!(
        problems.is_empty(),
        "the document spells enums otherwise than the server:\n  {}",
        problems.join("\n  ")
    );
    // The check is real: a PascalCase phase is refused.
    assert!(spelled_as_serde::<Phase>(&[json!("Phase1")]).is_err());
}
