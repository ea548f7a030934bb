//! Import of a ClinicalTrials.gov API v2 study record (the JSON served by
//! `/api/v2/studies/{nctId}`) into a draft notice.
//!
//! Read: `nctId` and the ids of other registries among the secondary ids, brief (or official) title, brief summary, `overallStatus`, `phases`,
//! conditions, interventions, eligibility (`minimumAge` / `maximumAge` such as "18 Years" or
//! "6 Months" — missing means no bound —, `sex`, `healthyVolunteers`, criteria), locations
//! with their `geoPoint`, the first central contact, the lead sponsor and the start date. Every
//! other part is optional and may be missing. Structured criteria are proposed from the
//! criteria text (`precheck::text`), unconfirmed until the coordinator confirms them. Texts longer than a notice allows are cut;
//! locations without a city or country, and contact details that are not a valid address or
//! phone number, are left out. Malformed JSON, a record without an NCT id, or a part of the
//! wrong shape gives a 422 naming where it failed (`line 3, column 14`, or the JSON path).

use chrono::NaiveDate;
use serde_json::Value;

use super::content::valid_phone;
use super::details::OTHER_IDS_MAX;
use super::model::{
    Contact, Eligibility, Intervention, InterventionType, NoticeRequest, Phase, PracticalDetails,
    RecruitmentStatus, Sex, Site,
};
use super::registry;
use crate::http::error::{ApiError, FieldErrors};

/// Largest record accepted (records with results run to a few hundred kilobytes).
pub const MAX_RECORD_BYTES: usize = 2 * 1024 * 1024;
const MAX_SITES: usize = 500;

const ID: &str = "protocolSection.identificationModule";
const STATUS: &str = "protocolSection.statusModule";
const ELIGIBILITY: &str = "protocolSection.eligibilityModule";
const LOCATIONS: &str = "protocolSection.contactsLocationsModule";

/// Reads a record, collecting errors by JSON path.
struct Reader<'a> {
    root: &'a Value,
    errors: FieldErrors,
}

fn cut(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].trim_end().to_owned(),
        None => text.to_owned(),
    }
}

impl<'a> Reader<'a> {
    fn get(&self, path: &str) -> Option<&'a Value> {
        let mut value = self.root;
        for key in path.split('.') {
            value = value.get(key)?;
        }
        (!value.is_null()).then_some(value)
    }

    fn fail(&mut self, path: &str, message: impl Into<String>) {
        self.errors.insert(path.to_owned(), message.into());
    }

    /// A string at `path`; absent is fine, another type is an error.
    fn string(&mut self, path: &str) -> Option<String> {
        match self.get(path)? {
            Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            _ => {
                self.fail(path, "must be a string");
                None
            }
        }
    }

    fn array(&mut self, path: &str) -> Vec<&'a Value> {
        match self.get(path) {
            None => Vec::new(),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(_) => {
                self.fail(path, "must be a list");
                Vec::new()
            }
        }
    }

    fn strings(&mut self, path: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (i, item) in self.array(path).into_iter().enumerate() {
            match item.as_str() {
                Some(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
                Some(_) => {}
                None => self.fail(&format!("{path}[{i}]"), "must be a string"),
            }
        }
        out
    }
}

fn field<'v>(item: &'v Value, key: &str) -> Option<&'v str> {
    item.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// An age the registry wrote in a form we do not read.
#[derive(Debug, PartialEq, Eq)]
pub struct UnreadableAge;

/// An age such as "18 Years" or "6 Months" in years (whole months); "N/A" or nothing is no
/// bound.
pub fn parse_age(text: &str) -> Result<Option<f64>, UnreadableAge> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("n/a") {
        return Ok(None);
    }
    let (number, unit) = text.split_once(' ').ok_or(UnreadableAge)?;
    let n: f64 = number.trim().parse().map_err(|_| UnreadableAge)?;
    if !(0.0..=1_000_000.0).contains(&n) {
        return Err(UnreadableAge);
    }
    let unit = unit.trim().to_ascii_lowercase();
    let months = match unit.trim_end_matches('s') {
        "year" => n * 12.0,
        "month" => n,
        "week" => n * 7.0 / 30.4375,
        "day" => n / 30.4375,
        "hour" | "minute" => 0.0,
        _ => return Err(UnreadableAge),
    };
    Ok(Some(months.floor() / 12.0))
}

fn phase(phases: &[String]) -> Result<Phase, String> {
    let upper: Vec<String> = phases.iter().map(|p| p.to_ascii_uppercase()).collect();
    let names: Vec<&str> = upper.iter().map(String::as_str).collect();
    Ok(match names.as_slice() {
        [] | ["NA"] => Phase::NotApplicable,
        ["EARLY_PHASE1"] => Phase::EarlyPhase1,
        ["PHASE1"] => Phase::Phase1,
        ["PHASE1", "PHASE2"] | ["PHASE2", "PHASE1"] => Phase::Phase1_2,
        ["PHASE2"] => Phase::Phase2,
        ["PHASE2", "PHASE3"] | ["PHASE3", "PHASE2"] => Phase::Phase2_3,
        ["PHASE3"] => Phase::Phase3,
        ["PHASE4"] => Phase::Phase4,
        _ => return Err(format!("`{}` is not a phase we know", upper.join(", "))),
    })
}

/// The registry's overall status; missing or `UNKNOWN` (not verified for two years) reads as
/// `active_not_recruiting`, which never claims that the trial recruits.
fn status(raw: Option<&str>) -> Result<RecruitmentStatus, String> {
    Ok(match raw.map(str::to_ascii_uppercase).as_deref() {
        None | Some("UNKNOWN") | Some("ACTIVE_NOT_RECRUITING") => {
            RecruitmentStatus::ActiveNotRecruiting
        }
        Some("NOT_YET_RECRUITING") => RecruitmentStatus::NotYetRecruiting,
        Some("RECRUITING") => RecruitmentStatus::Recruiting,
        Some("ENROLLING_BY_INVITATION") => RecruitmentStatus::EnrollingByInvitation,
        Some("SUSPENDED") => RecruitmentStatus::Suspended,
        Some("COMPLETED") => RecruitmentStatus::Completed,
        Some("TERMINATED") => RecruitmentStatus::Terminated,
        Some("WITHDRAWN") => RecruitmentStatus::Withdrawn,
        Some(other) => {
            return Err(format!(
                "`{other}` is not a trial recruitment status (expanded-access records cannot be imported)"
            ));
        }
    })
}

fn intervention_type(raw: Option<&str>) -> InterventionType {
    raw.map(str::to_ascii_lowercase)
        .as_deref()
        .and_then(InterventionType::parse)
        .unwrap_or(InterventionType::Other)
}

/// "2024-04-09", or "2024-04" (the first of the month).
fn date(raw: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{raw}-01"), "%Y-%m-%d"))
        .ok()
}

/// The answer to a body that is not JSON at all: where it breaks.
pub fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::invalid(
        "body",
        format!(
            "is not valid JSON: {} (line {}, column {})",
            e.to_string()
                .split(" at line")
                .next()
                .unwrap_or("syntax error"),
            e.line(),
            e.column()
        ),
    )
}

/// Reads the body of an import: one JSON document (malformed: 422 with line and column), no
/// NUL character, then [`read_record`].
pub fn parse_record(body: &[u8]) -> Result<NoticeRequest, ApiError> {
    let root: Value = serde_json::from_slice(body).map_err(|e| malformed(&e))?;
    crate::http::json::refuse_nul(&root)?;
    read_record(&root)
}

/// Turns a v2 study record into the request for a draft notice.
pub fn read_record(root: &Value) -> Result<NoticeRequest, ApiError> {
    if !root.is_object() {
        return Err(ApiError::invalid(
            "body",
            "must be a JSON object: one study record as served by /api/v2/studies/{nctId}",
        ));
    }
    if root.get("protocolSection").is_none_or(|p| !p.is_object()) {
        return Err(ApiError::invalid(
            "protocolSection",
            "is missing: send one study record as served by /api/v2/studies/{nctId}",
        ));
    }
    let mut r = Reader {
        root,
        errors: FieldErrors::new(),
    };
    let nct = r.string(&format!("{ID}.nctId"));
    if nct.is_none() && !r.errors.contains_key(&format!("{ID}.nctId")) {
        r.fail(
            &format!("{ID}.nctId"),
            "is missing: the record must name its study by its NCT number",
        );
    }
    if let Some(id) = &nct
        && let Err(m) = super::registry::parse(id)
    {
        r.fail(&format!("{ID}.nctId"), m);
    }
    let other_registry_ids = other_registry_ids(&mut r, nct.as_deref());
    let title = r
        .string(&format!("{ID}.briefTitle"))
        .or_else(|| r.string(&format!("{ID}.officialTitle")));
    if title.is_none() {
        r.fail(
            &format!("{ID}.briefTitle"),
            "is missing: a notice needs a title",
        );
    }
    let summary = r
        .string("protocolSection.descriptionModule.briefSummary")
        .unwrap_or_default();
    let overall = r.string(&format!("{STATUS}.overallStatus"));
    let recruitment_status = status(overall.as_deref())
        .map_err(|m| r.fail(&format!("{STATUS}.overallStatus"), m))
        .unwrap_or_default();
    let phases = r.strings("protocolSection.designModule.phases");
    let phase = phase(&phases)
        .map_err(|m| r.fail("protocolSection.designModule.phases", m))
        .unwrap_or_default();
    let conditions: Vec<String> = r
        .strings("protocolSection.conditionsModule.conditions")
        .into_iter()
        .filter(|c| c.chars().count() >= 2)
        .map(|c| cut(&c, 200))
        .take(20)
        .collect();
    let mut interventions = Vec::new();
    for item in r.array("protocolSection.armsInterventionsModule.interventions") {
        if let Some(name) = field(item, "name") {
            interventions.push(Intervention {
                kind: intervention_type(field(item, "type")),
                name: cut(name, 200),
            });
        }
    }
    interventions.truncate(30);

    let mut eligibility = Eligibility::default();
    for (key, slot) in [
        ("minimumAge", &mut eligibility.min_age_years),
        ("maximumAge", &mut eligibility.max_age_years),
    ] {
        let path = format!("{ELIGIBILITY}.{key}");
        if let Some(text) = r.string(&path) {
            match parse_age(&text) {
                Ok(years) => *slot = years.map(|y| y.min(120.0)),
                Err(UnreadableAge) => r.fail(
                    &path,
                    format!("`{text}` is not an age such as \"18 Years\" or \"6 Months\""),
                ),
            }
        }
    }
    eligibility.sex = match r.string(&format!("{ELIGIBILITY}.sex")).as_deref() {
        None | Some("ALL") => Sex::All,
        Some("FEMALE") => Sex::Female,
        Some("MALE") => Sex::Male,
        Some(other) => {
            r.fail(
                &format!("{ELIGIBILITY}.sex"),
                format!("`{other}` is not ALL, FEMALE or MALE"),
            );
            Sex::All
        }
    };
    match r.get(&format!("{ELIGIBILITY}.healthyVolunteers")) {
        None => {}
        Some(Value::Bool(b)) => eligibility.healthy_volunteers = *b,
        Some(_) => r.fail(
            &format!("{ELIGIBILITY}.healthyVolunteers"),
            "must be true or false",
        ),
    }
    eligibility.criteria = cut(
        &r.string(&format!("{ELIGIBILITY}.eligibilityCriteria"))
            .unwrap_or_default(),
        20_000,
    );

    let mut sites = Vec::new();
    for (i, item) in r
        .array(&format!("{LOCATIONS}.locations"))
        .into_iter()
        .enumerate()
    {
        let (Some(city), Some(country)) = (field(item, "city"), field(item, "country")) else {
            continue;
        };
        let geo = item.get("geoPoint");
        let lat = geo.and_then(|g| g.get("lat")).and_then(Value::as_f64);
        let lon = geo.and_then(|g| g.get("lon")).and_then(Value::as_f64);
        let (latitude, longitude) = match (lat, lon) {
            (Some(lat), Some(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                (Some(lat), Some(lon))
            }
            (None, None) => (None, None),
            _ => {
                r.fail(
                    &format!("{LOCATIONS}.locations[{i}].geoPoint"),
                    "must hold a latitude and a longitude in degrees",
                );
                (None, None)
            }
        };
        sites.push(Site {
            facility: cut(field(item, "facility").unwrap_or(city), 300),
            city: cut(city, 100),
            region: field(item, "state").map(|s| cut(s, 100)),
            country: cut(country, 100),
            latitude,
            longitude,
            status: field(item, "status")
                .map(str::to_ascii_lowercase)
                .as_deref()
                .and_then(RecruitmentStatus::parse),
        });
        if sites.len() == MAX_SITES {
            break;
        }
    }

    let contact = r
        .array(&format!("{LOCATIONS}.centralContacts"))
        .first()
        .map(|c| Contact {
            name: field(c, "name").map(|n| cut(n, 200)),
            email: field(c, "email")
                .filter(|e| e.parse::<lettre::Address>().is_ok())
                .map(str::to_owned),
            phone: field(c, "phone")
                .filter(|p| valid_phone(p))
                .map(str::to_owned),
        })
        .unwrap_or_default();
    let sponsor = cut(
        &r.string("protocolSection.sponsorCollaboratorsModule.leadSponsor.name")
            .unwrap_or_default(),
        300,
    );
    let start_date = match r.string(&format!("{STATUS}.startDateStruct.date")) {
        None => None,
        Some(raw) => {
            let parsed = date(&raw);
            if parsed.is_none() {
                r.fail(
                    &format!("{STATUS}.startDateStruct.date"),
                    format!("`{raw}` is not a date such as 2024-04-09 or 2024-04"),
                );
            }
            parsed
        }
    };
    let (Some(nct), Some(title), true) = (nct, title, r.errors.is_empty()) else {
        return Err(ApiError::Validation(r.errors));
    };
    let structured_criteria = super::precheck::text::propose(&eligibility.criteria);
    Ok(NoticeRequest {
        criteria_proposed: !structured_criteria.is_empty(),
        structured_criteria,
        source_url: Some(format!(
            "https://clinicaltrials.gov/study/{}",
            nct.to_ascii_uppercase()
        )),
        registry_id: nct,
        other_registry_ids,
        title: cut(&title, 300),
        summary: cut(&summary, 20_000),
        conditions,
        interventions,
        phase,
        recruitment_status,
        eligibility,
        sites,
        contact,
        sponsor,
        start_date,
        recruitment_ends: None,
        practical: PracticalDetails::default(),
    })
}

/// The study's ids in the other registries a notice knows (ChiCTR, EU CT, EudraCT), from its
/// secondary ids and its organisation's own id; other kinds of ids (grant numbers, sponsors'
/// protocol codes) are left out.
fn other_registry_ids(r: &mut Reader<'_>, nct: Option<&str>) -> Vec<String> {
    let mut raw: Vec<String> = r
        .array(&format!("{ID}.secondaryIdInfos"))
        .into_iter()
        .filter_map(|info| field(info, "id").map(str::to_owned))
        .collect();
    raw.extend(r.string(&format!("{ID}.orgStudyIdInfo.id")));
    let mut out: Vec<String> = Vec::new();
    for id in raw.iter().filter_map(|id| registry::parse(id).ok()) {
        let main = nct.is_some_and(|n| n.eq_ignore_ascii_case(&id.id));
        if !main && !out.contains(&id.id) && out.len() < OTHER_IDS_MAX {
            out.push(id.id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const FIXTURES: [&str; 2] = [
        include_str!("../../tests/fixtures/clinicaltrials/NCT03722472.json"),
        include_str!("../../tests/fixtures/clinicaltrials/NCT06323538.json"),
    ];

    /// Any JSON value, a few levels deep.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Replaces the `n`th value (in document order, modulo the count) of `root` by `new`.
    fn replace_nth(root: &mut Value, n: usize, new: Value) {
        fn count(v: &Value) -> usize {
            1 + match v {
                Value::Array(items) => items.iter().map(count).sum(),
                Value::Object(map) => map.values().map(count).sum(),
                _ => 0,
            }
        }
        fn walk(v: &mut Value, n: &mut usize, new: &mut Option<Value>) {
            if *n == 0 {
                if let Some(new) = new.take() {
                    *v = new;
                }
                return;
            }
            *n -= 1;
            match v {
                Value::Array(items) => items.iter_mut().for_each(|i| walk(i, n, new)),
                Value::Object(map) => map.values_mut().for_each(|i| walk(i, n, new)),
                _ => {}
            }
        }
        let mut n = n % count(root);
        walk(root, &mut n, &mut Some(new));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn damaged_records_are_imported_or_refused_never_crash(
            fixture in 0usize..FIXTURES.len(),
            damage in proptest::collection::vec((any::<usize>(), any_json()), 1..6),
        ) {
            let mut record: Value = serde_json::from_str(FIXTURES[fixture]).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for (n, new) in damage {
                replace_nth(&mut record, n, new);
            }
            let body = serde_json::to_vec(&record).map_err(|e| TestCaseError::fail(e.to_string()))?;
            match parse_record(&body) {
                Ok(request) => {
                    let _ = crate::trials::content::check(request);
                }
                Err(e) => prop_assert!(matches!(e, ApiError::Validation(_)), "{e:?}"),
            }
        }

        #[test]
        fn any_json_or_bytes_are_refused_with_422(value in any_json(), bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            for body in [serde_json::to_vec(&value).map_err(|e| TestCaseError::fail(e.to_string()))?, bytes] {
                if let Err(e) = parse_record(&body) {
                    prop_assert!(matches!(e, ApiError::Validation(_)), "{e:?}");
                }
            }
        }
    }

    #[test]
    fn ages_read_in_years_and_months() {
        assert_eq!(parse_age("18 Years"), Ok(Some(18.0)));
        assert_eq!(parse_age("6 Months"), Ok(Some(0.5)));
        assert_eq!(parse_age("1 Year"), Ok(Some(1.0)));
        assert_eq!(parse_age("2 Weeks"), Ok(Some(0.0)));
        assert_eq!(parse_age("N/A"), Ok(None));
        assert!(parse_age("eighteen").is_err());
        assert!(parse_age("18 Decades").is_err());
    }

    #[test]
    fn malformed_json_says_where() {
        let err = parse_record(b"{\"protocolSection\": {\n  \"x\": }").unwrap_err();
        let ApiError::Validation(errors) = err else {
            panic!("not a validation error");
        };
        assert!(errors["body"].contains("line 2"), "{errors:?}");
    }

    #[test]
    fn a_record_without_an_nct_id_is_refused_naming_the_path() {
        let err = parse_record(
            br#"{"protocolSection": {"identificationModule": {"briefTitle": "A study"}}}"#,
        )
        .unwrap_err();
        let ApiError::Validation(errors) = err else {
            panic!("not a validation error");
        };
        assert!(
            errors.contains_key("protocolSection.identificationModule.nctId"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_minimal_record_is_enough() {
        let req = parse_record(
            br#"{"protocolSection": {"identificationModule": {"nctId": "NCT01234567", "briefTitle": "A small study"}}}"#,
        )
        .unwrap();
        assert_eq!(req.registry_id, "NCT01234567");
        assert_eq!(req.phase, Phase::NotApplicable);
        assert!(req.sites.is_empty());
        assert_eq!(req.eligibility.min_age_years, None);
    }
}
