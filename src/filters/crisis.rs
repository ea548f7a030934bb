//! The crisis-language detector.
//!
//! [`is_crisis`] looks for English and Chinese phrases about suicide and self-harm. The text
//! is lower-cased, apostrophes dropped ("don't" and "dont" are the same), hyphens read as
//! spaces ("self-harm" is "self harm"), whitespace collapsed and removed between Chinese
//! characters. English phrases must start and end on word boundaries ("want to diet" is not
//! "want to die").
//!
//! The detector deliberately over-triggers: a false alarm costs a moderator one dismissal,
//! a miss can cost a life. It only leaves out readings that are plainly something else:
//! resources and awareness ("suicide prevention hotline", "预防自杀", "自杀干预"), negations of
//! wishing to die ("I don't want to die from kidney failure", "不想死"), accidents ("I cut
//! myself shaving"), and Chinese idioms ("想死你们了" = "I missed you so much", "不想活动" =
//! "I don't feel like moving", "跳楼价" = "rock-bottom price", "死亡率" = "mortality").
//! Someone asking for a hotline number is therefore not put on the crisis lane by that
//! question alone; the forum may still show the locale's resources whenever it likes.

use super::{fold_width, is_invisible};

/// A crisis phrase (normalised as by [`normalise_for_crisis`]) and the contexts in which an
/// occurrence means something else.
struct CrisisPhrase {
    text: &'static str,
    /// An occurrence preceded by one of these does not count.
    unless_before: &'static [&'static str],
    /// An occurrence followed by one of these does not count.
    unless_after: &'static [&'static str],
}

const fn phrase(text: &'static str) -> CrisisPhrase {
    CrisisPhrase {
        text,
        unless_before: &[],
        unless_after: &[],
    }
}

const fn phrase_unless(
    text: &'static str,
    unless_before: &'static [&'static str],
    unless_after: &'static [&'static str],
) -> CrisisPhrase {
    CrisisPhrase {
        text,
        unless_before,
        unless_after,
    }
}

/// "I don't want to die", "never want to die": fear of dying, not a wish to.
const NEGATED: &[&str] = &["nt ", "not ", "never "];
/// Resources and awareness, not a person in crisis.
const RESOURCES: &[&str] = &[
    " prevention",
    " hotline",
    " hot line",
    " helpline",
    " help line",
    " lifeline",
    " awareness",
    " and crisis",
    " crisis line",
    " squad",
];
const ACCIDENTS_BEFORE: &[&str] = &["accidentally "];
const ACCIDENTS_AFTER: &[&str] = &[
    " shaving",
    " cooking",
    " while cooking",
    " in the kitchen",
    " gardening",
    " at the gym",
    " exercising",
    " falling",
    " when i fell",
    " by accident",
    " accidentally",
];

const CRISIS_PHRASES: &[CrisisPhrase] = &[
    // English.
    phrase_unless("want to die", NEGATED, &[]),
    phrase_unless("wanna die", NEGATED, &[]),
    phrase("want to be dead"),
    phrase("wish i was dead"),
    phrase("wish i were dead"),
    phrase("wish i could die"),
    phrase("dont want to live"),
    phrase("do not want to live"),
    phrase("dont wanna live"),
    phrase("dont want to be alive"),
    phrase("dont want to exist"),
    phrase("dont want to be here anymore"),
    phrase("dont want to wake up again"),
    phrase("dont want to wake up anymore"),
    phrase("never want to wake up"),
    phrase("sleep and never wake up"),
    phrase("kill myself"),
    phrase("killing myself"),
    phrase("end my life"),
    phrase("ending my life"),
    phrase("end it all"),
    phrase("ending it all"),
    phrase("take my own life"),
    phrase("taking my own life"),
    phrase_unless("suicide", &[], RESOURCES),
    phrase("suicidal"),
    phrase_unless("self harm", &[], RESOURCES),
    phrase("selfharm"),
    phrase("self harming"),
    phrase("self harmed"),
    phrase_unless("hurt myself", ACCIDENTS_BEFORE, ACCIDENTS_AFTER),
    phrase_unless("hurting myself", ACCIDENTS_BEFORE, ACCIDENTS_AFTER),
    phrase_unless("harm myself", ACCIDENTS_BEFORE, ACCIDENTS_AFTER),
    phrase_unless("harming myself", ACCIDENTS_BEFORE, ACCIDENTS_AFTER),
    phrase_unless("cut myself", ACCIDENTS_BEFORE, ACCIDENTS_AFTER),
    phrase_unless("cutting myself", ACCIDENTS_BEFORE, ACCIDENTS_AFTER),
    phrase("no reason to live"),
    phrase("nothing to live for"),
    phrase("not worth living"),
    phrase("isnt worth living"),
    phrase("better off dead"),
    phrase("better off without me"),
    phrase("overdose on purpose"),
    phrase("overdosed on purpose"),
    phrase("od on purpose"),
    // Chinese.
    phrase_unless(
        "自杀",
        &["预防", "防止"],
        &["预防", "干预", "热线", "援助", "式"],
    ),
    // "想死你们了" = "I missed you so much"; "死亡率" = mortality; "死因" = cause of death.
    phrase_unless(
        "想死",
        &["不"],
        &["你", "您", "他", "她", "我了", "亡率", "因"],
    ),
    // "不想活动" = "I don't feel like moving".
    phrase_unless("不想活", &[], &["动"]),
    phrase_unless("不想再活", &[], &["动"]),
    phrase("活不下去"),
    phrase("活着没意思"),
    phrase("活着没有意思"),
    phrase("活着没意义"),
    phrase("活着没有意义"),
    phrase("结束生命"),
    phrase("结束自己的生命"),
    phrase("结束自己"),
    phrase("轻生"),
    phrase("割腕"),
    phrase("自残"),
    phrase("自我伤害"),
    // "伤害自己的肾" = "harm my own kidneys".
    phrase_unless("伤害自己", &[], &["的"]),
    phrase("了结自己"),
    phrase("了结生命"),
    phrase("一了百了"),
    phrase("死了算了"),
    phrase("死了就好了"),
    phrase("不如死了"),
    phrase("离开这个世界"),
    // "跳楼价" = rock-bottom price.
    phrase_unless("跳楼", &[], &["价"]),
];

/// Whether a text contains crisis language (suicidal thoughts, self-harm) in English or
/// Chinese. It errs on the side of triggering; see the module documentation for what it leaves
/// out.
pub fn is_crisis(text: &str) -> bool {
    let text = normalise_for_crisis(text);
    CRISIS_PHRASES
        .iter()
        .any(|phrase| phrase_occurs(&text, phrase))
}

fn phrase_occurs(text: &str, phrase: &CrisisPhrase) -> bool {
    let starts_word = phrase
        .text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let ends_word = phrase
        .text
        .chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    text.match_indices(phrase.text).any(|(at, _)| {
        let before = &text[..at];
        let after = &text[at + phrase.text.len()..];
        let glued_before = starts_word
            && before
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        let glued_after = ends_word
            && after
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        !glued_before
            && !glued_after
            && !phrase.unless_before.iter().any(|b| before.ends_with(b))
            && !phrase.unless_after.iter().any(|a| after.starts_with(a))
    })
}

/// Lower-cases, folds full-width ASCII, drops apostrophes and invisible characters, reads
/// hyphens and underscores as spaces, collapses whitespace and removes it between non-ASCII
/// (Chinese) characters.
fn normalise_for_crisis(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_space = false;
    for c in text.chars().filter(|c| !is_invisible(*c)).map(fold_width) {
        let c = match c {
            '\'' | '\u{2018}' | '\u{2019}' | '\u{02BC}' | '`' | '\u{00B4}' => continue,
            '-' | '_' | '\u{2010}'..='\u{2015}' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            let between_chinese =
                !c.is_ascii() && out.chars().next_back().is_some_and(|p| !p.is_ascii());
            if !between_chinese {
                out.push(' ');
            }
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_crisis_language_is_detected() {
        for text in [
            "I want to die",
            "I don't want to live anymore",
            "I DON’T   WANT TO LIVE like this",
            "honestly dont want to live",
            "I'm going to kill myself",
            "I keep thinking about ending my life",
            "I've been suicidal for weeks",
            "Thinking about suicide every night",
            "I self-harm when the flares get bad",
            "started self harming again",
            "I want to hurt myself",
            "I cut myself last night",
            "There's no reason to live",
            "I'd be better off dead",
            "I might overdose on purpose",
            "I just want to end it all",
            "I wish I were dead",
            "I'm suicidal, what's the suicide hotline?",
            "some nights I don't want to wake up again",
        ] {
            assert!(is_crisis(text), "{text:?} should be a crisis");
        }
    }

    #[test]
    fn chinese_crisis_language_is_detected() {
        for text in [
            "我真的不想活了",
            "我想死",
            "每天都活不下去",
            "我想结束生命",
            "最近有轻生的念头",
            "昨晚又割腕了",
            "想了结自己",
            "我不想再活下去了",
            "我想自杀",
            "我又自残了",
            "不 想 活 了",
            "活着没有意义，一了百了",
        ] {
            assert!(is_crisis(text), "{text:?} should be a crisis");
        }
    }

    #[test]
    fn ordinary_talk_is_not_a_crisis() {
        for text in [
            "this medication is killing my appetite",
            "I'm dying to try the new trial",
            "I really want to diet after the steroids",
            "I don't want to die from kidney failure, what can I do?",
            "Can anyone share the suicide prevention hotline number?",
            "My doctor wants to end my prednisone taper next month",
            "This fatigue is killing me",
            "I cut my dose in half",
            "I hurt myself at the gym, is bruising normal on prednisone?",
            "Self-care tips and self-advocacy",
            "I'm dead tired after the infusion",
            "I don't want to wake up at 6 for the infusion",
            "My kids give me every reason to live",
            "我想知道这个药的副作用",
            "好久不见，想死你们了！",
            "今天太累了，我不想活动",
            "狼疮的死亡率高吗？我想死亡率应该不高",
            "医生让我慢慢停药",
            "心理援助热线是多少？预防自杀很重要",
            "这个药会伤害自己的肝吗",
            "双十一跳楼价",
        ] {
            assert!(!is_crisis(text), "{text:?} should not be a crisis");
        }
    }
}
