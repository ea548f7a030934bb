//! The trial search filters, shared by the search endpoint and saved searches (alerts):
//! [`TrialFilters`] is what clients send (and what an alert stores), [`Criteria`] the checked
//! form. The store turns criteria into SQL; [`Criteria::matches`] decides the same thing in
//! Rust for one newly published notice, so an alert fires exactly when the search would find
//! the notice.
//!
//! Text search works on the indexed form of a notice (`db::search::index_text`: lower-cased,
//! a space around every CJK character): a query term matches when its indexed form appears as
//! a phrase. A small English–Chinese glossary ([`GLOSSARY`]) is added to the indexed text, so
//! `狼疮` finds a notice written only in English about lupus, and `lupus` one written only in
//! Chinese.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::details::PracticalNeed;
use super::geo;
use super::model::{Phase, PracticalDetails, RecruitmentStatus, Sex, TrialSearchQuery};
use crate::db::search::{index_text, query_terms};
use crate::http::error::{ApiError, FieldErrors};

pub const QUERY_MAX: usize = 200;
pub const DEFAULT_RADIUS_KM: f64 = 50.0;
pub const MAX_RADIUS_KM: f64 = 1000.0;
pub const MAX_AGE_YEARS: i32 = 120;

/// Search filters, as the search endpoint takes them and as an alert stores them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"q": "CAR-T", "condition": "lupus", "near": "39.90,116.40", "radius_km": 50, "age": 34}))]
pub struct TrialFilters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub condition: Option<String>,
    /// Comma-separated phases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Comma-separated recruitment statuses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100)]
    pub country: Option<String>,
    /// `LAT,LON`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(exclusive_minimum = 0, maximum = 1000)]
    pub radius_km: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 120)]
    pub age: Option<i32>,
    /// `all`, `female` or `male`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Blank means no filter, as `all` does.
    #[schema(pattern = r"^\s*(all|female|male)?\s*$")]
    pub sex: Option<String>,
    /// Comma-separated practical details the notice must state: `travel_support`,
    /// `accommodation_support`, `compensation`, `remote_visits`, `no_placebo`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practical: Option<String>,
}

impl From<&TrialSearchQuery> for TrialFilters {
    fn from(q: &TrialSearchQuery) -> Self {
        Self {
            q: q.q.clone(),
            condition: q.condition.clone(),
            phase: q.phase.clone(),
            status: q.status.clone(),
            country: q.country.clone(),
            near: q.near.clone(),
            radius_km: q.radius_km,
            age: q.age,
            sex: q.sex.clone(),
            practical: q.practical.clone(),
        }
    }
}

/// A search circle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Near {
    pub lat: f64,
    pub lon: f64,
    pub radius_km: f64,
}

/// Checked filters.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Criteria {
    /// Indexed forms of the query terms (`狼疮` → `狼 疮`); each must appear as a phrase.
    pub phrases: Vec<String>,
    /// Normalised part of a condition name.
    pub condition: Option<String>,
    pub phases: Vec<Phase>,
    pub statuses: Vec<RecruitmentStatus>,
    pub country: Option<String>,
    pub near: Option<Near>,
    pub age: Option<i32>,
    /// `None` for any sex.
    pub sex: Option<Sex>,
    /// Practical details the notice must state, each.
    pub practical: Vec<PracticalNeed>,
}

/// What a published notice offers to the filters, for [`Criteria::matches`].
#[derive(Clone, Debug, Default)]
pub struct NoticeFacts {
    pub search_text: String,
    pub condition_keys: Vec<String>,
    pub phase: Phase,
    pub status: RecruitmentStatus,
    pub min_age_months: Option<i32>,
    pub max_age_months: Option<i32>,
    pub sex: Sex,
    /// (country key, latitude, longitude) of each site.
    pub sites: Vec<(String, Option<f64>, Option<f64>)>,
    pub practical: PracticalDetails,
}

fn trimmed(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn list<T: Copy>(
    raw: Option<&str>,
    parse: impl Fn(&str) -> Option<T>,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<Vec<T>, String> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let value = parse(part).ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|v| name(*v)).collect();
            format!("`{part}` is not one of {}", names.join(", "))
        })?;
        out.push(value);
    }
    Ok(out)
}

/// Parses `LAT,LON`.
pub fn parse_point(raw: &str) -> Option<(f64, f64)> {
    let (lat, lon) = raw.split_once(',')?;
    let lat: f64 = lat.trim().parse().ok()?;
    let lon: f64 = lon.trim().parse().ok()?;
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

impl Criteria {
    /// Checks the filters; field errors are named `{prefix}{field}` (`filters.age`).
    pub fn parse(f: &TrialFilters, prefix: &str) -> Result<Self, ApiError> {
        let mut errors = FieldErrors::new();
        let mut fail = |field: &str, message: String| {
            errors.insert(format!("{prefix}{field}"), message);
        };
        let mut criteria = Criteria::default();
        if let Some(q) = trimmed(&f.q) {
            if q.chars().count() > QUERY_MAX {
                fail("q", format!("must be at most {QUERY_MAX} characters"));
            }
            criteria.phrases = query_terms(q)
                .iter()
                .map(|t| index_text(None, t))
                .filter(|p| !p.is_empty())
                .collect();
        }
        if let Some(c) = trimmed(&f.condition) {
            if c.chars().count() > 200 {
                fail("condition", "must be at most 200 characters".into());
            }
            criteria.condition = Some(condition_key(c));
        }
        match list(trimmed(&f.phase), Phase::parse, Phase::ALL, Phase::as_str) {
            Ok(v) => criteria.phases = v,
            Err(m) => fail("phase", m),
        }
        match list(
            trimmed(&f.status),
            RecruitmentStatus::parse,
            RecruitmentStatus::ALL,
            RecruitmentStatus::as_str,
        ) {
            Ok(v) => criteria.statuses = v,
            Err(m) => fail("status", m),
        }
        if let Some(c) = trimmed(&f.country) {
            if c.chars().count() > 100 {
                fail("country", "must be at most 100 characters".into());
            }
            criteria.country = Some(country_key(c));
        }
        match (trimmed(&f.near), f.radius_km) {
            (None, Some(_)) => fail("radius_km", "is used only with `near`".into()),
            (None, None) => {}
            (Some(raw), radius) => {
                let radius = radius.unwrap_or(DEFAULT_RADIUS_KM);
                if !(radius > 0.0 && radius <= MAX_RADIUS_KM) {
                    fail(
                        "radius_km",
                        format!("must be more than 0 and at most {MAX_RADIUS_KM} km"),
                    );
                }
                match parse_point(raw) {
                    Some((lat, lon)) => {
                        criteria.near = Some(Near {
                            lat,
                            lon,
                            radius_km: radius,
                        })
                    }
                    None => fail(
                        "near",
                        "must be `LAT,LON` in degrees, e.g. `39.90,116.40`".into(),
                    ),
                }
            }
        }
        if let Some(age) = f.age {
            if !(0..=MAX_AGE_YEARS).contains(&age) {
                fail("age", format!("must be 0 to {MAX_AGE_YEARS} years"));
            }
            criteria.age = Some(age);
        }
        match trimmed(&f.sex) {
            None | Some("all") => {}
            Some(raw) => match Sex::parse(raw) {
                Some(sex) => criteria.sex = Some(sex),
                None => fail("sex", "must be `all`, `female` or `male`".into()),
            },
        }
        match list(
            trimmed(&f.practical),
            PracticalNeed::parse,
            PracticalNeed::ALL,
            PracticalNeed::as_str,
        ) {
            Ok(v) => criteria.practical = v,
            Err(m) => fail("practical", m),
        }
        if errors.is_empty() {
            Ok(criteria)
        } else {
            Err(ApiError::Validation(errors))
        }
    }

    /// Whether a published notice with these facts is found by these criteria.
    pub fn matches(&self, n: &NoticeFacts) -> bool {
        let tokens: Vec<&str> = n.search_text.split_whitespace().collect();
        let text = self
            .phrases
            .iter()
            .all(|p| contains_phrase(&tokens, &p.split_whitespace().collect::<Vec<_>>()));
        let condition = self
            .condition
            .as_ref()
            .is_none_or(|c| n.condition_keys.iter().any(|k| k.contains(c.as_str())));
        let phase = self.phases.is_empty() || self.phases.contains(&n.phase);
        let status = self.statuses.is_empty() || self.statuses.contains(&n.status);
        let country = self
            .country
            .as_ref()
            .is_none_or(|c| n.sites.iter().any(|(k, _, _)| k == c));
        let near = self.near.is_none_or(|near| {
            n.sites.iter().any(|(_, lat, lon)| match (lat, lon) {
                (Some(lat), Some(lon)) => {
                    geo::distance_km((near.lat, near.lon), (*lat, *lon)) <= near.radius_km
                }
                _ => false,
            })
        });
        let age = self.age.is_none_or(|age| {
            let (low, high) = age_months(age);
            n.min_age_months.is_none_or(|m| m <= high) && n.max_age_months.is_none_or(|m| m >= low)
        });
        let sex = self.sex.is_none_or(|s| n.sex == Sex::All || n.sex == s);
        let practical = self.practical.iter().all(|need| need.met_by(&n.practical));
        text && condition && phase && status && country && near && age && sex && practical
    }
}

/// The months a person of `age` whole years may be: `age × 12` to `age × 12 + 11`. A notice
/// admits the age when its range overlaps these.
pub fn age_months(age: i32) -> (i32, i32) {
    (age * 12, age * 12 + 11)
}

fn contains_phrase(tokens: &[&str], phrase: &[&str]) -> bool {
    !phrase.is_empty() && tokens.windows(phrase.len()).any(|w| w == phrase)
}

/// A condition name as the filter compares it: lower-cased, whitespace collapsed.
pub fn condition_key(name: &str) -> String {
    name.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Common other names of countries, folded to the name the registries use.
const COUNTRY_ALIASES: &[(&str, &str)] = &[
    ("usa", "united states"),
    ("us", "united states"),
    ("u.s.", "united states"),
    ("united states of america", "united states"),
    ("uk", "united kingdom"),
    ("great britain", "united kingdom"),
    ("prc", "china"),
    ("people's republic of china", "china"),
    ("中国", "china"),
    ("美国", "united states"),
    ("德国", "germany"),
    ("英国", "united kingdom"),
    ("法国", "france"),
    ("日本", "japan"),
];

/// A country name as the filter compares it.
pub fn country_key(name: &str) -> String {
    let key = condition_key(name);
    COUNTRY_ALIASES
        .iter()
        .find(|(alias, _)| *alias == key)
        .map_or(key, |(_, country)| (*country).to_owned())
}

/// English and Chinese names of the same things, added to each other in the indexed text.
pub const GLOSSARY: &[(&str, &str)] = &[
    ("lupus", "狼疮"),
    ("systemic lupus erythematosus", "系统性红斑狼疮"),
    ("lupus nephritis", "狼疮性肾炎"),
    ("nephritis", "肾炎"),
    ("kidney", "肾脏"),
    ("arthritis", "关节炎"),
    ("vasculitis", "血管炎"),
    ("sjogren", "干燥综合征"),
    ("clinical trial", "临床试验"),
    ("cell therapy", "细胞治疗"),
    ("vaccine", "疫苗"),
    ("diabetes", "糖尿病"),
];

/// The indexed text of a notice: its words (title first) in the shared indexed form, with the
/// glossary's other-language names of what it mentions appended.
pub fn notice_search_text(title: &str, parts: &[&str]) -> String {
    let mut text = index_text(Some(title), &parts.join("\n"));
    let mut extra: Vec<String> = Vec::new();
    {
        let tokens: Vec<&str> = text.split_whitespace().collect();
        for (en, zh) in GLOSSARY {
            let en = index_text(None, en);
            let zh = index_text(None, zh);
            let en_tokens: Vec<&str> = en.split_whitespace().collect();
            let zh_tokens: Vec<&str> = zh.split_whitespace().collect();
            let has_en = contains_phrase(&tokens, &en_tokens);
            let has_zh = contains_phrase(&tokens, &zh_tokens);
            if has_en && !has_zh && !extra.contains(&zh) {
                extra.push(zh);
            } else if has_zh && !has_en && !extra.contains(&en) {
                extra.push(en);
            }
        }
    }
    for e in extra {
        text.push(' ');
        text.push_str(&e);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> NoticeFacts {
        NoticeFacts {
            search_text: notice_search_text(
                "CD19 CAR-T cells for refractory lupus",
                &["Systemic Lupus Erythematosus", "北京协和医院"],
            ),
            condition_keys: vec![condition_key("Systemic Lupus  Erythematosus")],
            phase: Phase::Phase1_2,
            status: RecruitmentStatus::Recruiting,
            min_age_months: Some(18 * 12),
            max_age_months: Some(65 * 12),
            sex: Sex::All,
            sites: vec![("china".into(), Some(39.9127), Some(116.4168))],
            practical: PracticalDetails {
                travel_support: Some(true),
                placebo_possible: Some(true),
                ..Default::default()
            },
        }
    }

    fn criteria(f: TrialFilters) -> Criteria {
        Criteria::parse(&f, "").unwrap()
    }

    #[test]
    fn the_glossary_makes_english_notices_findable_in_chinese() {
        let n = facts();
        assert!(n.search_text.contains("狼 疮"), "{}", n.search_text);
        for q in ["狼疮", "红斑狼疮", "lupus car-t", "协和", "cd19"] {
            let c = criteria(TrialFilters {
                q: Some(q.into()),
                ..Default::default()
            });
            assert!(c.matches(&n), "{q}");
        }
        let c = criteria(TrialFilters {
            q: Some("肾炎".into()),
            ..Default::default()
        });
        assert!(!c.matches(&n));
    }

    #[test]
    fn each_filter_keeps_only_what_it_should() {
        let n = facts();
        let yes = |f: TrialFilters| assert!(criteria(f.clone()).matches(&n), "{f:?}");
        let no = |f: TrialFilters| assert!(!criteria(f.clone()).matches(&n), "{f:?}");
        yes(TrialFilters::default());
        yes(TrialFilters {
            condition: Some("LUPUS".into()),
            ..Default::default()
        });
        no(TrialFilters {
            condition: Some("nephritis".into()),
            ..Default::default()
        });
        yes(TrialFilters {
            phase: Some("phase2, phase1_2".into()),
            ..Default::default()
        });
        no(TrialFilters {
            phase: Some("phase3".into()),
            ..Default::default()
        });
        yes(TrialFilters {
            status: Some("recruiting".into()),
            ..Default::default()
        });
        yes(TrialFilters {
            country: Some("中国".into()),
            ..Default::default()
        });
        no(TrialFilters {
            country: Some("Japan".into()),
            ..Default::default()
        });
        yes(TrialFilters {
            near: Some("39.9042,116.4074".into()),
            radius_km: Some(50.0),
            ..Default::default()
        });
        no(TrialFilters {
            near: Some("31.2304,121.4737".into()),
            ..Default::default()
        });
        yes(TrialFilters {
            age: Some(65),
            ..Default::default()
        });
        yes(TrialFilters {
            age: Some(18),
            ..Default::default()
        });
        no(TrialFilters {
            age: Some(17),
            ..Default::default()
        });
        no(TrialFilters {
            age: Some(66),
            ..Default::default()
        });
        yes(TrialFilters {
            sex: Some("female".into()),
            ..Default::default()
        });
        yes(TrialFilters {
            practical: Some("travel_support".into()),
            ..Default::default()
        });
        no(TrialFilters {
            practical: Some("travel_support, no_placebo".into()),
            ..Default::default()
        });
        no(TrialFilters {
            practical: Some("compensation".into()),
            ..Default::default()
        });
    }

    #[test]
    fn bad_filters_are_named() {
        let err = Criteria::parse(
            &TrialFilters {
                phase: Some("phase9".into()),
                status: Some("open".into()),
                near: Some("north".into()),
                radius_km: Some(5000.0),
                age: Some(200),
                sex: Some("x".into()),
                practical: Some("free_parking".into()),
                ..Default::default()
            },
            "filters.",
        )
        .unwrap_err();
        let ApiError::Validation(errors) = err else {
            panic!("not a validation error");
        };
        for field in [
            "phase",
            "status",
            "near",
            "radius_km",
            "age",
            "sex",
            "practical",
        ] {
            assert!(
                errors.contains_key(&format!("filters.{field}")),
                "{errors:?}"
            );
        }
        let err = Criteria::parse(
            &TrialFilters {
                radius_km: Some(10.0),
                ..Default::default()
            },
            "",
        )
        .unwrap_err();
        assert!(matches!(err, ApiError::Validation(e) if e.contains_key("radius_km")));
    }
}
