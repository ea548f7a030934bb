//! The pre-check's vocabulary and bodies: the closed lists (treatments, conditions a notice can
//! require or exclude, nephritis classes, pregnancy plans), a member's health profile as she
//! writes and reads it, a notice's structured criteria, and the pre-check answer.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::model::Locale;
use crate::db::schema::health_profiles;

crate::db::text_enum! {
    /// Lupus treatments, the closed list a profile and a notice's criteria name.
    pub enum Treatment {
        Hydroxychloroquine = "hydroxychloroquine",
        /// Prednisone, prednisolone, methylprednisolone and the like.
        Glucocorticoids = "glucocorticoids",
        /// Mycophenolate mofetil or mycophenolic acid.
        Mycophenolate = "mycophenolate",
        Cyclophosphamide = "cyclophosphamide",
        Azathioprine = "azathioprine",
        Belimumab = "belimumab",
        Anifrolumab = "anifrolumab",
        Rituximab = "rituximab",
        /// CAR-T cell therapy.
        CarT = "car_t",
    }
}

impl Treatment {
    /// How people write it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Hydroxychloroquine => "hydroxychloroquine",
            Self::Glucocorticoids => "glucocorticoids",
            Self::Mycophenolate => "mycophenolate",
            Self::Cyclophosphamide => "cyclophosphamide",
            Self::Azathioprine => "azathioprine",
            Self::Belimumab => "belimumab",
            Self::Anifrolumab => "anifrolumab",
            Self::Rituximab => "rituximab",
            Self::CarT => "CAR-T cell therapy",
        }
    }
}

crate::db::text_enum! {
    /// A condition a notice can require or exclude: few, and only ones a profile can speak
    /// to or the member should be asked about.
    pub enum Condition {
        /// Lupus nephritis of any class.
        LupusNephritis = "lupus_nephritis",
        NephritisClassI = "nephritis_class_i",
        NephritisClassII = "nephritis_class_ii",
        NephritisClassIII = "nephritis_class_iii",
        NephritisClassIV = "nephritis_class_iv",
        NephritisClassV = "nephritis_class_v",
        NephritisClassVI = "nephritis_class_vi",
        /// Active central nervous system (neuropsychiatric) lupus.
        ActiveCnsLupus = "active_cns_lupus",
        /// Pregnant or breastfeeding.
        PregnancyOrBreastfeeding = "pregnancy_or_breastfeeding",
        /// Any autoimmune disease, lupus included (vaccine and healthy-volunteer trials).
        AutoimmuneDisease = "autoimmune_disease",
        /// An autoimmune disease besides lupus (overlap syndromes, rheumatoid arthritis…).
        OtherAutoimmuneDisease = "other_autoimmune_disease",
    }
}

impl Condition {
    /// The nephritis class this condition names, if it is one.
    pub fn nephritis_class(self) -> Option<NephritisClass> {
        Some(match self {
            Self::NephritisClassI => NephritisClass::ClassI,
            Self::NephritisClassII => NephritisClass::ClassII,
            Self::NephritisClassIII => NephritisClass::ClassIII,
            Self::NephritisClassIV => NephritisClass::ClassIV,
            Self::NephritisClassV => NephritisClass::ClassV,
            Self::NephritisClassVI => NephritisClass::ClassVI,
            _ => return None,
        })
    }

    /// How a sentence names it.
    pub fn label(self) -> &'static str {
        match self {
            Self::LupusNephritis => "lupus nephritis",
            Self::NephritisClassI => "lupus nephritis class I",
            Self::NephritisClassII => "lupus nephritis class II",
            Self::NephritisClassIII => "lupus nephritis class III",
            Self::NephritisClassIV => "lupus nephritis class IV",
            Self::NephritisClassV => "lupus nephritis class V",
            Self::NephritisClassVI => "lupus nephritis class VI",
            Self::ActiveCnsLupus => "active central nervous system lupus",
            Self::PregnancyOrBreastfeeding => "pregnancy or breastfeeding",
            Self::AutoimmuneDisease => "an autoimmune disease (lupus included)",
            Self::OtherAutoimmuneDisease => "an autoimmune disease other than lupus",
        }
    }
}

crate::db::text_enum! {
    /// ISN/RPS class of lupus nephritis.
    pub enum NephritisClass {
        ClassI = "I",
        ClassII = "II",
        ClassIII = "III",
        ClassIV = "IV",
        ClassV = "V",
        ClassVI = "VI",
    }
}

impl NephritisClass {
    /// The condition naming this class.
    pub fn condition(self) -> Condition {
        match self {
            Self::ClassI => Condition::NephritisClassI,
            Self::ClassII => Condition::NephritisClassII,
            Self::ClassIII => Condition::NephritisClassIII,
            Self::ClassIV => Condition::NephritisClassIV,
            Self::ClassV => Condition::NephritisClassV,
            Self::ClassVI => Condition::NephritisClassVI,
        }
    }
}

crate::db::text_enum! {
    /// Sex as a trial's criteria read it.
    pub enum ProfileSex {
        Female = "female",
        Male = "male",
    }
}

crate::db::text_enum! {
    /// Pregnancy plans.
    pub enum PregnancyPlans {
        /// Not pregnant, not breastfeeding, no plans.
        NoPlans = "none",
        Planning = "planning",
        Pregnant = "pregnant",
        Breastfeeding = "breastfeeding",
        Unsure = "unsure",
    }
}

crate::db::text_enum! {
    /// How a criterion, or a whole notice, looks for the member.
    pub enum Likelihood {
        Likely = "likely",
        Unclear = "unclear",
        Unlikely = "unlikely",
    }
}

impl Likelihood {
    /// Best first: `likely` 0, `unclear` 1, `unlikely` 2.
    pub fn rank(self) -> i32 {
        match self {
            Self::Likely => 0,
            Self::Unclear => 1,
            Self::Unlikely => 2,
        }
    }
}

/// `PUT /me/health-profile`: the whole profile (absent fields are left unsaid). Only she reads
/// it; it is in her export and goes with her account.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[schema(example = json!({
    "birth_year": 1992, "sex": "female", "diagnosis_year": 2019, "lupus_nephritis": true,
    "nephritis_class": "IV", "current_treatments": ["hydroxychloroquine", "mycophenolate"],
    "past_treatments": ["cyclophosphamide"], "pregnancy_plans": "none", "country": "China",
    "city": "Beijing"
}))]
pub struct HealthProfileRequest {
    /// Between 120 years ago and this year.
    pub birth_year: Option<i32>,
    pub sex: Option<ProfileSex>,
    /// Not before the year of birth, not after this year.
    pub diagnosis_year: Option<i32>,
    /// `null`: she does not know or does not say.
    pub lupus_nephritis: Option<bool>,
    /// Only with `lupus_nephritis: true`.
    pub nephritis_class: Option<NephritisClass>,
    /// From the closed list (up to 9); one named twice is kept once.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub current_treatments: Vec<Treatment>,
    /// From the closed list (up to 9); one named twice is kept once.
    #[serde(default)]
    #[schema(max_items = 9)]
    pub past_treatments: Vec<Treatment>,
    pub pregnancy_plans: Option<PregnancyPlans>,
    /// A country as trial sites name it (`China`, `United States`), 2–100 characters.
    #[schema(min_length = 2, max_length = 100)]
    pub country: Option<String>,
    /// Up to 100 characters.
    #[schema(max_length = 100)]
    pub city: Option<String>,
}

/// Her health profile, as she reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct HealthProfile {
    pub birth_year: Option<i32>,
    pub sex: Option<ProfileSex>,
    pub diagnosis_year: Option<i32>,
    pub lupus_nephritis: Option<bool>,
    pub nephritis_class: Option<NephritisClass>,
    pub current_treatments: Vec<Treatment>,
    pub past_treatments: Vec<Treatment>,
    pub pregnancy_plans: Option<PregnancyPlans>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A `health_profiles` row (treatments space-separated).
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = health_profiles, treat_none_as_null = true)]
pub struct ProfileRow {
    pub user_id: i64,
    pub birth_year: Option<i32>,
    pub sex: Option<ProfileSex>,
    pub diagnosis_year: Option<i32>,
    pub lupus_nephritis: Option<bool>,
    pub nephritis_class: Option<NephritisClass>,
    pub current_treatments: String,
    pub past_treatments: String,
    pub pregnancy_plans: Option<PregnancyPlans>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// Names from a closed list, space-separated as stored; unknown names are skipped.
pub fn read_names<T>(text: &str, parse: fn(&str) -> Option<T>) -> Vec<T> {
    text.split_whitespace().filter_map(parse).collect()
}

/// Names as stored.
pub fn write_names<T: Copy>(items: &[T], name: fn(T) -> &'static str) -> String {
    items.iter().map(|i| name(*i)).collect::<Vec<_>>().join(" ")
}

impl From<ProfileRow> for HealthProfile {
    fn from(r: ProfileRow) -> Self {
        Self {
            birth_year: r.birth_year,
            sex: r.sex,
            diagnosis_year: r.diagnosis_year,
            lupus_nephritis: r.lupus_nephritis,
            nephritis_class: r.nephritis_class,
            current_treatments: read_names(&r.current_treatments, Treatment::parse),
            past_treatments: read_names(&r.past_treatments, Treatment::parse),
            pregnancy_plans: r.pregnancy_plans,
            country: r.country,
            city: r.city,
            created_at: crate::db::utc(r.created_at),
            updated_at: crate::db::utc(r.updated_at),
        }
    }
}

/// A notice's structured criteria beside its free text. Nephritis classes listed together are
/// alternatives ("class III or IV"); every other item counts on its own.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct StructuredCriteria {
    #[serde(default)]
    pub required_conditions: Vec<Condition>,
    #[serde(default)]
    pub excluded_conditions: Vec<Condition>,
    /// Treatments the participant must have had (now or before).
    #[serde(default)]
    pub required_treatments: Vec<Treatment>,
    /// Treatments that keep a participant out (now or before).
    #[serde(default)]
    pub excluded_treatments: Vec<Treatment>,
}

impl StructuredCriteria {
    pub fn is_empty(&self) -> bool {
        self.required_conditions.is_empty()
            && self.excluded_conditions.is_empty()
            && self.required_treatments.is_empty()
            && self.excluded_treatments.is_empty()
    }
}

crate::db::text_enum! {
    /// What a criterion of the pre-check is about.
    pub enum CriterionKind {
        Age = "age",
        Sex = "sex",
        RequiredCondition = "required_condition",
        ExcludedCondition = "excluded_condition",
        RequiredTreatment = "required_treatment",
        ExcludedTreatment = "excluded_treatment",
        /// The notice's criteria in words, when it states no structured ones.
        OtherCriteria = "other_criteria",
    }
}

crate::db::text_enum! {
    /// Where a quoted criterion comes from.
    pub enum QuoteSource {
        /// A sentence of the notice's criteria as the registry words them.
        CriteriaText = "criteria_text",
        /// The notice's structured criteria (no sentence of the text was found).
        Structured = "structured",
    }
}

/// One criterion judged against her profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CriterionCheck {
    pub kind: CriterionKind,
    pub verdict: Likelihood,
    /// The criterion judged, quoted.
    pub quote: String,
    pub quote_source: QuoteSource,
    /// Why, in a sentence.
    pub reason: String,
}

/// `GET /trials/{id}/pre-check`: how the notice's criteria look against her profile. Computed
/// when asked, never stored, unless she attaches it to her answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct PreCheck {
    pub trial_id: i64,
    /// Any `unlikely` criterion makes it `unlikely`; else any `unclear` one `unclear`; else
    /// `likely`.
    pub verdict: Likelihood,
    pub criteria: Vec<CriterionCheck>,
    /// Only the trial team decides eligibility.
    pub disclaimer: String,
    pub disclaimer_locale: Locale,
    pub checked_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_nephritis_class_is_a_condition_and_back() {
        for class in NephritisClass::ALL {
            assert_eq!(class.condition().nephritis_class(), Some(*class));
        }
        assert_eq!(Condition::LupusNephritis.nephritis_class(), None);
    }
}
