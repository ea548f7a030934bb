//! Display names: what a pseudonym may look like, and the key two names are compared by.
//!
//! A name is stored in Unicode normalization form NFKC (so `Ａdmin1` is stored as `Admin1`),
//! must use characters that UTS #39 allows in identifiers (no invisible fillers or format
//! characters) from a single script (Han with kana or Hangul counts as one, as in Japanese and
//! Korean names), and is unique by its *confusable skeleton* (UTS #39): `Аdmin1` (Cyrillic А),
//! `𝐀dmin1`, `Admın1` and `Adrnin1` all share the skeleton of `admin1`, so only the first of them
//! to be registered gets it. Reserved names are compared the same way, ignoring `_` and `-`.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{GeneralSecurityProfile, RestrictionLevel, RestrictionLevelDetection};

/// Shortest and longest name, in characters.
pub const MIN_CHARS: usize = 2;
pub const MAX_CHARS: usize = 32;

/// Names nobody may take, nor anything that looks like them.
const RESERVED: &[&str] = &[
    "admin",
    "administrator",
    "moderator",
    "mod",
    "anonymous",
    "anonymous_member",
    "former_member",
    "butterfly",
    "support",
    "staff",
    "system",
    "root",
    "deleted",
    "coordinator",
    "匿名",
    "匿名用户",
    "管理员",
    "版主",
];

/// A display name that may be taken, with the key it is compared by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName {
    /// The name as shown (NFKC, trimmed).
    pub written: String,
    /// The confusable skeleton of the name, lower-cased: unique among accounts.
    pub skeleton: String,
}

/// The comparison key of a name: the UTS #39 skeleton of its NFKC form, lower-cased first so
/// that names differing only in case meet too.
pub fn skeleton(name: &str) -> String {
    let lower = name.nfkc().collect::<String>().to_lowercase();
    unicode_security::skeleton(&lower).collect()
}

fn is_separator(c: char) -> bool {
    c == '_' || c == '-'
}

/// Checks a name a member asks for; the error is a message for the `display_name` field.
pub fn parse(raw: &str) -> Result<DisplayName, String> {
    let written: String = raw.nfkc().collect::<String>().trim().to_owned();
    let length = written.chars().count();
    if !(MIN_CHARS..=MAX_CHARS).contains(&length) {
        return Err(format!("must be {MIN_CHARS} to {MAX_CHARS} characters"));
    }
    let allowed = |c: char| is_separator(c) || (c.is_alphanumeric() && c.identifier_allowed());
    if !written.chars().all(allowed) {
        return Err("may contain only letters, digits, `_` and `-`".into());
    }
    let letters: String = written.chars().filter(|c| !is_separator(*c)).collect();
    if letters.is_empty() {
        return Err("must contain a letter or a digit".into());
    }
    if !letters
        .as_str()
        .check_restriction_level(RestrictionLevel::SingleScript)
    {
        return Err("must be written in one script (do not mix, say, Latin and Cyrillic)".into());
    }
    let key = skeleton(&written);
    let bare: String = key.chars().filter(|c| !is_separator(*c)).collect();
    let reserved = RESERVED.iter().any(|name| {
        let reserved: String = skeleton(name)
            .chars()
            .filter(|c| !is_separator(*c))
            .collect();
        reserved == bare
    });
    if reserved {
        return Err("is reserved".into());
    }
    Ok(DisplayName {
        written,
        skeleton: key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn any_text_is_a_name_or_refused_and_names_are_stable(raw in "\\PC{0,40}") {
            if let Ok(name) = parse(&raw) {
                prop_assert_eq!(parse(&name.written), Ok(name.clone()), "parsing is idempotent");
                prop_assert_eq!(skeleton(&name.written), name.skeleton);
                prop_assert!((MIN_CHARS..=MAX_CHARS).contains(&name.written.chars().count()));
            }
        }
    }

    #[test]
    fn honest_names_in_many_scripts_are_accepted() {
        for name in [
            "Lingling",
            "林玲",
            "小梅",
            "Mei_Lin",
            "Анастасия",
            "Ана-Мария",
            "さくら子",
            "김민지",
            "Zoë_2",
            "Ana-L",
        ] {
            assert!(parse(name).is_ok(), "{name}: {:?}", parse(name));
        }
    }

    #[test]
    fn look_alikes_of_a_name_share_its_skeleton() {
        let admin = skeleton("Admin1");
        for name in ["Аdmin1", "Ａdmin1", "𝐀dmin1", "Admın1", "ADMIN1", "Adrnin1"] {
            assert_eq!(skeleton(name), admin, "{name}");
        }
        assert_ne!(skeleton("Admin2"), admin);
        assert_ne!(skeleton("Lingling"), skeleton("林玲"));
    }

    #[test]
    fn full_width_and_styled_letters_are_stored_plainly() {
        assert_eq!(parse("Ａdmin1").map(|n| n.written), Ok("Admin1".into()));
        assert_eq!(parse("𝐀dmin1").map(|n| n.written), Ok("Admin1".into()));
    }

    #[test]
    fn mixed_scripts_fillers_and_invisible_characters_are_refused() {
        for name in [
            "Аdmin1",           // Cyrillic А among Latin letters
            "Аnonymous_member", // the same, past the reserved list
            "\u{3164}\u{3164}\u{3164}",
            "Ana\u{3164}",
            "\u{115F}\u{1160}ab",
            "Ana\u{200B}Lin",
            "Ana\u{00AD}Lin",
            "a b",
            "__",
            "-",
        ] {
            assert!(parse(name).is_err(), "{name:?} was accepted");
        }
    }

    #[test]
    fn reserved_names_are_refused_in_any_disguise() {
        for name in [
            "admin",
            "Anonymous-Member",
            "anonymous_member",
            "Anonymousmember",
            "MODERATOR",
            "rnoderator",
            "管理员",
        ] {
            assert_eq!(parse(name), Err("is reserved".into()), "{name}");
        }
    }

    #[test]
    fn lengths_are_counted_in_characters() {
        assert!(parse("a").is_err());
        assert!(parse(&"狼".repeat(32)).is_ok());
        assert!(parse(&"a".repeat(33)).is_err());
    }
}
