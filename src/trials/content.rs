//! A notice's content: checking and normalising what a coordinator writes (or imports), what
//! must be there before review, what sends a published notice back to review, and the columns
//! and child rows it is stored in.
//!
//! Editing a published notice sends it back to review unless only its recruitment status or
//! end date (or the recruitment status of its sites) changed: those are the facts a
//! coordinator must be able to update at once.

use chrono::NaiveDate;

use diesel::QueryResult;

use super::details;
use super::filters;
use super::model::{
    Contact, Eligibility, Intervention, InterventionType, NoticePatch, NoticeRequest, Phase,
    PracticalDetails, RecruitmentStatus, Sex, Site, TrialRow, parse_date, split_lines,
};
use super::precheck::model::StructuredCriteria;
use super::registry::{self, RegistryId};
use super::store::{self, SiteColumns, TrialContent};
use crate::db::AnyConnection;
use crate::http::error::{ApiError, FieldErrors};
use crate::markdown;

const TITLE_MIN: usize = 5;
const TITLE_MAX: usize = 300;
const SUMMARY_MAX: usize = 20_000;
const CRITERIA_MAX: usize = 20_000;
const CONDITIONS_MAX: usize = 20;
const INTERVENTIONS_MAX: usize = 30;
const SITES_MAX: usize = 500;

pub fn chars(s: &str) -> usize {
    s.chars().count()
}

/// A notice's content, checked and normalised.
#[derive(Clone, Debug, PartialEq)]
pub struct NoticeData {
    pub registry: RegistryId,
    /// The trial's ids in other registries, the main one left out.
    pub other_registry_ids: Vec<RegistryId>,
    pub title: String,
    pub summary: String,
    /// The summary rendered as it is shown.
    pub summary_html: String,
    pub conditions: Vec<String>,
    pub interventions: Vec<Intervention>,
    pub phase: Phase,
    pub recruitment_status: RecruitmentStatus,
    pub min_age_months: Option<i32>,
    pub max_age_months: Option<i32>,
    pub sex: Sex,
    pub healthy_volunteers: bool,
    pub criteria: String,
    pub sites: Vec<Site>,
    pub contact: Contact,
    pub sponsor: String,
    pub start_date: Option<NaiveDate>,
    pub recruitment_ends: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub practical: PracticalDetails,
    /// Conditions and prior treatments required or excluded (`precheck`).
    pub structured: StructuredCriteria,
    /// `false` while criteria an import proposed wait for the coordinator.
    pub criteria_confirmed: bool,
}

pub fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn check_len(errors: &mut FieldErrors, field: &str, value: &str, min: usize, max: usize) {
    let n = chars(value);
    if n < min || n > max {
        let message = if min == 0 {
            format!("must be at most {max} characters")
        } else {
            format!("must be {min} to {max} characters")
        };
        errors.insert(field.to_owned(), message);
    }
}

fn age_months(errors: &mut FieldErrors, field: &str, years: Option<f64>) -> Option<i32> {
    let years = years?;
    if !(0.0..=f64::from(filters::MAX_AGE_YEARS)).contains(&years) {
        errors.insert(
            field.to_owned(),
            format!("must be 0 to {} years", filters::MAX_AGE_YEARS),
        );
        return None;
    }
    Some((years * 12.0).round() as i32)
}

/// Plausible phone numbers: digits with `+ - ( ) .` and spaces, 6 to 20 digits.
pub fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (6..=20).contains(&digits)
        && chars(phone) <= 40
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

fn valid_date(date: NaiveDate) -> bool {
    (1990..=2100).contains(&chrono::Datelike::year(&date))
}

/// Checks and normalises a notice's content; errors name the fields (`sites[2].latitude`).
pub fn check(req: NoticeRequest) -> Result<NoticeData, ApiError> {
    let mut errors = FieldErrors::new();
    let registry = registry::parse(&req.registry_id)
        .map_err(|m| errors.insert("registry_id".into(), m))
        .ok();
    let other_registry_ids =
        details::check_other_ids(&mut errors, registry.as_ref(), &req.other_registry_ids);
    let practical = details::check_practical(&mut errors, req.practical);
    let title = req.title.split_whitespace().collect::<Vec<_>>().join(" ");
    check_len(&mut errors, "title", &title, TITLE_MIN, TITLE_MAX);
    let summary = req.summary.trim().to_owned();
    check_len(&mut errors, "summary", &summary, 0, SUMMARY_MAX);
    let summary_html = markdown::render(&summary)
        .map_err(|e| errors.insert("summary".into(), e.to_string()))
        .unwrap_or_default();
    let mut conditions: Vec<String> = Vec::new();
    for (i, c) in req.conditions.iter().enumerate() {
        let c = c.split_whitespace().collect::<Vec<_>>().join(" ");
        check_len(&mut errors, &format!("conditions[{i}]"), &c, 2, 200);
        if !conditions
            .iter()
            .any(|k| filters::condition_key(k) == filters::condition_key(&c))
        {
            conditions.push(c);
        }
    }
    if conditions.len() > CONDITIONS_MAX {
        errors.insert("conditions".into(), format!("at most {CONDITIONS_MAX}"));
    }
    let mut interventions = Vec::new();
    for (i, iv) in req.interventions.into_iter().enumerate() {
        let name = iv.name.trim().to_owned();
        check_len(
            &mut errors,
            &format!("interventions[{i}].name"),
            &name,
            1,
            200,
        );
        interventions.push(Intervention {
            kind: iv.kind,
            name,
        });
    }
    if interventions.len() > INTERVENTIONS_MAX {
        errors.insert(
            "interventions".into(),
            format!("at most {INTERVENTIONS_MAX}"),
        );
    }
    let e = req.eligibility;
    let min_age_months = age_months(&mut errors, "eligibility.min_age_years", e.min_age_years);
    let max_age_months = age_months(&mut errors, "eligibility.max_age_years", e.max_age_years);
    if let (Some(min), Some(max)) = (min_age_months, max_age_months)
        && min > max
    {
        errors.insert(
            "eligibility.max_age_years".into(),
            "must not be below the minimum age".into(),
        );
    }
    let criteria = e.criteria.trim().to_owned();
    check_len(
        &mut errors,
        "eligibility.criteria",
        &criteria,
        0,
        CRITERIA_MAX,
    );
    let mut sites = Vec::new();
    for (i, s) in req.sites.into_iter().enumerate() {
        let field = |name: &str| format!("sites[{i}].{name}");
        let site = Site {
            facility: s.facility.trim().to_owned(),
            city: s.city.trim().to_owned(),
            region: clean(s.region),
            country: s.country.trim().to_owned(),
            latitude: s.latitude,
            longitude: s.longitude,
            status: s.status,
        };
        check_len(&mut errors, &field("facility"), &site.facility, 1, 300);
        check_len(&mut errors, &field("city"), &site.city, 1, 100);
        check_len(&mut errors, &field("country"), &site.country, 2, 100);
        if let Some(region) = &site.region {
            check_len(&mut errors, &field("region"), region, 0, 100);
        }
        match (site.latitude, site.longitude) {
            (Some(lat), Some(lon)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    errors.insert(field("latitude"), "must be -90 to 90 degrees".into());
                }
                if !(-180.0..=180.0).contains(&lon) {
                    errors.insert(field("longitude"), "must be -180 to 180 degrees".into());
                }
            }
            (None, None) => {}
            _ => {
                errors.insert(
                    field("latitude"),
                    "give both latitude and longitude, or neither".into(),
                );
            }
        }
        sites.push(site);
    }
    if sites.len() > SITES_MAX {
        errors.insert("sites".into(), format!("at most {SITES_MAX}"));
    }
    let contact = Contact {
        name: clean(req.contact.name),
        email: clean(req.contact.email),
        phone: clean(req.contact.phone),
    };
    if let Some(name) = &contact.name {
        check_len(&mut errors, "contact.name", name, 0, 200);
    }
    if let Some(email) = &contact.email
        && (chars(email) > 254 || email.parse::<lettre::Address>().is_err())
    {
        errors.insert(
            "contact.email".into(),
            "is not a valid email address".into(),
        );
    }
    if let Some(phone) = &contact.phone
        && !valid_phone(phone)
    {
        errors.insert(
            "contact.phone".into(),
            "must be a phone number of 6 to 20 digits".into(),
        );
    }
    let sponsor = req.sponsor.trim().to_owned();
    check_len(&mut errors, "sponsor", &sponsor, 0, 300);
    for (field, date) in [
        ("start_date", req.start_date),
        ("recruitment_ends", req.recruitment_ends),
    ] {
        if date.is_some_and(|d| !valid_date(d)) {
            errors.insert(field.into(), "must be a date between 1990 and 2100".into());
        }
    }
    let source_url = clean(req.source_url);
    if let Some(url) = &source_url {
        let ok = chars(url) <= 500
            && url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
        if !ok {
            errors.insert(
                "source_url".into(),
                "must be an http or https address of at most 500 characters".into(),
            );
        }
    }
    let structured = super::precheck::service::check_criteria(&mut errors, req.structured_criteria);
    let Some(registry) = registry.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };
    let source_url = source_url.or_else(|| registry::record_url(&registry));
    Ok(NoticeData {
        registry,
        other_registry_ids,
        title,
        summary,
        summary_html,
        conditions,
        interventions,
        phase: req.phase,
        recruitment_status: req.recruitment_status,
        min_age_months,
        max_age_months,
        sex: e.sex,
        healthy_volunteers: e.healthy_volunteers,
        criteria,
        sites,
        contact,
        sponsor,
        start_date: req.start_date,
        recruitment_ends: req.recruitment_ends,
        source_url,
        practical,
        structured,
        criteria_confirmed: !req.criteria_proposed,
    })
}

/// What a notice must have before it goes to review.
pub fn check_complete(data: &NoticeData, today: NaiveDate) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    if data.summary.is_empty() {
        errors.insert("summary".into(), "is required before review".into());
    }
    if data.conditions.is_empty() {
        errors.insert("conditions".into(), "name at least one condition".into());
    }
    if data.sites.is_empty() {
        errors.insert("sites".into(), "name at least one site".into());
    }
    if data.contact.email.is_none() && data.contact.phone.is_none() {
        errors.insert(
            "contact".into(),
            "give an email address or a phone number for patients' questions".into(),
        );
    }
    if data.sponsor.is_empty() {
        errors.insert("sponsor".into(), "is required before review".into());
    }
    if data.recruitment_status.is_final() {
        errors.insert(
            "recruitment_status".into(),
            format!(
                "a {} trial recruits nobody: its notice cannot be published",
                data.recruitment_status.as_str()
            ),
        );
    }
    if data.recruitment_ends.is_some_and(|d| d < today) {
        errors.insert("recruitment_ends".into(), "has passed already".into());
    }
    if !data.criteria_confirmed {
        errors.insert(
            "structured_criteria".into(),
            "were proposed by the import from the registry's criteria text: check them, then \
             confirm them (PATCH with `\"criteria_confirmed\": true`) or send corrected ones in \
             `structured_criteria`"
                .into(),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Whether an edit of a published notice must be reviewed again: anything but the recruitment
/// status, the end date and the sites' recruitment statuses changed.
pub fn needs_review(old: &NoticeData, new: &NoticeData) -> bool {
    let strip = |d: &NoticeData| {
        let mut d = d.clone();
        d.recruitment_status = RecruitmentStatus::default();
        d.recruitment_ends = None;
        for s in &mut d.sites {
            s.status = None;
        }
        d
    };
    strip(old) != strip(new)
}

/// The stored content of a notice, as a request (for edits, which are checked whole again,
/// and for showing it).
pub fn stored_request(conn: &mut AnyConnection, row: &TrialRow) -> QueryResult<NoticeRequest> {
    let interventions = store::interventions(conn, row.id)?;
    let sites = store::sites(conn, row.id)?;
    let other_registry_ids = store::other_registry_ids(conn, row.id)?;
    let practical = store::practical(conn, row.id)?;
    Ok(as_request(
        row,
        interventions,
        sites,
        other_registry_ids,
        practical,
    ))
}

fn as_request(
    row: &TrialRow,
    interventions: Vec<(InterventionType, String)>,
    sites: Vec<store::SiteRow>,
    other_registry_ids: Vec<String>,
    practical: PracticalDetails,
) -> NoticeRequest {
    NoticeRequest {
        registry_id: row.registry_id.clone(),
        other_registry_ids,
        title: row.title.clone(),
        summary: row.summary.clone(),
        conditions: split_lines(&row.conditions),
        interventions: interventions
            .into_iter()
            .map(|(kind, name)| Intervention { kind, name })
            .collect(),
        phase: row.phase,
        recruitment_status: row.recruitment_status,
        eligibility: Eligibility {
            min_age_years: row.min_age_months.map(|m| f64::from(m) / 12.0),
            max_age_years: row.max_age_months.map(|m| f64::from(m) / 12.0),
            sex: row.sex,
            healthy_volunteers: row.healthy_volunteers,
            criteria: row.criteria.clone(),
        },
        sites: sites.into_iter().map(site_view).collect(),
        contact: Contact {
            name: row.contact_name.clone(),
            email: row.contact_email.clone(),
            phone: row.contact_phone.clone(),
        },
        sponsor: row.sponsor.clone(),
        start_date: parse_date(row.start_date.as_deref()),
        recruitment_ends: parse_date(row.recruitment_ends.as_deref()),
        source_url: row.source_url.clone(),
        practical,
        // Kept beside the notice (`precheck::service::load_into`).
        structured_criteria: StructuredCriteria::default(),
        criteria_proposed: false,
    }
}

fn site_view(s: store::SiteRow) -> Site {
    Site {
        facility: s.0,
        city: s.1,
        region: s.2,
        country: s.3,
        latitude: s.5,
        longitude: s.6,
        status: s.7,
    }
}

type Children = (
    Vec<(String, String)>,
    Vec<(InterventionType, String)>,
    Vec<SiteColumns>,
);

/// The columns and child rows of a notice's content.
pub fn columns(data: &NoticeData) -> (TrialContent, Children) {
    let plain = markdown::plain_text(&data.summary);
    let names: Vec<&str> = data.interventions.iter().map(|i| i.name.as_str()).collect();
    let places: Vec<String> = data
        .sites
        .iter()
        .map(|s| format!("{} {}", s.facility, s.city))
        .collect();
    let conditions = data.conditions.join("\n");
    let names = names.join("\n");
    let places = places.join("\n");
    let ids: Vec<&str> = std::iter::once(&data.registry)
        .chain(&data.other_registry_ids)
        .map(|r| r.id.as_str())
        .collect();
    let ids = ids.join("\n");
    let search_text = filters::notice_search_text(
        &data.title,
        &[&plain, &conditions, &names, &data.sponsor, &places, &ids],
    );
    let content = TrialContent {
        registry_id: data.registry.id.clone(),
        title: data.title.clone(),
        summary: data.summary.clone(),
        summary_html: data.summary_html.clone(),
        conditions,
        search_text,
        phase: data.phase,
        recruitment_status: data.recruitment_status,
        status_rank: data.recruitment_status.rank(),
        min_age_months: data.min_age_months,
        max_age_months: data.max_age_months,
        sex: data.sex,
        healthy_volunteers: data.healthy_volunteers,
        criteria: data.criteria.clone(),
        sponsor: data.sponsor.clone(),
        contact_name: data.contact.name.clone(),
        contact_email: data.contact.email.clone(),
        contact_phone: data.contact.phone.clone(),
        start_date: data.start_date.map(store::date_text),
        recruitment_ends: data.recruitment_ends.map(store::date_text),
        source_url: data.source_url.clone(),
    };
    let conditions = data
        .conditions
        .iter()
        .map(|c| (c.clone(), filters::condition_key(c)))
        .collect();
    let interventions = data
        .interventions
        .iter()
        .map(|i| (i.kind, i.name.clone()))
        .collect();
    let sites = data
        .sites
        .iter()
        .map(|s| SiteColumns {
            facility: s.facility.clone(),
            city: s.city.clone(),
            region: s.region.clone(),
            country: s.country.clone(),
            country_key: filters::country_key(&s.country),
            lat: s.latitude,
            lon: s.longitude,
            status: s.status,
        })
        .collect();
    (content, (conditions, interventions, sites))
}

pub fn apply_patch(req: &mut NoticeRequest, p: NoticePatch) {
    if let Some(v) = p.registry_id {
        req.registry_id = v;
    }
    if let Some(v) = p.other_registry_ids {
        req.other_registry_ids = v;
    }
    if let Some(v) = p.practical {
        req.practical = v;
    }
    if let Some(v) = p.title {
        req.title = v;
    }
    if let Some(v) = p.summary {
        req.summary = v;
    }
    if let Some(v) = p.conditions {
        req.conditions = v;
    }
    if let Some(v) = p.interventions {
        req.interventions = v;
    }
    if let Some(v) = p.phase {
        req.phase = v;
    }
    if let Some(v) = p.recruitment_status {
        req.recruitment_status = v;
    }
    if let Some(v) = p.eligibility {
        req.eligibility = v;
    }
    if let Some(v) = p.sites {
        req.sites = v;
    }
    if let Some(v) = p.contact {
        req.contact = v;
    }
    if let Some(v) = p.sponsor {
        req.sponsor = v;
    }
    if let Some(v) = p.start_date {
        req.start_date = v;
    }
    if let Some(v) = p.recruitment_ends {
        req.recruitment_ends = v;
    }
    if let Some(v) = p.source_url {
        req.source_url = v;
    }
    if let Some(v) = p.structured_criteria {
        req.structured_criteria = v;
        req.criteria_proposed = false;
    }
    if let Some(v) = p.criteria_confirmed {
        req.criteria_proposed = !v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_plausible_numbers() {
        assert!(valid_phone("+86 10 6915 6114"));
        assert!(valid_phone("(555) 123-4567"));
        assert!(!valid_phone("call me"));
        assert!(!valid_phone("123"));
    }
}
