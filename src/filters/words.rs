//! Moderators' watched words: rules, their validation, matching, and the defaults.
//!
//! none. Matching is a substring search with no word boundaries (so it works for Chinese,
//! which has no spaces): `casino` also matches "casinos". Text and pattern are compared after
//! the same normalisation: Unicode lower-case, full-width ASCII folded to ASCII ("ＣＡＳＩＮＯ"
//! is "casino"), invisible characters (zero-width spaces, soft hyphens) removed, and every
//! run of whitespace collapsed to one space. The text is also padded with a space at each end,
//! so a moderator can ask for a word start with a pattern such as `* ass` (it matches
//! "ass" or "an ass", not "pass").
//!
//! The defaults ([`DEFAULT_RULES`]) block only phrases that ordinary patient talk never uses,
//! flag single spam words, and hold health-misinformation phrases. Some phrases still hold
//! good advice ("never stop taking your medication without your doctor"); a hold only waits
//! for a moderator, which is the right trade-off for a health community. The Chinese rules
//! avoid `停药` (patients discuss stopping under a doctor's advice) and `擅自停药` (mostly
//! written as the warning "不要擅自停药"). Plain "viagra" is not a default either: sildenafil
//! treats Raynaud's phenomenon and pulmonary hypertension, which many lupus patients have.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{fold_width, is_invisible};

crate::db::text_enum! {
    /// What a watched-word rule does.
    pub enum WordAction {
        /// The post is refused (422 naming the rule); nothing is stored.
        Block = "block",
        /// The post is stored but held for review.
        Hold = "hold",
        /// The post is published and a queue item opened.
        Flag = "flag",
    }
}

impl WordAction {
    /// 0 for the strongest action.
    fn rank(self) -> u8 {
        match self {
            Self::Block => 0,
            Self::Hold => 1,
            Self::Flag => 2,
        }
    }
}

/// A moderator's rule: a word, phrase or pattern with `*` wildcards (matching any run of
/// characters, including none), case-insensitive, with no word boundaries assumed (so it works
/// for Chinese).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct WatchedWord {
    pub id: i64,
    pub pattern: String,
    pub action: WordAction,
}

/// The longest pattern a moderator may enter, in characters.
pub const PATTERN_MAX_CHARS: usize = 100;
/// The fewest characters other than `*` and whitespace a pattern must have.
pub const PATTERN_MIN_LITERAL_CHARS: usize = 2;

/// Checks a pattern when a moderator creates it: 1–100 characters, not only `*` and whitespace,
/// at least 2 characters that are neither. Returns the pattern as it should be stored: trimmed,
/// lower-cased, whitespace collapsed, full-width letters folded, repeated `*` merged.
pub fn check_pattern(pattern: &str) -> Result<String, String> {
    let trimmed = pattern.trim();
    let length = trimmed.chars().count();
    if length == 0 {
        return Err("the pattern is empty".to_owned());
    }
    if length > PATTERN_MAX_CHARS {
        return Err(format!(
            "the pattern is longer than {PATTERN_MAX_CHARS} characters"
        ));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && !c.is_whitespace())
    {
        return Err("the pattern contains control characters".to_owned());
    }
    let normalised = normalise_pattern(trimmed);
    let literal = normalised
        .chars()
        .filter(|c| *c != '*' && !c.is_whitespace())
        .count();
    if literal == 0 {
        return Err("the pattern has nothing but `*` wildcards and spaces".to_owned());
    }
    if literal < PATTERN_MIN_LITERAL_CHARS {
        return Err(format!(
            "the pattern needs at least {PATTERN_MIN_LITERAL_CHARS} characters besides `*` \
             wildcards and spaces"
        ));
    }
    Ok(normalised)
}

/// The rules that match `text` (title and body together), strongest first (block, then hold,
/// then flag); rules with the same action keep their order in `rules`. Matching is
/// case-insensitive and collapses whitespace, so "Stop  taking" matches `stop taking`.
pub fn matching_rules<'a>(rules: &'a [WatchedWord], text: &str) -> Vec<&'a WatchedWord> {
    let text = format!(" {} ", normalise(text));
    let mut found: Vec<&WatchedWord> = rules
        .iter()
        .filter(|rule| pattern_matches(&normalise_pattern(&rule.pattern), &text))
        .collect();
    // A stable sort: equal actions keep the caller's order.
    found.sort_by_key(|rule| rule.action.rank());
    found
}

/// The rules a fresh server ships, as (pattern, action); every pattern is already normalised.
pub const DEFAULT_RULES: &[(&str, WordAction)] = &[
    // Spam nobody writes by accident: refused outright.
    ("buy followers", WordAction::Block),
    ("buy instagram followers", WordAction::Block),
    ("crypto giveaway", WordAction::Block),
    ("bitcoin giveaway", WordAction::Block),
    ("double your bitcoin", WordAction::Block),
    ("work from home and earn", WordAction::Block),
    ("make money fast", WordAction::Block),
    ("cheap viagra", WordAction::Block),
    ("viagra without prescription", WordAction::Block),
    ("casino bonus", WordAction::Block),
    ("代开发票", WordAction::Block),
    ("刷单返利", WordAction::Block),
    ("加微信领取", WordAction::Block),
    // Spam words a patient might still use ("we went to a casino"): published, then reviewed.
    ("casino", WordAction::Flag),
    ("free spins", WordAction::Flag),
    ("forex signals", WordAction::Flag),
    ("binary options", WordAction::Flag),
    ("seo services", WordAction::Flag),
    ("miracle cure", WordAction::Flag),
    ("兼职日结", WordAction::Flag),
    ("网赚", WordAction::Flag),
    ("博彩", WordAction::Flag),
    ("赌场", WordAction::Flag),
    // Health misinformation: held until a moderator reads it.
    ("cure lupus naturally", WordAction::Hold),
    ("cured my lupus naturally", WordAction::Hold),
    ("cure your lupus naturally", WordAction::Hold),
    ("lupus is curable", WordAction::Hold),
    ("lupus can be cured", WordAction::Hold),
    ("stop taking your medication", WordAction::Hold),
    ("stop taking your medicine", WordAction::Hold),
    ("stop taking your meds", WordAction::Hold),
    ("detox cures", WordAction::Hold),
    ("detox will cure", WordAction::Hold),
    ("hydroxychloroquine is poison", WordAction::Hold),
    ("plaquenil is poison", WordAction::Hold),
    ("doctors don*t want you to know", WordAction::Hold),
    ("根治狼疮", WordAction::Hold),
    ("包治狼疮", WordAction::Hold),
    ("偏方治愈", WordAction::Hold),
    ("偏方根治", WordAction::Hold),
    ("祖传秘方", WordAction::Hold),
    ("排毒治愈", WordAction::Hold),
    ("停掉西药", WordAction::Hold),
    ("马上停药", WordAction::Hold),
    ("激素是毒药", WordAction::Hold),
    ("羟氯喹是毒药", WordAction::Hold),
];

/// Whether `pattern` (normalised) occurs in `text` (normalised and padded): each piece between
/// wildcards is found in order, leftmost first, which is exact for `*` globs without anchors.
fn pattern_matches(pattern: &str, text: &str) -> bool {
    let mut rest = text;
    let mut any_piece = false;
    for piece in pattern.split('*').filter(|piece| !piece.is_empty()) {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
        any_piece = true;
    }
    any_piece
}

fn normalise_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    for c in normalise(pattern).chars() {
        if !(c == '*' && out.ends_with('*')) {
            out.push(c);
        }
    }
    out
}

/// Lower-cases, folds full-width ASCII, drops invisible characters, collapses whitespace and
/// trims.
fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().filter(|c| !is_invisible(*c)).map(fold_width) {
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: i64, pattern: &str, action: WordAction) -> WatchedWord {
        WatchedWord {
            id,
            pattern: pattern.to_owned(),
            action,
        }
    }

    fn matches(pattern: &str, text: &str) -> bool {
        !matching_rules(&[rule(1, pattern, WordAction::Flag)], text).is_empty()
    }

    #[test]
    fn wildcards_match_any_run_of_characters() {
        assert!(matches("cure*naturally", "How I cure my lupus naturally"));
        assert!(matches("cure*naturally", "curenaturally"));
        assert!(!matches("cure*naturally", "naturally, there is no cure"));
        assert!(matches("*casino", "best casino"));
        assert!(matches("casino*", "casino tonight"));
        assert!(matches("*casino*", "casino"));
        assert!(matches("a*b*c", "xxaxxbxxcxx"));
        assert!(!matches("a*b*c", "xxcxxbxxaxx"));
    }

    #[test]
    fn chinese_patterns_match_inside_unspaced_sentences() {
        assert!(matches("根治狼疮", "这个偏方可以根治狼疮，三个月见效"));
        assert!(matches("偏方*治愈", "我用一个偏方，半年就治愈了"));
        assert!(!matches("根治狼疮", "狼疮目前无法根治，但可以控制"));
    }

    #[test]
    fn matching_ignores_case_width_and_extra_whitespace() {
        assert!(matches("Stop Taking", "you should STOP  taking\nit"));
        assert!(matches("stop taking", "Stop\u{200B} \ttaking"));
        assert!(matches("casino", "ＣＡＳＩＮＯ bonus"));
        assert!(matches("ΣΟΦΙΑ", "σοφια"));
    }

    #[test]
    fn a_space_beside_a_wildcard_marks_a_word_start() {
        assert!(matches("* ass", "ass"));
        assert!(matches("* ass", "what an ass"));
        assert!(!matches("* ass", "let it pass"));
    }

    #[test]
    fn matching_rules_puts_the_strongest_first() {
        let rules = [
            rule(1, "casino", WordAction::Flag),
            rule(2, "stop taking", WordAction::Hold),
            rule(3, "bonus", WordAction::Block),
            rule(4, "never", WordAction::Block),
            rule(5, "free", WordAction::Hold),
        ];
        let found: Vec<i64> = matching_rules(&rules, "Free casino bonus: stop taking pills")
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(found, vec![3, 2, 5, 1]);
        assert!(matching_rules(&rules, "nothing here").is_empty());
    }

    #[test]
    fn check_pattern_normalises_good_patterns() {
        assert_eq!(
            check_pattern("  Cure   Lupus\tNATURALLY "),
            Ok("cure lupus naturally".to_owned())
        );
        assert_eq!(
            check_pattern("cure***naturally"),
            Ok("cure*naturally".to_owned())
        );
        assert_eq!(check_pattern("根治狼疮"), Ok("根治狼疮".to_owned()));
        assert_eq!(check_pattern("*停药*"), Ok("*停药*".to_owned()));
        assert_eq!(check_pattern("ab"), Ok("ab".to_owned()));
        assert!(check_pattern(&"x".repeat(100)).is_ok());
    }

    #[test]
    fn check_pattern_refuses_bad_patterns() {
        for bad in [
            "",
            "   ",
            "*",
            "** *",
            "a",
            "*a*",
            " a * ",
            "药",
            "bad\u{0007}word",
        ] {
            assert!(check_pattern(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(check_pattern(&"x".repeat(101)).is_err());
        assert!(check_pattern(&format!("  {}  ", "x".repeat(100))).is_ok());
    }

    #[test]
    fn word_action_round_trips() {
        for &action in WordAction::ALL {
            assert_eq!(WordAction::parse(action.as_str()), Some(action));
            let json = serde_json::to_string(&action).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", action.as_str()));
        }
        assert_eq!(WordAction::parse("Block"), None);
    }

    fn default_rules() -> Vec<WatchedWord> {
        DEFAULT_RULES
            .iter()
            .zip(1..)
            .map(|((pattern, action), id)| rule(id, pattern, *action))
            .collect()
    }

    #[test]
    fn default_rules_are_valid_normalised_and_distinct() {
        for (i, (pattern, _)) in DEFAULT_RULES.iter().enumerate() {
            assert_eq!(check_pattern(pattern).as_deref(), Ok(*pattern));
            assert!(
                DEFAULT_RULES[i + 1..].iter().all(|(p, _)| p != pattern),
                "{pattern} is repeated"
            );
        }
    }

    #[test]
    fn default_rules_catch_spam_and_misinformation() {
        let rules = default_rules();
        let strongest = |text: &str| matching_rules(&rules, text).first().map(|r| r.action);
        assert_eq!(
            strongest("Huge CRYPTO giveaway today!!"),
            Some(WordAction::Block)
        );
        assert_eq!(strongest("Casino bonus inside"), Some(WordAction::Block));
        assert_eq!(
            strongest("You can cure lupus naturally"),
            Some(WordAction::Hold)
        );
        assert_eq!(
            strongest("Just stop taking your   medication, trust me"),
            Some(WordAction::Hold)
        );
        assert_eq!(
            strongest("What doctors don't want you to know"),
            Some(WordAction::Hold)
        );
        assert_eq!(strongest("这个偏方治愈了我的狼疮"), Some(WordAction::Hold));
        assert_eq!(strongest("祖传秘方，根治狼疮"), Some(WordAction::Hold));
        assert_eq!(strongest("兼职日结，轻松网赚"), Some(WordAction::Flag));
    }

    #[test]
    fn default_rules_leave_ordinary_patient_talk_alone() {
        let rules = default_rules();
        for text in [
            "My rheumatologist told me to stop taking methotrexate before the surgery",
            "I stopped hydroxychloroquine under my doctor's supervision",
            "Is lupus curable? My niece asked me today",
            "Sildenafil (Viagra) helped my Raynaud's a lot",
            "医生让我慢慢停药，每两周减5mg",
            "不要擅自停药，一定要先问医生",
            "狼疮目前无法根治，但可以很好地控制",
            "激素的副作用让我很难受",
        ] {
            let found = matching_rules(&rules, text);
            assert!(found.is_empty(), "{text:?} matched {found:?}");
        }
    }
}
