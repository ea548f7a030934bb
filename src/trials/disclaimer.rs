//! The health-education disclaimer every notice carries, the research disclaimer every
//! pre-check carries, and the language they are shown in: the reader's account locale, else
//! their `Accept-Language`, else English.

use crate::auth::model::Locale;

/// The health-education disclaimer every notice carries.
pub fn disclaimer(locale: Locale) -> &'static str {
    match locale {
        Locale::En => {
            "Clinical trials are research, not established treatment. Whether you can take part \
             is decided by the trial's physicians, not by this notice. Talk to your own doctor \
             before deciding anything, and never start, stop or change a treatment on your own."
        }
        Locale::ZhCn => {
            "临床试验是科学研究，不是已被证实的常规治疗。您能否参加由试验医生判断，而不是由这则信息决定。\
             做任何决定之前请先咨询您自己的医生，切勿自行开始、停止或更改任何治疗。"
        }
    }
}

/// The research disclaimer every pre-check answer carries: only the trial team decides
/// eligibility.
pub fn pre_check_disclaimer(locale: Locale) -> &'static str {
    match locale {
        Locale::En => {
            "This pre-check compares the notice with your own health profile and is only a \
             guide: only the trial team decides eligibility. Clinical trials are research, not \
             established treatment; talk to your own doctor, and never start, stop or change a \
             treatment on your own."
        }
        Locale::ZhCn => {
            "此预筛只是将试验信息与您自己的健康档案作比较，仅供参考：能否入组只由试验团队决定。\
             临床试验是科学研究，不是已被证实的常规治疗；请咨询您自己的医生，切勿自行开始、停止或更改任何治疗。"
        }
    }
}

/// The language an `Accept-Language` header prefers among ours (highest `q`, first wins).
pub fn locale_from_accept_language(header: Option<&str>) -> Option<Locale> {
    let mut best: Option<(f32, Locale)> = None;
    for part in header?.split(',') {
        let mut fields = part.split(';');
        let tag = fields.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = fields
            .find_map(|f| f.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let locale = if tag == "zh" || tag.starts_with("zh-") {
            Locale::ZhCn
        } else if tag == "en" || tag.starts_with("en-") {
            Locale::En
        } else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, locale));
        }
    }
    best.map(|(_, l)| l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_the_highest_quality() {
        assert_eq!(
            locale_from_accept_language(Some("zh-CN,zh;q=0.9,en;q=0.8")),
            Some(Locale::ZhCn)
        );
        assert_eq!(
            locale_from_accept_language(Some("en-GB, zh;q=0.5")),
            Some(Locale::En)
        );
        assert_eq!(
            locale_from_accept_language(Some("fr, zh-TW;q=0.4")),
            Some(Locale::ZhCn)
        );
        assert_eq!(locale_from_accept_language(Some("fr")), None);
        assert_eq!(locale_from_accept_language(None), None);
    }
}
