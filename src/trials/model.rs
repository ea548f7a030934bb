//! Trial notices: the stored enums (phase, recruitment status, sex, intervention type, and the
//! lifecycle state, which lives with the permission policy that reads it), the rows the store
//! reads, and the request and response bodies of the notice endpoints. Interests, alerts and
//! coordinator applications keep their bodies beside their rules (`interest`, `alerts`,
//! `coordinators`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::{IntoParams, ToSchema};

use super::precheck::model::{Likelihood, PreCheck, StructuredCriteria};
use super::registry::Registry;
pub use crate::auth::content::NoticeState;
use crate::auth::model::Locale;
use crate::db::schema::trials;

crate::db::text_enum! {
    /// Trial phase, as the registries name them.
    #[derive(Default)]
    pub enum Phase {
        EarlyPhase1 = "early_phase1",
        Phase1 = "phase1",
        Phase1_2 = "phase1_2",
        Phase2 = "phase2",
        Phase2_3 = "phase2_3",
        Phase3 = "phase3",
        Phase4 = "phase4",
        /// Observational studies and trials without phases.
        #[default]
        NotApplicable = "not_applicable",
    }
}

crate::db::text_enum! {
    /// Recruitment status of a trial (or of one of its sites).
    #[derive(Default)]
    pub enum RecruitmentStatus {
        #[default]
        NotYetRecruiting = "not_yet_recruiting",
        Recruiting = "recruiting",
        EnrollingByInvitation = "enrolling_by_invitation",
        ActiveNotRecruiting = "active_not_recruiting",
        Suspended = "suspended",
        Completed = "completed",
        Terminated = "terminated",
        Withdrawn = "withdrawn",
    }
}

impl RecruitmentStatus {
    /// The trial is over: its notice closes.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Completed | Self::Terminated | Self::Withdrawn)
    }

    /// Listing order: recruiting notices first.
    pub fn rank(self) -> i32 {
        if self == Self::Recruiting { 0 } else { 1 }
    }

    /// Whether members may still answer the notice.
    pub fn takes_interest(self) -> bool {
        matches!(
            self,
            Self::Recruiting | Self::NotYetRecruiting | Self::EnrollingByInvitation
        )
    }
}

crate::db::text_enum! {
    /// Who a trial takes.
    #[derive(Default)]
    pub enum Sex {
        #[default]
        All = "all",
        Female = "female",
        Male = "male",
    }
}

crate::db::text_enum! {
    /// Kind of intervention (the ClinicalTrials.gov vocabulary).
    pub enum InterventionType {
        Drug = "drug",
        Device = "device",
        Biological = "biological",
        Procedure = "procedure",
        Radiation = "radiation",
        Behavioral = "behavioral",
        Genetic = "genetic",
        DietarySupplement = "dietary_supplement",
        CombinationProduct = "combination_product",
        DiagnosticTest = "diagnostic_test",
        Other = "other",
    }
}

crate::db::text_enum! {
    /// Where a member's answer to a notice stands, as its coordinator sets it.
    pub enum InterestStatus {
        New = "new",
        Contacted = "contacted",
        NotEligible = "not_eligible",
        EnrolledElsewhere = "enrolled_elsewhere",
        /// The member withdrew; their details are gone.
        Withdrawn = "withdrawn",
    }
}

crate::db::text_enum! {
    /// Where a coordinator application stands.
    pub enum ApplicationStatus {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
}

/// Whole months to years for display: whole years exactly, else two decimals.
pub fn months_to_years(months: Option<i32>) -> Option<f64> {
    months.map(|m| (f64::from(m) / 12.0 * 100.0).round() / 100.0)
}

/// Writes whole years as integers (`18`, not `18.0`).
fn whole_years<S: Serializer>(value: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(y) if y.fract() == 0.0 && y.abs() < 1e9 => s.serialize_some(&(*y as i64)),
        Some(y) => s.serialize_some(y),
        None => s.serialize_none(),
    }
}

/// For `PATCH` fields that can be cleared: absent → `None`, `null` → `Some(None)`.
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// One intervention of a trial.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Intervention {
    #[serde(rename = "type")]
    pub kind: InterventionType,
    /// 1–200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
}

/// Who may take part. Eligibility is decided by the trial's physicians; this is a guide.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Eligibility {
    /// Youngest age admitted, in years (fractions allowed: 0.5 is six months); none = no bound.
    #[serde(default, serialize_with = "whole_years")]
    #[schema(minimum = 0, maximum = 120)]
    pub min_age_years: Option<f64>,
    /// Oldest age admitted, in years; none = no bound.
    #[serde(default, serialize_with = "whole_years")]
    #[schema(minimum = 0, maximum = 120)]
    pub max_age_years: Option<f64>,
    #[serde(default)]
    pub sex: Sex,
    /// Whether people without the condition may take part.
    #[serde(default)]
    pub healthy_volunteers: bool,
    /// Inclusion and exclusion criteria as the registry words them (up to 20,000 characters).
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub criteria: String,
}

/// A place where the trial recruits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Site {
    #[schema(min_length = 1, max_length = 300)]
    pub facility: String,
    #[schema(min_length = 1, max_length = 100)]
    pub city: String,
    #[schema(max_length = 100)]
    pub region: Option<String>,
    #[schema(min_length = 2, max_length = 100)]
    pub country: String,
    /// WGS 84 degrees; give both coordinates or neither. Sites without them are not found by
    /// distance.
    #[schema(minimum = -90, maximum = 90)]
    pub latitude: Option<f64>,
    #[schema(minimum = -180, maximum = 180)]
    pub longitude: Option<f64>,
    /// The site's own recruitment status, when the registry gives one.
    pub status: Option<RecruitmentStatus>,
}

/// Whom patients' questions go to (the study team, never a member's data).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    #[schema(max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 254)]
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// What taking part asks of a patient and what the trial offers: what patients weigh most and
/// registries rarely state. Every field is optional; absent or `null` is "not stated", which is
/// not the same as "no" (`placebo_possible: false` says there is no placebo arm).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"visits": 12, "visit_minutes": 180, "remote_visits": true, "travel_support": true, "accommodation_support": false, "compensation": true, "placebo_possible": false, "treatment_weeks": 4, "notes": "Two nights in hospital for the infusion."}))]
pub struct PracticalDetails {
    /// How many visits to a site taking part asks for, 1–500.
    #[schema(minimum = 1, maximum = 500)]
    pub visits: Option<i32>,
    /// How long a visit usually lasts, in minutes (5–2,880).
    #[schema(minimum = 5, maximum = 2880)]
    pub visit_minutes: Option<i32>,
    /// Some visits can be done remotely (video call, home visit, local laboratory).
    pub remote_visits: Option<bool>,
    /// Travel costs are paid or reimbursed.
    pub travel_support: Option<bool>,
    /// A place to stay is paid or provided.
    pub accommodation_support: Option<bool>,
    /// Participants are paid for their time.
    pub compensation: Option<bool>,
    /// A participant may receive a placebo; `false`: everyone receives the treatment studied.
    pub placebo_possible: Option<bool>,
    /// How long the treatment phase lasts, in weeks (1–520), follow-up not counted.
    #[schema(minimum = 1, maximum = 520)]
    pub treatment_weeks: Option<i32>,
    /// Anything else a patient should know to plan, up to 1,000 characters.
    #[schema(max_length = 1000)]
    pub notes: Option<String>,
}

/// One registry id of a notice.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct RegistryIdView {
    pub registry: Registry,
    pub id: String,
}

/// A new draft notice.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[schema(example = json!({
    "registry_id": "NCT06121297",
    "title": "CD19 CAR-T cell therapy for active systemic lupus erythematosus",
    "summary": "An open-label study of an autologous **CD19 CAR-T** cell therapy in adults with SLE.",
    "conditions": ["Systemic Lupus Erythematosus", "Lupus Nephritis"],
    "interventions": [{"type": "biological", "name": "CABA-201"}],
    "phase": "phase1_2",
    "recruitment_status": "recruiting",
    "eligibility": {"min_age_years": 18, "max_age_years": 65, "sex": "all", "healthy_volunteers": false, "criteria": "Inclusion Criteria: ..."},
    "sites": [{"facility": "Peking Union Medical College Hospital", "city": "Beijing", "country": "China", "latitude": 39.9127, "longitude": 116.4168, "status": "recruiting"}],
    "contact": {"name": "Study team", "email": "trials@example.org"},
    "sponsor": "Cabaletta Bio",
    "start_date": "2024-01-15",
    "recruitment_ends": "2026-12-31"
}))]
pub struct NoticeRequest {
    /// NCT, ChiCTR (new or old form), EU CT or EudraCT number.
    pub registry_id: String,
    /// The same trial's ids in other registries (up to 10, each in one of the formats of
    /// `registry_id`); searching any of them finds the notice.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub other_registry_ids: Vec<String>,
    /// 5–300 characters.
    #[schema(min_length = 5, max_length = 300)]
    pub title: String,
    /// Markdown, up to 20,000 characters; rendered and sanitised like posts.
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub summary: String,
    /// Up to 20, each 2–200 characters.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub conditions: Vec<String>,
    /// Up to 30.
    #[serde(default)]
    #[schema(max_items = 30)]
    pub interventions: Vec<Intervention>,
    /// Default `not_applicable`.
    #[serde(default)]
    pub phase: Phase,
    /// Default `not_yet_recruiting`.
    #[serde(default)]
    pub recruitment_status: RecruitmentStatus,
    #[serde(default, deserialize_with = "crate::http::json::object")]
    pub eligibility: Eligibility,
    /// Up to 500.
    #[serde(default)]
    #[schema(max_items = 500)]
    pub sites: Vec<Site>,
    #[serde(default, deserialize_with = "crate::http::json::object")]
    pub contact: Contact,
    /// Up to 300 characters.
    #[serde(default)]
    #[schema(max_length = 300)]
    pub sponsor: String,
    pub start_date: Option<NaiveDate>,
    /// The notice closes by itself once this day has passed.
    pub recruitment_ends: Option<NaiveDate>,
    /// An `http(s)` page about the trial (defaults to the registry record when known).
    #[schema(max_length = 500)]
    pub source_url: Option<String>,
    #[serde(default, deserialize_with = "crate::http::json::object")]
    pub practical: PracticalDetails,
    /// Conditions and prior treatments the trial requires or excludes, beside the criteria in
    /// words: what a member's private pre-check compares with her health profile.
    #[serde(default)]
    pub structured_criteria: StructuredCriteria,
    /// Set by the import when it proposed the structured criteria from the registry's text:
    /// they wait for the coordinator's confirmation.
    #[serde(skip)]
    pub criteria_proposed: bool,
}

/// Changes to a notice; absent fields stay as they are. Changing anything but the recruitment
/// status and end date of a published notice sends it back to review.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NoticePatch {
    pub registry_id: Option<String>,
    /// Replaces the whole list.
    #[schema(max_items = 10)]
    pub other_registry_ids: Option<Vec<String>>,
    /// Replaces all the practical details.
    #[serde(default, deserialize_with = "crate::http::json::optional_object")]
    pub practical: Option<PracticalDetails>,
    #[schema(min_length = 5, max_length = 300)]
    pub title: Option<String>,
    #[schema(max_length = 20000)]
    pub summary: Option<String>,
    #[schema(max_items = 20)]
    pub conditions: Option<Vec<String>>,
    #[schema(max_items = 30)]
    pub interventions: Option<Vec<Intervention>>,
    pub phase: Option<Phase>,
    /// `completed`, `terminated` or `withdrawn` close a published notice.
    pub recruitment_status: Option<RecruitmentStatus>,
    /// Replaces the whole eligibility.
    #[serde(default, deserialize_with = "crate::http::json::optional_object")]
    pub eligibility: Option<Eligibility>,
    /// Replaces the whole list.
    #[schema(max_items = 500)]
    pub sites: Option<Vec<Site>>,
    #[serde(default, deserialize_with = "crate::http::json::optional_object")]
    pub contact: Option<Contact>,
    #[schema(max_length = 300)]
    pub sponsor: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<NaiveDate>)]
    pub start_date: Option<Option<NaiveDate>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<NaiveDate>)]
    pub recruitment_ends: Option<Option<NaiveDate>>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub source_url: Option<Option<String>>,
    /// Replaces the whole structured criteria, which confirms them.
    pub structured_criteria: Option<StructuredCriteria>,
    /// `true` confirms the structured criteria an import proposed (`false` asks for a check
    /// again).
    pub criteria_confirmed: Option<bool>,
}

/// Closing a published notice.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CloseRequest {
    /// Shown on the notice; up to 500 characters.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// The coordinator who owns a notice, as everyone may see them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoordinatorSummary {
    pub id: i64,
    pub display_name: String,
}

/// The caller's own answer to a notice.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyInterest {
    pub id: i64,
    pub trial_id: i64,
    pub status: InterestStatus,
    pub message: Option<String>,
    pub share_email: bool,
    pub share_phone: Option<String>,
    /// She is also told by email of her answer's status and the trial's recruitment.
    pub email_updates: bool,
    /// The private pre-check she attached to her answer, as it was then.
    pub pre_check: Option<PreCheck>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A notice with everything about it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notice {
    pub id: i64,
    pub registry_id: String,
    pub registry: Registry,
    /// Every registry id of the trial, `registry_id` first.
    pub registry_ids: Vec<RegistryIdView>,
    pub title: String,
    /// Markdown as written.
    pub summary: String,
    /// The summary rendered to sanitised HTML.
    pub summary_html: String,
    pub conditions: Vec<String>,
    pub interventions: Vec<Intervention>,
    pub phase: Phase,
    pub recruitment_status: RecruitmentStatus,
    /// `closed` also once `recruitment_ends` has passed.
    pub state: NoticeState,
    pub eligibility: Eligibility,
    pub sites: Vec<Site>,
    pub contact: Contact,
    pub sponsor: String,
    pub start_date: Option<NaiveDate>,
    pub recruitment_ends: Option<NaiveDate>,
    pub source_url: Option<String>,
    pub practical: PracticalDetails,
    /// The practical details stated, as sentences in the caller's language
    /// (`disclaimer_locale`), for clients to show as they are.
    pub practical_summary: Vec<String>,
    /// Conditions and prior treatments the trial requires or excludes.
    pub structured_criteria: StructuredCriteria,
    /// `false` while structured criteria an import proposed wait for the coordinator's
    /// confirmation (a notice cannot be submitted for review until then).
    pub criteria_confirmed: bool,
    pub coordinator: CoordinatorSummary,
    /// Demonstration data (`butterfly seed --demo`), not a real recruitment notice.
    pub demo: bool,
    /// Why a reviewer sent the notice back (its coordinator, admins and moderators only).
    pub review_note: Option<String>,
    pub closed_reason: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The caller's own answer, if any.
    pub my_interest: Option<MyInterest>,
    /// Health-education disclaimer, in the caller's language.
    pub disclaimer: String,
    pub disclaimer_locale: Locale,
}

/// Eligibility as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilitySummary {
    #[serde(serialize_with = "whole_years")]
    pub min_age_years: Option<f64>,
    #[serde(serialize_with = "whole_years")]
    pub max_age_years: Option<f64>,
    pub sex: Sex,
    pub healthy_volunteers: bool,
}

/// The site closest to the searched point.
#[derive(Debug, Serialize, ToSchema)]
pub struct NearestSite {
    pub facility: String,
    pub city: String,
    pub country: String,
    /// Great-circle distance, rounded to 0.1 km.
    pub distance_km: f64,
}

/// A notice as lists show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeSummary {
    pub id: i64,
    pub registry_id: String,
    pub title: String,
    pub conditions: Vec<String>,
    pub phase: Phase,
    pub recruitment_status: RecruitmentStatus,
    pub state: NoticeState,
    pub eligibility: EligibilitySummary,
    pub sponsor: String,
    pub recruitment_ends: Option<NaiveDate>,
    pub published_at: Option<DateTime<Utc>>,
    pub demo: bool,
    /// With `near`: the closest site in range.
    pub nearest_site: Option<NearestSite>,
    /// With `pre_check` or `sort=pre_check`: how the notice looks against the caller's own
    /// health profile (see `GET /api/v1/trials/{id}/pre-check` for why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_check: Option<Likelihood>,
}

/// `GET /api/v1/trials`: every filter is optional and they combine.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct TrialSearchQuery {
    /// Words to find in English or Chinese (title, summary, conditions, interventions,
    /// sponsor); every word must match.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Part of a condition's name, e.g. `lupus` or `狼疮`.
    #[param(max_length = 200)]
    pub condition: Option<String>,
    /// One phase or several, comma-separated (`phase1_2,phase2`).
    pub phase: Option<String>,
    /// One recruitment status or several, comma-separated.
    pub status: Option<String>,
    /// Country of a site, e.g. `China` (case-insensitive).
    #[param(max_length = 100)]
    pub country: Option<String>,
    /// `LAT,LON` in degrees: only notices with a site within `radius_km`, nearest first.
    pub near: Option<String>,
    /// With `near`: 1–1000, default 50.
    #[param(exclusive_minimum = 0, maximum = 1000)]
    pub radius_km: Option<f64>,
    /// Age in years the trial must admit.
    #[param(minimum = 0, maximum = 120)]
    pub age: Option<i32>,
    /// `female` or `male`: trials open to that sex (`all` means no filter).
    #[param(pattern = r"^\s*(all|female|male)?\s*$")]
    pub sex: Option<String>,
    /// Practical details the trial must state, comma-separated: `travel_support`,
    /// `accommodation_support`, `compensation`, `remote_visits`, `no_placebo`.
    pub practical: Option<String>,
    /// Signed-in members with a health profile: only notices whose private pre-check is at
    /// least this good (`likely`; `unclear` = likely or unclear; `unlikely` = all). Visitors
    /// get 401, members without a profile 409; not with `near` (422). Judged on at most the
    /// first 1,000 notices matching the other filters.
    #[param(pattern = r"^\s*(likely|unclear|unlikely)?\s*$")]
    pub pre_check: Option<String>,
    /// `pre_check` (signed-in members with a health profile): likely first, then unclear, then
    /// unlikely, each in the default order. Same rules as `pre_check`.
    #[param(pattern = r"^\s*(pre_check)?\s*$")]
    pub sort: Option<String>,
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MinePageQuery {
    pub cursor: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<i64>,
}

/// A `trials` row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = trials)]
pub struct TrialRow {
    pub id: i64,
    pub coordinator_id: i64,
    pub registry_id: String,
    pub title: String,
    pub summary: String,
    pub summary_html: String,
    pub conditions: String,
    pub search_text: String,
    pub phase: Phase,
    pub recruitment_status: RecruitmentStatus,
    pub state: NoticeState,
    pub min_age_months: Option<i32>,
    pub max_age_months: Option<i32>,
    pub sex: Sex,
    pub healthy_volunteers: bool,
    pub criteria: String,
    pub sponsor: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub start_date: Option<String>,
    pub recruitment_ends: Option<String>,
    pub source_url: Option<String>,
    pub review_note: Option<String>,
    pub closed_reason: Option<String>,
    pub demo: bool,
    pub published_at: Option<NaiveDateTime>,
    pub closed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The columns lists need.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = trials)]
pub struct SummaryRow {
    pub id: i64,
    pub registry_id: String,
    pub title: String,
    pub conditions: String,
    pub phase: Phase,
    pub recruitment_status: RecruitmentStatus,
    pub status_rank: i32,
    pub state: NoticeState,
    pub min_age_months: Option<i32>,
    pub max_age_months: Option<i32>,
    pub sex: Sex,
    pub healthy_volunteers: bool,
    pub sponsor: String,
    pub recruitment_ends: Option<String>,
    pub demo: bool,
    pub published_at: Option<NaiveDateTime>,
}

/// Reads an ISO date column.
pub fn parse_date(value: Option<&str>) -> Option<NaiveDate> {
    value.and_then(|v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
}

/// The state a notice is in today: a published notice whose recruitment end date has passed
/// is closed, even before the expiry sweep has written it down.
pub fn effective_state(
    stored: NoticeState,
    recruitment_ends: Option<&str>,
    today: NaiveDate,
) -> NoticeState {
    let ended = parse_date(recruitment_ends).is_some_and(|d| d < today);
    if stored == NoticeState::Published && ended {
        NoticeState::Closed
    } else {
        stored
    }
}

/// Splits the stored display list of conditions.
pub fn split_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

impl NoticeSummary {
    pub fn from_row(row: SummaryRow, today: NaiveDate, nearest_site: Option<NearestSite>) -> Self {
        Self {
            id: row.id,
            state: effective_state(row.state, row.recruitment_ends.as_deref(), today),
            registry_id: row.registry_id,
            title: row.title,
            conditions: split_lines(&row.conditions),
            phase: row.phase,
            recruitment_status: row.recruitment_status,
            eligibility: EligibilitySummary {
                min_age_years: months_to_years(row.min_age_months),
                max_age_years: months_to_years(row.max_age_months),
                sex: row.sex,
                healthy_volunteers: row.healthy_volunteers,
            },
            sponsor: row.sponsor,
            recruitment_ends: parse_date(row.recruitment_ends.as_deref()),
            published_at: row.published_at.map(crate::db::utc),
            demo: row.demo,
            nearest_site,
            pre_check: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_as_whole_years_when_they_are() {
        assert_eq!(months_to_years(Some(216)), Some(18.0));
        assert_eq!(months_to_years(Some(6)), Some(0.5));
        assert_eq!(months_to_years(None), None);
        let e = EligibilitySummary {
            min_age_years: Some(18.0),
            max_age_years: Some(0.5),
            sex: Sex::All,
            healthy_volunteers: false,
        };
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["min_age_years"], serde_json::json!(18));
        assert_eq!(json["max_age_years"], serde_json::json!(0.5));
    }

    #[test]
    fn a_published_notice_past_its_end_date_reads_as_closed() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        assert_eq!(
            effective_state(NoticeState::Published, Some("2026-02-28"), today),
            NoticeState::Closed
        );
        assert_eq!(
            effective_state(NoticeState::Published, Some("2026-03-01"), today),
            NoticeState::Published
        );
        assert_eq!(
            effective_state(NoticeState::Draft, Some("2020-01-01"), today),
            NoticeState::Draft
        );
    }

    #[test]
    fn every_stored_enum_is_named_alike_on_the_wire_in_the_schema_and_in_the_column() {
        use crate::trials::details::PracticalNeed;
        fn check<T: Serialize + utoipa::PartialSchema + Copy>(
            all: &[T],
            as_str: fn(T) -> &'static str,
        ) {
            let schema = serde_json::to_value(T::schema()).unwrap();
            let documented: Vec<String> = serde_json::from_value(schema["enum"].clone())
                .unwrap_or_else(|_| panic!("not an enum schema: {schema}"));
            let wire: Vec<String> = all
                .iter()
                .map(|v| {
                    serde_json::to_value(v)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_owned()
                })
                .collect();
            let column: Vec<String> = all.iter().map(|v| as_str(*v).to_owned()).collect();
            assert_eq!(documented, wire);
            assert_eq!(column, wire);
        }
        check(Phase::ALL, Phase::as_str);
        check(RecruitmentStatus::ALL, RecruitmentStatus::as_str);
        check(NoticeState::ALL, NoticeState::as_str);
        check(Sex::ALL, Sex::as_str);
        check(InterventionType::ALL, InterventionType::as_str);
        check(InterestStatus::ALL, InterestStatus::as_str);
        check(ApplicationStatus::ALL, ApplicationStatus::as_str);
        check(PracticalNeed::ALL, PracticalNeed::as_str);
        use crate::trials::precheck::model::{
            Condition, CriterionKind, Likelihood, NephritisClass, PregnancyPlans, ProfileSex,
            QuoteSource, Treatment,
        };
        check(Treatment::ALL, Treatment::as_str);
        check(Condition::ALL, Condition::as_str);
        check(NephritisClass::ALL, NephritisClass::as_str);
        check(ProfileSex::ALL, ProfileSex::as_str);
        check(PregnancyPlans::ALL, PregnancyPlans::as_str);
        check(Likelihood::ALL, Likelihood::as_str);
        check(CriterionKind::ALL, CriterionKind::as_str);
        check(QuoteSource::ALL, QuoteSource::as_str);
    }

    #[test]
    fn patch_tells_null_from_absent() {
        let p: NoticePatch = serde_json::from_str(r#"{"recruitment_ends": null}"#).unwrap();
        assert_eq!(p.recruitment_ends, Some(None));
        assert_eq!(p.start_date, None);
        let p: NoticePatch = serde_json::from_str(r#"{"start_date": "2026-01-02"}"#).unwrap();
        assert_eq!(p.start_date, Some(NaiveDate::from_ymd_opt(2026, 1, 2)));
    }
}
