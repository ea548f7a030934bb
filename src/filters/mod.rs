//! The automatic filters run on a post's title and body before a post or an edit is stored:
//! moderators' watched words, a personal-information detector and a crisis-language detector.
//! Everything here is a pure function over text; the forum decides what to do with the results
//! (refuse, hold, queue, answer with support resources).
//!
//! - [`words`]: moderators' watched words;
//! - [`pii`]: the personal-information detector;
//! - [`crisis`]: the crisis-language detector;
//! - [`screen`]: the three run together on a post, as the forum stores it.

pub mod crisis;
pub mod pii;
pub mod screen;
pub mod words;

pub use crisis::is_crisis;
pub use pii::{PiiFinding, PiiKind, find_pii};
pub use words::{
    DEFAULT_RULES, PATTERN_MAX_CHARS, PATTERN_MIN_LITERAL_CHARS, WatchedWord, WordAction,
    check_pattern, matching_rules,
};

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
