//! The personal-information detector.
//!
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

use std::ops::Range;

use serde::Serialize;
use utoipa::ToSchema;

use super::{fold_width, is_invisible};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
