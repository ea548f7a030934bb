//! The pre-check itself: a notice's criteria against her profile, criterion by criterion,
//! with no database and no clock of its own (the year is given), so that the search, the
//! endpoint and an answer's attachment judge alike.
//!
//! - Age: only her year of birth is known, so she is one of two ages this year; a criterion
//!   that admits both is `likely`, neither `unlikely`, one of them `unclear`. The bounds are
//!   read as the search reads them (an age of N years is N×12 to N×12+11 months).
//! - Sex, nephritis and its class, pregnancy: from the profile; what she left unsaid is
//!   `unclear`. Nephritis classes required together are alternatives.
//! - Treatments: "had" means listed as current or past. With no treatment listed at all the
//!   answer is `unclear`, never `unlikely`.
//! - Active CNS lupus and another autoimmune disease are not in the profile: `unclear`.
//! - A notice without structured criteria (or whose proposed ones are not confirmed yet)
//!   adds one `unclear` criterion quoting its criteria in words: only the team can read them.
//!
//! Overall: any `unlikely` → `unlikely`; else any `unclear` → `unclear`; else `likely`.

use super::model::{
    Condition, CriterionCheck, CriterionKind, HealthProfile, Likelihood, NephritisClass,
    PregnancyPlans, ProfileSex, QuoteSource, StructuredCriteria, Treatment,
};
use super::text::{self, Section};
use crate::trials::model::{Sex, months_to_years};

/// What the pre-check reads of a notice.
#[derive(Clone, Debug, Default)]
pub struct NoticeCriteria {
    pub min_age_months: Option<i32>,
    pub max_age_months: Option<i32>,
    pub sex: Sex,
    /// The criteria in words (may be left empty where only the verdict is needed: quotes then
    /// fall back to the structured statement).
    pub text: String,
    pub structured: StructuredCriteria,
    pub confirmed: bool,
}

use Likelihood::{Likely, Unclear, Unlikely};

/// The overall verdict of criteria.
pub fn overall(checks: &[CriterionCheck]) -> Likelihood {
    checks
        .iter()
        .map(|c| c.verdict)
        .max_by_key(|v| v.rank())
        .unwrap_or(Unclear)
}

struct Judge<'a> {
    notice: &'a NoticeCriteria,
    out: Vec<CriterionCheck>,
}

impl<'a> Judge<'a> {
    fn add(
        &mut self,
        kind: CriterionKind,
        verdict: Likelihood,
        found: Option<&str>,
        statement: String,
        reason: impl Into<String>,
    ) {
        let (quote, quote_source) = match found {
            Some(q) => (q.to_owned(), QuoteSource::CriteriaText),
            None => (statement, QuoteSource::Structured),
        };
        self.out.push(CriterionCheck {
            kind,
            verdict,
            quote,
            quote_source,
            reason: reason.into(),
        });
    }

    fn quote(&self, section: Section, matches: impl Fn(&str) -> bool) -> Option<&'a str> {
        let notice: &'a NoticeCriteria = self.notice;
        text::quote(&notice.text, section, matches)
    }
}

fn years(months: i32) -> String {
    match months_to_years(Some(months)) {
        Some(y) if y.fract() == 0.0 => format!("{}", y as i64),
        Some(y) => format!("{y}"),
        None => String::new(),
    }
}

/// Whether a notice admits someone aged `age` whole years.
fn admits(n: &NoticeCriteria, age: i32) -> bool {
    let (low, high) = crate::trials::filters::age_months(age);
    n.min_age_months.is_none_or(|m| m <= high) && n.max_age_months.is_none_or(|m| m >= low)
}

fn list<T: Copy>(items: &[T], label: fn(T) -> &'static str, joiner: &str) -> String {
    let names: Vec<&str> = items.iter().map(|i| label(*i)).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} {joiner} {last}", init.join(", ")),
    }
}

/// Judges the notice's criteria against her profile in `year`.
pub fn judge(notice: &NoticeCriteria, profile: &HealthProfile, year: i32) -> Vec<CriterionCheck> {
    let mut j = Judge {
        notice,
        out: Vec::new(),
    };
    age(&mut j, profile, year);
    sex(&mut j, profile);
    if notice.confirmed && !notice.structured.is_empty() {
        let s = &notice.structured;
        required_classes(&mut j, profile, s);
        for c in &s.required_conditions {
            if c.nephritis_class().is_none() {
                condition(&mut j, profile, *c, true);
            }
        }
        for c in &s.excluded_conditions {
            condition(&mut j, profile, *c, false);
        }
        for t in &s.required_treatments {
            treatment(&mut j, profile, *t, true);
        }
        for t in &s.excluded_treatments {
            treatment(&mut j, profile, *t, false);
        }
    } else {
        let words = notice.text.trim();
        let (found, statement) = if words.is_empty() {
            (
                None,
                "This notice states no criteria beyond age and sex.".to_owned(),
            )
        } else {
            (Some(cut(words, 500)), String::new())
        };
        j.add(
            CriterionKind::OtherCriteria,
            Unclear,
            found,
            statement,
            "this notice has no structured criteria about conditions or treatments to compare \
             with your profile: only the trial team can judge its criteria",
        );
    }
    j.out
}

fn cut(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

fn age(j: &mut Judge<'_>, p: &HealthProfile, year: i32) {
    let n = j.notice;
    if n.min_age_months.is_none() && n.max_age_months.is_none() {
        return;
    }
    let statement = match (n.min_age_months, n.max_age_months) {
        (Some(lo), Some(hi)) => format!("Ages {} to {} years", years(lo), years(hi)),
        (Some(lo), None) => format!("Aged {} years or older", years(lo)),
        (None, Some(hi)) => format!("Aged up to {} years", years(hi)),
        (None, None) => String::new(),
    };
    let found = j.quote(Section::Inclusion, |l| {
        let l = l.to_lowercase();
        l.contains("age") && l.contains("year")
    });
    let Some(born) = p.birth_year else {
        j.add(
            CriterionKind::Age,
            Unclear,
            found,
            statement,
            "your profile does not give your year of birth",
        );
        return;
    };
    let (younger, older) = (year - born - 1, year - born);
    let (verdict, reason) = match (admits(n, younger), admits(n, older)) {
        (true, true) => (
            Likely,
            format!("born in {born}, you are {younger} or {older}: both ages are admitted"),
        ),
        (false, false) => (
            Unlikely,
            format!("born in {born}, you are {younger} or {older}: neither age is admitted"),
        ),
        _ => (
            Unclear,
            format!(
                "born in {born}, you are {younger} or {older} depending on your birthday: only one of these ages is admitted"
            ),
        ),
    };
    j.add(CriterionKind::Age, verdict, found, statement, reason);
}

fn sex(j: &mut Judge<'_>, p: &HealthProfile) {
    let wanted = match j.notice.sex {
        Sex::All => return,
        Sex::Female => ProfileSex::Female,
        Sex::Male => ProfileSex::Male,
    };
    let statement = format!(
        "{} participants only",
        match wanted {
            ProfileSex::Female => "Female",
            ProfileSex::Male => "Male",
        }
    );
    let (verdict, reason) = match p.sex {
        None => (Unclear, "your profile does not say your sex"),
        Some(s) if s == wanted => (Likely, "your profile matches"),
        Some(_) => (Unlikely, "this trial takes participants of the other sex"),
    };
    j.add(CriterionKind::Sex, verdict, None, statement, reason);
}

fn required_classes(j: &mut Judge<'_>, p: &HealthProfile, s: &StructuredCriteria) {
    let classes: Vec<NephritisClass> = s
        .required_conditions
        .iter()
        .filter_map(|c| c.nephritis_class())
        .collect();
    if classes.is_empty() {
        return;
    }
    let statement = format!(
        "Requires lupus nephritis class {}",
        list(&classes, NephritisClass::as_str, "or")
    );
    let found = j.quote(Section::Inclusion, |l| {
        text::mentions_nephritis(l) && l.to_lowercase().contains("class")
    });
    let (verdict, reason) = match (p.lupus_nephritis, p.nephritis_class) {
        (Some(false), _) => (
            Unlikely,
            "your profile says you have no lupus nephritis".to_owned(),
        ),
        (Some(true), Some(c)) if classes.contains(&c) => {
            (Likely, format!("your profile gives class {c}"))
        }
        (Some(true), Some(c)) => (Unlikely, format!("your profile gives class {c}")),
        (Some(true), None) => (
            Unclear,
            "your profile does not give the class of your nephritis".to_owned(),
        ),
        (None, _) => (
            Unclear,
            "your profile does not say whether you have lupus nephritis".to_owned(),
        ),
    };
    j.add(
        CriterionKind::RequiredCondition,
        verdict,
        found,
        statement,
        reason,
    );
}

fn condition(j: &mut Judge<'_>, p: &HealthProfile, c: Condition, required: bool) {
    let (kind, section, statement) = if required {
        (
            CriterionKind::RequiredCondition,
            Section::Inclusion,
            format!("Requires {}", c.label()),
        )
    } else {
        (
            CriterionKind::ExcludedCondition,
            Section::Exclusion,
            format!("Excludes {}", c.label()),
        )
    };
    let found = j.quote(section, |l| text::mentions_condition(l, c));
    // Whether she has it: Some(true/false), or None when her profile cannot say.
    let (has, why): (Option<bool>, String) = match c {
        Condition::LupusNephritis => (
            p.lupus_nephritis,
            match p.lupus_nephritis {
                Some(true) => "your profile says you have lupus nephritis".into(),
                Some(false) => "your profile says you have no lupus nephritis".into(),
                None => "your profile does not say whether you have lupus nephritis".into(),
            },
        ),
        Condition::PregnancyOrBreastfeeding => match p.pregnancy_plans {
            Some(PregnancyPlans::Pregnant) => {
                (Some(true), "your profile says you are pregnant".into())
            }
            Some(PregnancyPlans::Breastfeeding) => {
                (Some(true), "your profile says you are breastfeeding".into())
            }
            Some(PregnancyPlans::NoPlans) => (
                Some(false),
                "your profile says you are neither pregnant nor breastfeeding".into(),
            ),
            Some(PregnancyPlans::Planning) => (
                None,
                "you plan a pregnancy: the trial team will say what that means for this trial"
                    .into(),
            ),
            Some(PregnancyPlans::Unsure) | None => {
                (None, "your profile does not settle this".into())
            }
        },
        Condition::AutoimmuneDisease => (Some(true), "lupus is an autoimmune disease".into()),
        Condition::ActiveCnsLupus | Condition::OtherAutoimmuneDisease => (
            None,
            "your profile does not record this: the trial team will ask".into(),
        ),
        class => match (
            p.lupus_nephritis,
            p.nephritis_class,
            class.nephritis_class(),
        ) {
            (Some(false), _, _) => (
                Some(false),
                "your profile says you have no lupus nephritis".into(),
            ),
            (Some(true), Some(mine), Some(k)) => {
                (Some(mine == k), format!("your profile gives class {mine}"))
            }
            _ => (
                None,
                "your profile does not give the class of your nephritis".into(),
            ),
        },
    };
    // Likely when she has a required condition or lacks an excluded one.
    let verdict = match has {
        None => Unclear,
        Some(h) if h == required => Likely,
        Some(_) => Unlikely,
    };
    j.add(kind, verdict, found, statement, why);
}

fn treatment(j: &mut Judge<'_>, p: &HealthProfile, t: Treatment, required: bool) {
    let (kind, section, statement) = if required {
        (
            CriterionKind::RequiredTreatment,
            Section::Inclusion,
            format!("Requires prior treatment with {}", t.label()),
        )
    } else {
        (
            CriterionKind::ExcludedTreatment,
            Section::Exclusion,
            format!("Excludes treatment with {}", t.label()),
        )
    };
    let found = j.quote(section, |l| text::mentions_treatment(l, t));
    let had = p.current_treatments.contains(&t) || p.past_treatments.contains(&t);
    let listed_any = !(p.current_treatments.is_empty() && p.past_treatments.is_empty());
    let (verdict, reason) = match (had, listed_any, required) {
        (true, _, true) => (Likely, format!("your profile lists {}", t.label())),
        (true, _, false) => (Unlikely, format!("your profile lists {}", t.label())),
        (false, false, _) => (Unclear, "your profile lists no treatments".to_owned()),
        (false, true, true) => (
            Unlikely,
            format!("your profile does not list {}", t.label()),
        ),
        (false, true, false) => (Likely, format!("your profile does not list {}", t.label())),
    };
    j.add(kind, verdict, found, statement, reason);
}

#[cfg(test)]
mod tests {
    use super::*;

    const YEAR: i32 = 2026;

    fn her() -> HealthProfile {
        HealthProfile {
            birth_year: Some(YEAR - 34),
            sex: Some(ProfileSex::Female),
            diagnosis_year: Some(2019),
            lupus_nephritis: Some(true),
            nephritis_class: Some(NephritisClass::ClassIV),
            current_treatments: vec![Treatment::Hydroxychloroquine, Treatment::Mycophenolate],
            past_treatments: vec![Treatment::Cyclophosphamide],
            pregnancy_plans: Some(PregnancyPlans::NoPlans),
            country: Some("China".into()),
            city: Some("Beijing".into()),
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    fn aged(min: i32, max: i32) -> NoticeCriteria {
        NoticeCriteria {
            min_age_months: Some(min * 12),
            max_age_months: Some(max * 12),
            confirmed: true,
            ..Default::default()
        }
    }

    fn verdicts(n: &NoticeCriteria, p: &HealthProfile) -> Vec<(CriterionKind, Likelihood)> {
        judge(n, p, YEAR)
            .iter()
            .map(|c| (c.kind, c.verdict))
            .collect()
    }

    #[test]
    fn an_age_either_side_of_a_bound_is_unclear() {
        let mut n = aged(18, 65);
        n.structured.excluded_conditions = vec![Condition::ActiveCnsLupus];
        assert_eq!(verdicts(&n, &her())[0], (CriterionKind::Age, Likely));
        assert_eq!(
            verdicts(&aged(34, 70), &her())[0],
            (CriterionKind::Age, Unclear)
        );
        assert_eq!(
            verdicts(&aged(18, 33), &her())[0],
            (CriterionKind::Age, Unclear)
        );
        assert_eq!(
            verdicts(&aged(35, 70), &her())[0],
            (CriterionKind::Age, Unlikely)
        );
        assert_eq!(
            verdicts(&aged(18, 32), &her())[0],
            (CriterionKind::Age, Unlikely)
        );
    }

    #[test]
    fn classes_are_alternatives_and_unsaid_is_unclear() {
        let mut n = aged(18, 65);
        n.structured.required_conditions =
            vec![Condition::NephritisClassIII, Condition::NephritisClassIV];
        let checks = judge(&n, &her(), YEAR);
        assert_eq!(checks.len(), 2, "{checks:?}");
        assert_eq!(checks[1].verdict, Likely);
        assert_eq!(checks[1].quote, "Requires lupus nephritis class III or IV");
        assert_eq!(overall(&checks), Likely);
        let unsaid = HealthProfile {
            nephritis_class: None,
            ..her()
        };
        assert_eq!(overall(&judge(&n, &unsaid, YEAR)), Unclear);
        let none = HealthProfile {
            lupus_nephritis: Some(false),
            nephritis_class: None,
            ..her()
        };
        assert_eq!(overall(&judge(&n, &none, YEAR)), Unlikely);
    }

    #[test]
    fn treatments_count_current_and_past_and_none_listed_is_unclear() {
        let mut n = aged(18, 65);
        n.structured.excluded_treatments = vec![Treatment::Cyclophosphamide];
        n.structured.required_treatments = vec![Treatment::Mycophenolate];
        assert_eq!(
            verdicts(&n, &her())[1..],
            [
                (CriterionKind::RequiredTreatment, Likely),
                (CriterionKind::ExcludedTreatment, Unlikely)
            ]
        );
        let blank = HealthProfile {
            current_treatments: vec![],
            past_treatments: vec![],
            ..her()
        };
        assert_eq!(overall(&judge(&n, &blank, YEAR)), Unclear);
    }

    #[test]
    fn without_structured_criteria_the_words_are_quoted_and_unclear() {
        let mut n = aged(18, 65);
        n.text = "Inclusion Criteria: active SLE".into();
        let checks = judge(&n, &her(), YEAR);
        assert_eq!(checks[1].kind, CriterionKind::OtherCriteria);
        assert_eq!(checks[1].quote, "Inclusion Criteria: active SLE");
        assert_eq!(overall(&checks), Unclear);
        // Proposed but unconfirmed criteria are not used.
        n.structured.required_treatments = vec![Treatment::Rituximab];
        n.confirmed = false;
        assert_eq!(
            judge(&n, &her(), YEAR)[1].kind,
            CriterionKind::OtherCriteria
        );
    }

    #[test]
    fn sex_and_pregnancy_read_the_profile() {
        let mut n = aged(18, 65);
        n.sex = Sex::Male;
        n.structured.excluded_conditions = vec![Condition::PregnancyOrBreastfeeding];
        assert_eq!(
            verdicts(&n, &her())[1..],
            [
                (CriterionKind::Sex, Unlikely),
                (CriterionKind::ExcludedCondition, Likely)
            ]
        );
        let planning = HealthProfile {
            pregnancy_plans: Some(PregnancyPlans::Planning),
            sex: None,
            ..her()
        };
        assert_eq!(
            verdicts(&n, &planning)[1..],
            [
                (CriterionKind::Sex, Unclear),
                (CriterionKind::ExcludedCondition, Unclear)
            ]
        );
    }
}
