//! The automatic filters run on a post's title and body before a post or an edit is stored:
//! moderators' watched words, a personal-information detector and a crisis-language detector.
//! Everything here is a pure function over text; the forum decides what to do with the results
//! (refuse, hold, queue, answer with support resources).
//!
//! # Watched words
//! A rule is a word, phrase or pattern in which `*` matches any run of characters, including
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
//!
//! # Personal information
//! [`find_pii`] reports, in text order:
//! - email addresses (ASCII local part, a domain with a dot and a letters-only top level);
//! - phone numbers: international numbers written with `+` and a real country-code prefix
//!   (8–15 digits in all, E.164), North American numbers in their unmistakable layouts
//!   (`(555) 234-5678`, `555-234-5678`, `555.234.5678`; area code and exchange starting with
//!   2–9), and Chinese mobile numbers
//!   `1[3-9]` + 9 digits, contiguous or grouped 3-4-4 with spaces or dashes, optionally after
//!   `86`/`+86`;
//! - Chinese resident ID numbers: 17 digits and a digit or `X`, a region digit 1–8, a real
//!   birth date (years 1900–2099) and a valid ISO 7064 MOD 11-2 check digit.
//!
//! A number counts only when it stands alone: not glued to letters (`NCT01234567`,
//! `ChiCTR2100012345`) nor part of a longer run of digits, and not continued by `.`, `-`, `/`
//! or `:` and a digit (decimals, dates, ratios, times). International numbers whose digits
//! after the country code read as a date are ignored, as are toll-free and service numbers
//! (`+1 800…`, `800-…`, `400-…`), which are public helplines rather than personal
//! information. Not detected, on purpose: national numbers of other countries written
//! without `+` (indistinguishable from lab values), Chinese landlines and 15-digit IDs.
//! Full-width digits and invisible characters are folded before scanning, so they cannot be
//! used to slip a number through.
//!
//! # Crisis language
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

pub mod screen;

use std::ops::Range;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

// ---------------------------------------------------------------------------------------------
// Watched words
// ---------------------------------------------------------------------------------------------

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

/// Full-width ASCII (as typed by Chinese input methods) to ASCII, the ideographic space to a
/// space.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Characters that render as nothing and could split a word or number unseen.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}'
    )
}

// ---------------------------------------------------------------------------------------------
// Personal information
// ---------------------------------------------------------------------------------------------

/// Personal information found in a text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct PiiFinding {
    pub kind: PiiKind,
    /// The matched text, partly masked for display (e.g. "an***@example.org", "138****5678").
    pub masked: String,
}

crate::db::text_enum! {
    /// Kinds of personal information.
    pub enum PiiKind {
        Email = "email",
        Phone = "phone",
        NationalId = "national_id",
    }
}

/// Email addresses, phone numbers and Chinese resident ID numbers in `text`, in text order
/// (see the module documentation for the exact rules). Ordinary health talk (doses, lab values,
/// dates, years, trial ids, times, prices) gives nothing.
pub fn find_pii(text: &str) -> Vec<PiiFinding> {
    let chars: Vec<char> = text
        .chars()
        .filter(|c| !is_invisible(*c))
        .map(fold_width)
        .collect();
    let mut found: Vec<(usize, PiiFinding)> = Vec::new();
    let mut taken = vec![false; chars.len()];

    for span in email_spans(&chars) {
        found.push((
            span.start,
            PiiFinding {
                kind: PiiKind::Email,
                masked: mask_email(&chars[span.clone()]),
            },
        ));
        taken[span].fill(true);
    }

    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        let hit = if taken[at] || !starts_alone(&chars, at) {
            None
        } else if c == '+' {
            international_phone(&chars, at)
        } else if c == '(' {
            north_american_phone(&chars, at)
        } else if c.is_ascii_digit() {
            chinese_id(&chars, at)
                .or_else(|| chinese_mobile(&chars, at))
                .or_else(|| north_american_phone(&chars, at))
        } else {
            None
        };
        match hit {
            Some((end, finding)) if !taken[at..end].contains(&true) => {
                found.push((at, finding));
                at = end;
            }
            // A number that is not personal information is skipped whole, so nothing is
            // found inside a longer run of digits.
            _ if c.is_ascii_digit() => at += digit_run(&chars, at),
            _ => at += 1,
        }
    }

    found.sort_by_key(|(start, _)| *start);
    found.into_iter().map(|(_, finding)| finding).collect()
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

fn is_email_domain(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

fn email_spans(chars: &[char]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut free_from = 0;
    for at in (0..chars.len()).filter(|i| chars[*i] == '@') {
        if at < free_from {
            continue;
        }
        let mut start = at;
        while start > free_from && is_email_local(chars[start - 1]) {
            start -= 1;
        }
        while start < at && chars[start] == '.' {
            start += 1;
        }
        let mut end = at + 1;
        while end < chars.len() && is_email_domain(chars[end]) {
            end += 1;
        }
        // A sentence's full stop is not part of the domain.
        while end > at + 1 && matches!(chars[end - 1], '.' | '-') {
            end -= 1;
        }
        if (1..=64).contains(&(at - start)) && is_domain(&chars[at + 1..end]) {
            spans.push(start..end);
            free_from = end;
        }
    }
    spans
}

fn is_domain(domain: &[char]) -> bool {
    let labels: Vec<&[char]> = domain.split(|c| *c == '.').collect();
    let well_formed = labels.iter().all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && label.first() != Some(&'-')
            && label.last() != Some(&'-')
    });
    let top_level_ok = labels
        .last()
        .is_some_and(|tld| tld.len() >= 2 && tld.iter().all(char::is_ascii_alphabetic));
    labels.len() >= 2 && well_formed && top_level_ok
}

fn mask_email(address: &[char]) -> String {
    let at = address.iter().position(|c| *c == '@').unwrap_or(0);
    let keep = if at > 2 { 2 } else { at.min(1) };
    let shown: String = address[..keep].iter().collect();
    let domain: String = address[at..].iter().collect();
    format!("{shown}***{domain}")
}

/// Whether a number (or `+`, or `(`) at `at` is not glued to what precedes it: no letter or
/// digit just before, and no digit followed by `.`, `-`, `/` or `:` (a decimal, date, ratio or
/// time going on).
fn starts_alone(chars: &[char], at: usize) -> bool {
    let Some(prev) = at.checked_sub(1).map(|i| chars[i]) else {
        return true;
    };
    if prev.is_ascii_alphanumeric() {
        return false;
    }
    let continues_number = matches!(prev, '.' | '-' | '/' | ':')
        && at.checked_sub(2).is_some_and(|i| chars[i].is_ascii_digit());
    !continues_number
}

/// The mirror of [`starts_alone`] for the character after a number.
fn ends_alone(chars: &[char], end: usize) -> bool {
    match chars.get(end) {
        None => true,
        Some(c) if c.is_ascii_alphanumeric() => false,
        Some('.' | '-' | '/' | ':') => !chars.get(end + 1).is_some_and(char::is_ascii_digit),
        Some(_) => true,
    }
}

/// How many ASCII digits start at `at`.
fn digit_run(chars: &[char], at: usize) -> usize {
    chars.get(at..).map_or(0, |rest| {
        rest.iter().take_while(|c| c.is_ascii_digit()).count()
    })
}

fn digits_value(digits: &[char]) -> u32 {
    digits
        .iter()
        .filter_map(|c| c.to_digit(10))
        .fold(0, |value, d| value.saturating_mul(10).saturating_add(d))
}

fn is_date(year: u32, month: u32, day: u32) -> bool {
    i32::try_from(year)
        .ok()
        .and_then(|year| chrono::NaiveDate::from_ymd_opt(year, month, day))
        .is_some()
}

/// `count` stars.
fn stars(count: usize) -> String {
    "*".repeat(count)
}

/// All digits masked but the last four.
fn mask_but_last_four(digits: &str) -> String {
    let keep = digits.len().min(4);
    format!(
        "{}{}",
        stars(digits.len() - keep),
        &digits[digits.len() - keep..]
    )
}

/// Whether a calling code (or its first digits) is assigned: 1 and 7, the assigned two-digit
/// codes, and the two-digit prefixes of the three-digit codes.
fn is_country_code(code: &str) -> bool {
    const TWO_DIGITS: &[&str] = &[
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    const THREE_DIGIT_PREFIXES: &[&str] = &[
        "21", "22", "23", "24", "25", "26", "29", "35", "37", "38", "42", "50", "59", "67", "68",
        "69", "85", "87", "88", "96", "97", "99",
    ];
    match code.len() {
        1 => code == "1" || code == "7",
        2 => TWO_DIGITS.contains(&code),
        3 => THREE_DIGIT_PREFIXES.contains(&&code[..2]),
        _ => false,
    }
}

/// Toll-free and service prefixes (North American toll-free codes, China's 400/800 numbers):
/// helplines and businesses, not personal information.
fn is_service_prefix(digits: &str) -> bool {
    ["800", "833", "844", "855", "866", "877", "888", "400"]
        .iter()
        .any(|prefix| digits.starts_with(prefix))
}

/// Digit groups read as a date (`2024-03-15`, `15.03.2024`, `03 15 2024`).
fn groups_read_as_date(groups: &[&[char]]) -> bool {
    let [a, b, c] = groups else {
        return false;
    };
    let (va, vb, vc) = (digits_value(a), digits_value(b), digits_value(c));
    if a.len() == 4 && b.len() <= 2 && c.len() <= 2 {
        return is_date(va, vb, vc);
    }
    c.len() == 4 && a.len() <= 2 && b.len() <= 2 && (is_date(vc, vb, va) || is_date(vc, va, vb))
}

/// `+`, a country code, then digit groups separated by at most three of ` -.()` (one space at
/// most): `+44 20 7946 0958`, `+1 (555) 123-4567`, `+86 138 1234 5678`, `+8613812345678`.
fn international_phone(chars: &[char], plus: usize) -> Option<(usize, PiiFinding)> {
    let mut groups: Vec<Range<usize>> = Vec::new();
    let mut at = plus + 1;
    loop {
        let run = digit_run(chars, at);
        if run == 0 {
            break;
        }
        groups.push(at..at + run);
        at += run;
        let separator = chars[at..]
            .iter()
            .take(3)
            .take_while(|c| matches!(c, ' ' | '-' | '.' | '(' | ')'))
            .count();
        let spaces = chars[at..at + separator]
            .iter()
            .filter(|c| **c == ' ')
            .count();
        if separator == 0 || spaces > 1 || digit_run(chars, at + separator) == 0 {
            break;
        }
        at += separator;
    }
    // A phone number followed by another number ("… 0958 2024"): keep the groups that fit.
    while groups.len() > 1 && groups.iter().map(Range::len).sum::<usize>() > 15 {
        groups.pop();
    }
    let total: usize = groups.iter().map(Range::len).sum();
    let end = groups.last()?.end;
    if !(8..=15).contains(&total) || !ends_alone(chars, end) {
        return None;
    }
    let digits: String = groups
        .iter()
        .flat_map(|g| chars[g.clone()].iter())
        .collect();
    let code_len = match groups.first() {
        Some(first) if groups.len() > 1 && first.len() <= 3 => {
            let parts: Vec<&[char]> = groups[1..].iter().map(|g| &chars[g.clone()]).collect();
            if !is_country_code(&digits[..first.len()]) || groups_read_as_date(&parts) {
                return None;
            }
            first.len()
        }
        _ => (1..=3).find(|len| is_country_code(&digits[..*len]))?,
    };
    let (code, national) = digits.split_at(code_len);
    if national.len() < 7 || (matches!(code, "1" | "86") && is_service_prefix(national)) {
        return None;
    }
    let masked = if code == "86" && is_chinese_mobile(national) {
        format!("+86 {}", mask_chinese_mobile(national))
    } else {
        format!("+{code} {}", mask_but_last_four(national))
    };
    Some((
        end,
        PiiFinding {
            kind: PiiKind::Phone,
            masked,
        },
    ))
}

fn is_chinese_mobile(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    bytes.len() == 11
        && bytes.iter().all(u8::is_ascii_digit)
        && bytes[0] == b'1'
        && (b'3'..=b'9').contains(&bytes[1])
}

fn mask_chinese_mobile(digits: &str) -> String {
    format!("{}****{}", &digits[..3], &digits[7..])
}

/// A Chinese mobile number at `start`, optionally after `86` (and a space or dash).
fn chinese_mobile(chars: &[char], start: usize) -> Option<(usize, PiiFinding)> {
    let finding = |prefix: &str, digits: &str| PiiFinding {
        kind: PiiKind::Phone,
        masked: format!("{prefix}{}", mask_chinese_mobile(digits)),
    };
    if chars.get(start..start + 2) == Some(&['8', '6']) {
        let mut at = start + 2;
        if matches!(chars.get(at), Some(' ' | '-')) {
            at += 1;
        }
        if let Some((end, digits)) = mobile_number_at(chars, at) {
            return Some((end, finding("86 ", &digits)));
        }
    }
    let (end, digits) = mobile_number_at(chars, start)?;
    Some((end, finding("", &digits)))
}

/// `1[3-9]` and 9 digits, contiguous or grouped 3-4-4 by spaces or dashes, standing alone at
/// its end. Returns the end and the 11 digits.
fn mobile_number_at(chars: &[char], start: usize) -> Option<(usize, String)> {
    let is_separator = |at: usize| matches!(chars.get(at), Some(' ' | '-'));
    let (end, digits): (usize, String) = match digit_run(chars, start) {
        11 => (start + 11, chars[start..start + 11].iter().collect()),
        3 if is_separator(start + 3)
            && digit_run(chars, start + 4) == 4
            && is_separator(start + 8)
            && digit_run(chars, start + 9) == 4 =>
        {
            let digits = chars[start..start + 13]
                .iter()
                .filter(|c| c.is_ascii_digit())
                .collect();
            (start + 13, digits)
        }
        _ => return None,
    };
    (is_chinese_mobile(&digits) && ends_alone(chars, end)).then_some((end, digits))
}

/// North American numbers in layouts nothing else uses: `(555) 234-5678`, `(555)234-5678`,
/// `555-234-5678`, `555.234.5678`; area code and exchange start with 2–9.
fn north_american_phone(chars: &[char], start: usize) -> Option<(usize, PiiFinding)> {
    let three_digits = |at: usize| digit_run(chars, at) == 3;
    let (area, exchange, separator) = if chars.get(start) == Some(&'(') {
        if !three_digits(start + 1) || chars.get(start + 4) != Some(&')') {
            return None;
        }
        let exchange = if chars.get(start + 5) == Some(&' ') {
            start + 6
        } else {
            start + 5
        };
        let separator = *chars.get(exchange + 3)?;
        if !matches!(separator, '-' | '.') {
            return None;
        }
        (start + 1, exchange, separator)
    } else {
        let separator = *chars.get(start + 3)?;
        if !three_digits(start) || !matches!(separator, '-' | '.') {
            return None;
        }
        (start, start + 4, separator)
    };
    let line = exchange + 4;
    if !three_digits(exchange)
        || chars.get(exchange + 3) != Some(&separator)
        || digit_run(chars, line) != 4
        || !ends_alone(chars, line + 4)
    {
        return None;
    }
    let area_code: String = chars[area..area + 3].iter().collect();
    if chars[area] < '2' || chars[exchange] < '2' || is_service_prefix(&area_code) {
        return None;
    }
    let last_four: String = chars[line..line + 4].iter().collect();
    Some((
        line + 4,
        PiiFinding {
            kind: PiiKind::Phone,
            masked: format!("***-***-{last_four}"),
        },
    ))
}

/// The ISO 7064 MOD 11-2 check character of the first 17 digits of a Chinese resident ID.
fn chinese_id_check(digits: &[char]) -> Option<char> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    if digits.len() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, weight) in digits.iter().zip(WEIGHTS) {
        sum += c.to_digit(10)? * weight;
    }
    CHECK.get(usize::try_from(sum % 11).ok()?).copied()
}

/// A Chinese resident ID number at `start`: 17 digits and a digit or `X`, region digit 1–8,
/// birth date at positions 7–14, valid check digit.
fn chinese_id(chars: &[char], start: usize) -> Option<(usize, PiiFinding)> {
    let end = start + 18;
    let id = chars.get(start..end)?;
    let check = id[17].to_ascii_uppercase();
    if !id[..17].iter().all(char::is_ascii_digit)
        || !(check.is_ascii_digit() || check == 'X')
        || !ends_alone(chars, end)
        || !('1'..='8').contains(&id[0])
    {
        return None;
    }
    let year = digits_value(&id[6..10]);
    if !(1900..=2099).contains(&year)
        || !is_date(year, digits_value(&id[10..12]), digits_value(&id[12..14]))
        || chinese_id_check(&id[..17]) != Some(check)
    {
        return None;
    }
    let head: String = id[..3].iter().collect();
    let tail: String = id[14..17].iter().chain([&check]).collect();
    Some((
        end,
        PiiFinding {
            kind: PiiKind::NationalId,
            masked: format!("{head}{}{tail}", stars(11)),
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// Crisis language
// ---------------------------------------------------------------------------------------------

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

    // Watched words --------------------------------------------------------------------------

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

    // Personal information -------------------------------------------------------------------

    fn phones(text: &str) -> Vec<String> {
        find_pii(text)
            .into_iter()
            .filter(|f| f.kind == PiiKind::Phone)
            .map(|f| f.masked)
            .collect()
    }

    #[test]
    fn finds_and_masks_email_addresses() {
        let found = find_pii("Write to anna.lee@example.org. Or bo@mail.example.cn!");
        assert_eq!(
            found,
            vec![
                PiiFinding {
                    kind: PiiKind::Email,
                    masked: "an***@example.org".to_owned()
                },
                PiiFinding {
                    kind: PiiKind::Email,
                    masked: "b***@mail.example.cn".to_owned()
                },
            ]
        );
        // A QQ address is one email, not also a phone number.
        let qq = find_pii("我的邮箱13812345678@qq.com");
        assert_eq!(qq.len(), 1);
        assert_eq!(qq[0].kind, PiiKind::Email);
        for not_email in ["@anna thanks", "me@localhost", "a@b.c", "x@@y.org"] {
            assert!(find_pii(not_email).is_empty(), "{not_email:?}");
        }
    }

    #[test]
    fn finds_international_phone_numbers() {
        assert_eq!(phones("call +44 20 7946 0958 today"), ["+44 ******0958"]);
        assert_eq!(phones("US: +1 (555) 123-4567."), ["+1 ******4567"]);
        assert_eq!(phones("+33 1 23 45 67 89"), ["+33 *****6789"]);
        assert_eq!(phones("+49-30-1234567"), ["+49 *****4567"]);
        assert_eq!(phones("tel:+442079460958"), ["+44 ******0958"]);
        assert_eq!(phones("+44 20 7946 0958 2024"), ["+44 ******0958"]);
        assert_eq!(phones("(+44 (0)20 7946 0958)"), ["+44 *******0958"]);
    }

    #[test]
    fn finds_chinese_mobile_numbers() {
        assert_eq!(phones("我的电话13812345678，晚上打"), ["138****5678"]);
        assert_eq!(phones("+86 138 1234 5678"), ["+86 138****5678"]);
        assert_eq!(phones("+8613812345678"), ["+86 138****5678"]);
        assert_eq!(phones("138-1234-5678"), ["138****5678"]);
        assert_eq!(phones("138 1234 5678"), ["138****5678"]);
        assert_eq!(phones("86 139 8765 4321"), ["86 139****4321"]);
        assert_eq!(phones("8619912345678"), ["86 199****5678"]);
        assert_eq!(phones("电话：１３８１２３４５６７８"), ["138****5678"]);
        assert_eq!(phones("138\u{200B}12345678"), ["138****5678"]);
        assert_eq!(
            phones("13812345678,13987654321"),
            ["138****5678", "139****4321"]
        );
        // Not standalone, or not a mobile prefix.
        for not_mobile in [
            "12812345678",
            "138123456789",
            "2013812345678",
            "x13812345678",
            "13812345678kg",
            "3.13812345678",
            "138 12345678",
        ] {
            assert!(phones(not_mobile).is_empty(), "{not_mobile:?}");
        }
    }

    #[test]
    fn finds_north_american_numbers_but_not_helplines() {
        assert_eq!(phones("(555) 234-4567"), ["***-***-4567"]);
        assert_eq!(phones("(555)234-4567"), ["***-***-4567"]);
        assert_eq!(
            phones("call 555-234-4567 or 555.234.4568"),
            ["***-***-4567", "***-***-4568"]
        );
        // Exchanges and area codes never start with 0 or 1.
        assert!(phones("555-123-4567").is_empty());
        assert!(phones("800-273-8255").is_empty());
        assert!(phones("+1 800 273 8255").is_empty());
        assert!(phones("心理援助热线 400-161-9995").is_empty());
        assert!(phones("123-456-7890").is_empty());
    }

    /// The check character computed the recursive ISO 7064 way, independently of
    /// [`chinese_id_check`].
    fn iso7064_mod11_2(digits: &str) -> char {
        let p = digits
            .chars()
            .filter_map(|c| c.to_digit(10))
            .fold(0, |p, d| (p + d) * 2 % 11);
        match (12 - p) % 11 {
            10 => 'X',
            n => char::from_digit(n, 10).unwrap_or('?'),
        }
    }

    #[test]
    fn finds_chinese_resident_ids_with_a_valid_check_digit() {
        assert_eq!(iso7064_mod11_2("11010519491231002"), 'X');
        // One check character is a digit, one is X.
        let ending_in_digit = "11010519800101123";
        assert_eq!(iso7064_mod11_2(ending_in_digit), '8');
        let ending_in_x = "44030419900307123";
        assert_eq!(iso7064_mod11_2(ending_in_x), 'X');
        let valid = [
            "11010519491231002X".to_owned(),
            "11010519491231002x".to_owned(),
            format!("{ending_in_digit}{}", iso7064_mod11_2(ending_in_digit)),
            format!("{ending_in_x}{}", iso7064_mod11_2(ending_in_x)),
        ];
        for id in &valid {
            let found = find_pii(&format!("身份证号：{id}，请核对"));
            assert_eq!(found.len(), 1, "{id}");
            assert_eq!(found[0].kind, PiiKind::NationalId);
            assert_eq!(found[0].masked.chars().count(), 18);
        }
        assert_eq!(
            find_pii("11010519491231002X")[0].masked,
            "110***********002X"
        );

        // The same with a wrong check digit, an impossible date, or glued to other characters.
        for id in [
            "110105194912310021",
            "110105198001011239",
            "440304199003071231",
            "11010519491231002",
            "11010519491331002X",
            "91010519491231002X",
            "A11010519491231002X",
            "11010519491231002X5",
        ] {
            assert!(find_pii(id).is_empty(), "{id}");
        }
    }

    #[test]
    fn ordinary_health_talk_has_no_personal_information() {
        for text in [
            "I take 200 mg hydroxychloroquine twice daily",
            "Prednisone 5mg twice daily since 2024-03-15",
            "My eGFR was 45 last month, down from 60",
            "C3 0.6 g/L, C4 0.08 g/L, anti-dsDNA 320 IU/mL",
            "Next appointment 15/03/2024 at 14:30, then 03.04.2024",
            "I'm enrolled in NCT01234567; my friend is in ChiCTR2100012345",
            "Old registry id ChiCTR-IOR-15006089, EU CT 2022-500123-45-00",
            "Urine protein 1500 mg/24h, creatinine 88 µmol/L, ESR 45 mm/hr",
            "Methotrexate 15 mg weekly plus folic acid 5 mg",
            "The infusion costs $1,299.00 or £1,050 per dose, ¥12800 in Shanghai",
            "ANA 1:320 speckled, +2 proteinuria on 2023.11.02",
            "Diagnosed in 1998, flare in 2015, remission since 2019",
            "Weight went from 68.5 kg to 74.2 kg (+5.7 kg), BP 138/85",
            "Belimumab 10 mg/kg every 4 weeks, platelets 150 x 10^9/L",
            "Proteinuria +3 2024-03-15 and +1 15.03.2024",
            "Vitamin D 1,000,000 IU total over 12345678 seconds",
            "每天服用羟氯喹200毫克，泼尼松5mg，已经吃了3年",
            "我的补体C3是0.6 g/L，抗双链DNA 320 IU/mL",
            "2024年3月15日复查，尿蛋白1.5克/24小时，肌酐88",
            "试验编号ChiCTR2100012345，费用12800元",
            "血小板 150×10^9/L，白细胞 3.2×10^9/L，住院第13天",
            "下午2:30打针，20240315开始减量",
            "Email me about it @ the meeting, room 138",
        ] {
            let found = find_pii(text);
            assert!(found.is_empty(), "{text:?} gave {found:?}");
        }
    }

    #[test]
    fn findings_come_in_text_order() {
        let kinds: Vec<PiiKind> =
            find_pii("call 13812345678 or mail an@example.org, id 11010519491231002X")
                .into_iter()
                .map(|f| f.kind)
                .collect();
        assert_eq!(kinds, [PiiKind::Phone, PiiKind::Email, PiiKind::NationalId]);
    }

    // Crisis language ------------------------------------------------------------------------

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
