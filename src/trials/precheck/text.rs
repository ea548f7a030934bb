//! Reading a notice's criteria as the registry words them: its inclusion and exclusion
//! sections, the structured criteria an import proposes from them, and the sentence a
//! pre-check quotes for a structured criterion.
//!
//! The reading is deliberately plain — lower-cased words and a few cue words per line, no
//! language model — and only ever proposes: a coordinator confirms (or corrects) what an
//! import found before the notice goes to review.
//!
//! - nephritis with a class ("biopsy-proven lupus nephritis class III or IV") → those classes,
//!   required in the inclusion section, excluded in the exclusion section; nephritis without a
//!   class → lupus nephritis;
//! - active CNS / neuropsychiatric lupus, another autoimmune disease, any autoimmune disease;
//! - pregnancy or breastfeeding, in the exclusion section only (inclusion lines about it are
//!   about contraception and tests);
//! - a treatment of the closed list with a cue of past use ("prior", "previous", "treated
//!   with", "refractory"…) in the inclusion section → required; with a cue of use ("received",
//!   "use of", "within"…) in the exclusion section → excluded. A treatment found on both sides
//!   is kept as excluded only (the safer reading for a patient).

use super::model::{Condition, NephritisClass, StructuredCriteria, Treatment};

/// Which part of the criteria a line is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Inclusion,
    Exclusion,
}

/// The non-empty lines of criteria text with their section: lines after a heading naming
/// exclusion are in the exclusion section, every other line in the inclusion section.
pub fn lines(text: &str) -> Vec<(Section, &str)> {
    let mut section = Section::Inclusion;
    let mut out = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let lower = trimmed.to_lowercase();
        if lower.starts_with("exclusion criteria") || lower.starts_with("exclusion:") {
            section = Section::Exclusion;
            continue;
        }
        if lower.starts_with("inclusion criteria") || lower.starts_with("inclusion:") {
            section = Section::Inclusion;
            continue;
        }
        out.push((section, trimmed));
    }
    out
}

/// The words of a line, lower-cased (letters, digits and `-` kept together).
fn words(line: &str) -> Vec<String> {
    line.split(|c: char| !(c.is_alphanumeric() || c == '-'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The names a treatment goes by, lower-cased; a name ending in `*` matches any word starting
/// with it, others whole words or, with a space, a phrase inside the line.
fn treatment_names(t: Treatment) -> &'static [&'static str] {
    match t {
        Treatment::Hydroxychloroquine => &["hydroxychloroquine", "plaquenil", "hcq"],
        Treatment::Glucocorticoids => &[
            "glucocorticoid*",
            "corticosteroid*",
            "steroid*",
            "prednisone",
            "prednisolone",
            "methylprednisolone",
        ],
        Treatment::Mycophenolate => &["mycophenol*", "mmf"],
        Treatment::Cyclophosphamide => &["cyclophosphamide", "cytoxan", "cyc"],
        Treatment::Azathioprine => &["azathioprine"],
        Treatment::Belimumab => &["belimumab", "benlysta"],
        Treatment::Anifrolumab => &["anifrolumab", "saphnelo"],
        Treatment::Rituximab => &["rituximab"],
        Treatment::CarT => &["car-t", "car t", "chimeric antigen receptor"],
    }
}

fn mentions(line_lower: &str, words: &[String], names: &[&str]) -> bool {
    names.iter().any(|name| {
        if let Some(prefix) = name.strip_suffix('*') {
            words.iter().any(|w| w.starts_with(prefix))
        } else if name.contains(' ') || name.contains('-') {
            line_lower.contains(name)
        } else {
            words.iter().any(|w| w == name)
        }
    })
}

/// Whether the line names the treatment.
pub fn mentions_treatment(line: &str, t: Treatment) -> bool {
    mentions(&line.to_lowercase(), &words(line), treatment_names(t))
}

const PAST_USE: &[&str] = &[
    "prior",
    "previous",
    "previously",
    "history of",
    "treated with",
    "treatment with",
    "received",
    "failed",
    "refractory",
    "despite",
    "inadequate response",
    "intoleran",
];

const USE: &[&str] = &[
    "prior",
    "previous",
    "previously",
    "received",
    "receiving",
    "treated with",
    "treatment with",
    "use of",
    "used",
    "within",
    "exposure",
    "current",
];

fn has_cue(line_lower: &str, cues: &[&str]) -> bool {
    cues.iter().any(|c| line_lower.contains(c))
}

/// The nephritis classes a line names after the word "class" (roman numerals, as written).
fn classes(line: &str) -> Vec<NephritisClass> {
    // ASCII lower-casing keeps byte offsets.
    let lower = line.to_ascii_lowercase();
    let Some(at) = lower.find("class") else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for token in line[at..].split(|c: char| !c.is_ascii_alphanumeric()) {
        if let Some(class) = NephritisClass::parse(token)
            && !found.contains(&class)
        {
            found.push(class);
        }
    }
    found
}

/// Whether the line is about nephritis.
pub fn mentions_nephritis(line: &str) -> bool {
    words(line).iter().any(|w| w == "nephritis" || w == "ln")
}

/// Whether the line speaks of the condition.
pub fn mentions_condition(line: &str, c: Condition) -> bool {
    let lower = line.to_lowercase();
    let w = words(line);
    let has = |word: &str| w.iter().any(|x| x == word);
    match c {
        Condition::LupusNephritis => mentions_nephritis(line),
        Condition::ActiveCnsLupus => {
            (lower.contains("central nervous system") || has("cns") || has("neuropsychiatric"))
                && (has("lupus") || has("sle") || has("involvement") || has("npsle"))
        }
        Condition::PregnancyOrBreastfeeding => {
            w.iter().any(|x| {
                x.starts_with("pregnan") || x.starts_with("lactat") || x.starts_with("nursing")
            }) || lower.contains("breastfeed")
                || lower.contains("breast-feed")
                || lower.contains("breast feed")
        }
        Condition::AutoimmuneDisease => {
            lower.contains("autoimmune")
                && !mentions_condition(line, Condition::OtherAutoimmuneDisease)
        }
        Condition::OtherAutoimmuneDisease => {
            lower.contains("other autoimmune")
                || lower.contains("autoimmune disease other than")
                || lower.contains("autoimmune diseases other than")
                || lower.contains("overlap syndrome")
        }
        class => class
            .nephritis_class()
            .is_some_and(|k| mentions_nephritis(line) && classes(line).contains(&k)),
    }
}

fn push<T: PartialEq>(list: &mut Vec<T>, item: T) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// The structured criteria the text suggests (see the module's documentation).
pub fn propose(text: &str) -> StructuredCriteria {
    let mut c = StructuredCriteria::default();
    for (section, line) in lines(text) {
        let lower = line.to_lowercase();
        let (conditions, treatments, cues) = match section {
            Section::Inclusion => (
                &mut c.required_conditions,
                &mut c.required_treatments,
                PAST_USE,
            ),
            Section::Exclusion => (&mut c.excluded_conditions, &mut c.excluded_treatments, USE),
        };
        if mentions_nephritis(line) {
            let found = classes(line);
            if found.is_empty() {
                push(conditions, Condition::LupusNephritis);
            }
            for class in found {
                push(conditions, class.condition());
            }
        }
        for condition in [
            Condition::ActiveCnsLupus,
            Condition::AutoimmuneDisease,
            Condition::OtherAutoimmuneDisease,
        ] {
            if mentions_condition(line, condition) {
                push(conditions, condition);
            }
        }
        if section == Section::Exclusion
            && mentions_condition(line, Condition::PregnancyOrBreastfeeding)
        {
            push(conditions, Condition::PregnancyOrBreastfeeding);
        }
        if has_cue(&lower, cues) {
            for t in Treatment::ALL {
                if mentions_treatment(line, *t) {
                    push(treatments, *t);
                }
            }
        }
    }
    let excluded_treatments = c.excluded_treatments.clone();
    c.required_treatments
        .retain(|t| !excluded_treatments.contains(t));
    let excluded_conditions = c.excluded_conditions.clone();
    c.required_conditions
        .retain(|x| !excluded_conditions.contains(x));
    c
}

/// The line of `text` that best states a criterion: in `section` first, then anywhere.
pub fn quote(text: &str, section: Section, matches: impl Fn(&str) -> bool) -> Option<&str> {
    let all = lines(text);
    all.iter()
        .find(|(s, l)| *s == section && matches(l))
        .or_else(|| all.iter().find(|(_, l)| matches(l)))
        .map(|&(_, l)| clean_quote(l))
}

/// A line without its list marker (`*`, `-`, `1.`), cut to 500 characters.
fn clean_quote(line: &str) -> &str {
    let stripped = line.trim_start_matches(['*', '-', '•']).trim_start();
    let digits = stripped.chars().take_while(char::is_ascii_digit).count();
    let stripped = match stripped[digits..].strip_prefix(['.', ')']) {
        Some(rest) if digits > 0 => rest.trim_start(),
        _ => stripped,
    };
    match stripped.char_indices().nth(500) {
        Some((at, _)) => &stripped[..at],
        None => stripped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID93: &str = include_str!("../../../tests/fixtures/clinicaltrials/NCT03722472.json");
    const COPLANT: &str = include_str!("../../../tests/fixtures/clinicaltrials/NCT06323538.json");

    fn criteria_of(record: &str) -> String {
        let v: serde_json::Value = serde_json::from_str(record).unwrap();
        v["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn a_lupus_nephritis_trial_reads_as_it_is_written() {
        let text = "Inclusion Criteria:\n\n* Biopsy-proven lupus nephritis class III or IV (ISN/RPS 2003), with or without class V\n* Prior treatment with cyclophosphamide or mycophenolate\n\nExclusion Criteria:\n\n* Pregnant or breastfeeding\n* Active CNS lupus\n* Received rituximab within 6 months";
        let c = propose(text);
        assert_eq!(
            c.required_conditions,
            vec![
                Condition::NephritisClassIII,
                Condition::NephritisClassIV,
                Condition::NephritisClassV
            ]
        );
        assert_eq!(
            c.required_treatments,
            vec![Treatment::Mycophenolate, Treatment::Cyclophosphamide]
        );
        assert_eq!(
            c.excluded_conditions,
            vec![
                Condition::PregnancyOrBreastfeeding,
                Condition::ActiveCnsLupus
            ]
        );
        assert_eq!(c.excluded_treatments, vec![Treatment::Rituximab]);
    }

    #[test]
    fn the_tuberculosis_vaccine_record_excludes_autoimmune_disease_steroids_and_pregnancy() {
        let c = propose(&criteria_of(ID93));
        assert!(c.required_conditions.is_empty(), "{c:?}");
        assert!(c.required_treatments.is_empty(), "{c:?}");
        assert_eq!(
            c.excluded_conditions,
            vec![
                Condition::AutoimmuneDisease,
                Condition::PregnancyOrBreastfeeding
            ]
        );
        assert_eq!(c.excluded_treatments, vec![Treatment::Glucocorticoids]);
    }

    #[test]
    fn the_diet_study_record_proposes_nothing() {
        // It mentions pregnancy only among inclusion lines (some sites recruit pregnant
        // women): nothing to propose.
        assert_eq!(
            propose(&criteria_of(COPLANT)),
            StructuredCriteria::default()
        );
    }

    #[test]
    fn quotes_prefer_the_section_and_drop_list_markers() {
        let text = "Inclusion Criteria:\n1. Prior cyclophosphamide allowed\nExclusion Criteria:\n12. Received cyclophosphamide within 3 months";
        let q = quote(text, Section::Exclusion, |l| {
            mentions_treatment(l, Treatment::Cyclophosphamide)
        });
        assert_eq!(q, Some("Received cyclophosphamide within 3 months"));
        let q = quote(text, Section::Inclusion, |l| {
            mentions_treatment(l, Treatment::Cyclophosphamide)
        });
        assert_eq!(q, Some("Prior cyclophosphamide allowed"));
        assert_eq!(quote(text, Section::Inclusion, |_| false), None);
    }

    #[test]
    fn a_class_needs_the_word_class_and_a_numeral() {
        assert_eq!(
            classes("Lupus nephritis class III/IV"),
            vec![NephritisClass::ClassIII, NephritisClass::ClassIV]
        );
        assert!(classes("Lupus nephritis III").is_empty());
        assert!(!mentions_condition(
            "Any medical or neuropsychiatric condition which would render the subject incompetent",
            Condition::ActiveCnsLupus
        ));
    }
}
