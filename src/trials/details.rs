//! What a notice says beside its registry record: the same trial's ids in other registries,
//! and the practical details patients weigh most (visits, travel and accommodation support,
//! compensation, placebo, length of treatment) — checked here, shown as sentences in English
//! or Chinese, and searched by the `practical` filter ([`PracticalNeed`]).

use super::model::PracticalDetails;
use super::registry::{self, RegistryId};
use crate::auth::model::Locale;
use crate::http::error::FieldErrors;

pub const OTHER_IDS_MAX: usize = 10;
const NOTES_MAX: usize = 1_000;

crate::db::text_enum! {
    /// A practical detail a search asks the notice to state.
    pub enum PracticalNeed {
        /// Travel costs are paid or reimbursed.
        TravelSupport = "travel_support",
        /// A place to stay is paid or provided.
        AccommodationSupport = "accommodation_support",
        /// Participants are paid for their time.
        Compensation = "compensation",
        /// Some visits can be done remotely.
        RemoteVisits = "remote_visits",
        /// The coordinator states that nobody receives a placebo.
        NoPlacebo = "no_placebo",
    }
}

impl PracticalNeed {
    /// Whether a notice stating `p` meets the need; "not stated" never does.
    pub fn met_by(self, p: &PracticalDetails) -> bool {
        match self {
            Self::TravelSupport => p.travel_support == Some(true),
            Self::AccommodationSupport => p.accommodation_support == Some(true),
            Self::Compensation => p.compensation == Some(true),
            Self::RemoteVisits => p.remote_visits == Some(true),
            Self::NoPlacebo => p.placebo_possible == Some(false),
        }
    }
}

/// Checks the other registry ids of a notice: each valid, none repeated, the main one left out
/// (it is listed first already), at most [`OTHER_IDS_MAX`].
pub fn check_other_ids(
    errors: &mut FieldErrors,
    main: Option<&RegistryId>,
    raw: &[String],
) -> Vec<RegistryId> {
    let mut out: Vec<RegistryId> = Vec::new();
    for (i, id) in raw.iter().enumerate() {
        match registry::parse(id) {
            Ok(id) if main.is_some_and(|m| m.id == id.id) || out.contains(&id) => {}
            Ok(id) => out.push(id),
            Err(m) => {
                errors.insert(format!("other_registry_ids[{i}]"), m);
            }
        }
    }
    if out.len() > OTHER_IDS_MAX {
        errors.insert(
            "other_registry_ids".into(),
            format!("at most {OTHER_IDS_MAX}"),
        );
    }
    out
}

/// Checks the practical details; errors are named `practical.{field}`.
pub fn check_practical(errors: &mut FieldErrors, p: PracticalDetails) -> PracticalDetails {
    let mut range = |field: &str, value: Option<i32>, low: i32, high: i32, unit: &str| {
        if value.is_some_and(|v| !(low..=high).contains(&v)) {
            errors.insert(
                format!("practical.{field}"),
                format!("must be {low} to {high} {unit}"),
            );
        }
    };
    range("visits", p.visits, 1, 500, "visits");
    range("visit_minutes", p.visit_minutes, 5, 2_880, "minutes");
    range("treatment_weeks", p.treatment_weeks, 1, 520, "weeks");
    let notes = super::content::clean(p.notes);
    if notes
        .as_deref()
        .is_some_and(|n| super::content::chars(n) > NOTES_MAX)
    {
        errors.insert(
            "practical.notes".into(),
            format!("must be at most {NOTES_MAX} characters"),
        );
    }
    PracticalDetails { notes, ..p }
}

/// A visit's length as people say it: minutes under two hours, else hours (halves kept).
fn visit_length(minutes: i32, locale: Locale) -> String {
    let (en, zh) = if minutes < 120 {
        (format!("{minutes} minutes"), format!("{minutes} 分钟"))
    } else {
        let hours = (f64::from(minutes) / 30.0).round() / 2.0;
        (format!("{hours} hours"), format!("{hours} 小时"))
    };
    match locale {
        Locale::En => en,
        Locale::ZhCn => zh,
    }
}

/// The details stated, one sentence each, in `locale`; what is not stated is not said.
pub fn summary(p: &PracticalDetails, locale: Locale) -> Vec<String> {
    let zh = locale == Locale::ZhCn;
    let say = |en: &str, cn: &str| if zh { cn.to_owned() } else { en.to_owned() };
    let mut out = Vec::new();
    match (p.visits, p.visit_minutes) {
        (Some(n), Some(m)) => out.push(if zh {
            format!("共 {n} 次访视，每次约 {}", visit_length(m, locale))
        } else {
            format!("{n} visits of about {} each", visit_length(m, locale))
        }),
        (Some(n), None) => out.push(if zh {
            format!("共 {n} 次访视")
        } else {
            format!("{n} visits")
        }),
        (None, Some(m)) => out.push(if zh {
            format!("每次访视约 {}", visit_length(m, locale))
        } else {
            format!("Visits of about {} each", visit_length(m, locale))
        }),
        (None, None) => {}
    }
    if let Some(w) = p.treatment_weeks {
        out.push(if zh {
            format!("治疗阶段约 {w} 周")
        } else {
            format!("The treatment phase lasts about {w} weeks")
        });
    }
    for (value, yes, no) in [
        (
            p.remote_visits,
            ("Some visits can be done remotely", "部分访视可远程进行"),
            ("Every visit is at the site", "所有访视均需到研究中心"),
        ),
        (
            p.travel_support,
            ("Travel costs are covered", "提供交通费用支持"),
            ("Travel costs are not covered", "不提供交通费用支持"),
        ),
        (
            p.accommodation_support,
            ("Accommodation is provided or paid", "提供或报销住宿"),
            ("Accommodation is not provided", "不提供住宿"),
        ),
        (
            p.compensation,
            ("Participants are paid for their time", "参与者可获得补偿"),
            ("Participants are not paid", "参与者不获得补偿"),
        ),
        (
            p.placebo_possible,
            ("You may receive a placebo", "您可能接受安慰剂"),
            (
                "No placebo: everyone receives the treatment studied",
                "无安慰剂：所有参与者均接受所研究的治疗",
            ),
        ),
    ] {
        match value {
            Some(true) => out.push(say(yes.0, yes.1)),
            Some(false) => out.push(say(no.0, no.1)),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_is_stated_is_said_in_either_language() {
        let p = PracticalDetails {
            visits: Some(12),
            visit_minutes: Some(180),
            travel_support: Some(true),
            placebo_possible: Some(false),
            ..Default::default()
        };
        assert_eq!(
            summary(&p, Locale::En),
            [
                "12 visits of about 3 hours each",
                "Travel costs are covered",
                "No placebo: everyone receives the treatment studied"
            ]
        );
        assert_eq!(
            summary(&p, Locale::ZhCn),
            [
                "共 12 次访视，每次约 3 小时",
                "提供交通费用支持",
                "无安慰剂：所有参与者均接受所研究的治疗"
            ]
        );
        assert!(summary(&PracticalDetails::default(), Locale::En).is_empty());
        assert_eq!(visit_length(45, Locale::En), "45 minutes");
        assert_eq!(visit_length(150, Locale::En), "2.5 hours");
    }

    #[test]
    fn unstated_never_meets_a_need() {
        let unstated = PracticalDetails::default();
        assert!(PracticalNeed::ALL.iter().all(|n| !n.met_by(&unstated)));
        let p = PracticalDetails {
            placebo_possible: Some(true),
            travel_support: Some(false),
            ..Default::default()
        };
        assert!(!PracticalNeed::NoPlacebo.met_by(&p));
        assert!(!PracticalNeed::TravelSupport.met_by(&p));
    }

    #[test]
    fn other_ids_are_checked_and_deduplicated() {
        let mut errors = FieldErrors::new();
        let main = registry::parse("NCT06121297").unwrap();
        let ids = check_other_ids(
            &mut errors,
            Some(&main),
            &[
                "nct06121297".into(),
                "ChiCTR2300071234".into(),
                "chictr2300071234".into(),
                "2023-503698-40-00".into(),
                "DMID 17-0104".into(),
            ],
        );
        let ids: Vec<&str> = ids.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["ChiCTR2300071234", "2023-503698-40-00"]);
        assert!(errors.contains_key("other_registry_ids[4]"), "{errors:?}");
    }
}
