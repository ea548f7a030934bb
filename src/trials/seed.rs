//! The trial notices of `butterfly seed --scale N` (benchmark data; the demo notices of
//! `butterfly seed --demo` are `server::demo`): recruiting lupus trials, half written in
//! English and half in Chinese, with sites on several continents and age ranges. [`notice`]
//! builds the request a coordinator would send; the seed checks it with `content::check` and
//! publishes it with `service::publish_demo`, so every derived column (search text, condition
//! and country keys, registry ids) is what the app itself writes. Every notice says in its
//! summary that it is benchmark data.

use chrono::NaiveDate;

use super::model::{
    Contact, Eligibility, Intervention, InterventionType, NoticeRequest, Phase, PracticalDetails,
    RecruitmentStatus, Sex, Site,
};
use super::precheck::model::StructuredCriteria;

/// A site city: (English name, Chinese name, country, latitude, longitude).
type City = (&'static str, &'static str, &'static str, f64, f64);

/// Cities of the sites, on six continents; Chinese notices have most of their sites in the
/// first four.
pub const CITIES: &[City] = &[
    ("Beijing", "北京", "China", 39.9042, 116.4074),
    ("Shanghai", "上海", "China", 31.2304, 121.4737),
    ("Guangzhou", "广州", "China", 23.1291, 113.2644),
    ("Chengdu", "成都", "China", 30.5728, 104.0668),
    ("Berlin", "柏林", "Germany", 52.5200, 13.4050),
    ("Paris", "巴黎", "France", 48.8566, 2.3522),
    ("London", "伦敦", "United Kingdom", 51.5074, -0.1278),
    ("Boston", "波士顿", "United States", 42.3601, -71.0589),
    ("New York", "纽约", "United States", 40.7128, -74.0060),
    ("Toronto", "多伦多", "Canada", 43.6532, -79.3832),
    ("São Paulo", "圣保罗", "Brazil", -23.5505, -46.6333),
    ("Mexico City", "墨西哥城", "Mexico", 19.4326, -99.1332),
    ("Sydney", "悉尼", "Australia", -33.8688, 151.2093),
    ("Lagos", "拉各斯", "Nigeria", 6.5244, 3.3792),
    ("Tokyo", "东京", "Japan", 35.6762, 139.6503),
    ("Singapore", "新加坡", "Singapore", 1.3521, 103.8198),
];

/// Cities of Chinese notices' sites (indexes into [`CITIES`]) most of the time.
const CHINESE_CITIES: usize = 4;

const EN_CONDITIONS: &[&str] = &[
    "Systemic Lupus Erythematosus",
    "Lupus Nephritis",
    "Cutaneous Lupus Erythematosus",
    "Neuropsychiatric Lupus",
];

const ZH_CONDITIONS: &[&str] = &[
    "系统性红斑狼疮",
    "狼疮肾炎",
    "皮肤型红斑狼疮",
    "神经精神狼疮",
];

/// (kind, English name, Chinese name) of the interventions.
const INTERVENTIONS: &[(InterventionType, &str, &str)] = &[
    (
        InterventionType::Biological,
        "CD19 CAR-T cells",
        "CD19 CAR-T 细胞",
    ),
    (
        InterventionType::Biological,
        "BCMA-CD19 CAR-T cells",
        "BCMA-CD19 CAR-T 细胞",
    ),
    (InterventionType::Drug, "Anifrolumab", "阿尼鲁单抗"),
    (InterventionType::Drug, "Belimumab", "贝利尤单抗"),
    (InterventionType::Drug, "Obinutuzumab", "奥妥珠单抗"),
    (InterventionType::Drug, "Voclosporin", "伏环孢素"),
    (InterventionType::Drug, "Telitacicept", "泰它西普"),
    (
        InterventionType::Drug,
        "Low-dose interleukin-2",
        "低剂量白介素-2",
    ),
];

const PHASES: &[Phase] = &[Phase::Phase1, Phase::Phase1_2, Phase::Phase2, Phase::Phase3];

const EN_SPONSORS: &[&str] = &[
    "Lupus Research Network",
    "Northern University Hospital",
    "Atlantic Biotherapeutics",
    "Global Autoimmunity Trials Group",
];

const ZH_SPONSORS: &[&str] = &[
    "中华风湿病研究协作组",
    "北方大学附属医院",
    "华东生物医药有限公司",
];

/// The summary's first line: the notice is not real.
const EN_NOTE: &str = "*Benchmark data (`butterfly seed --scale`): not a real recruitment notice.*";
const ZH_NOTE: &str = "*性能测试数据（`butterfly seed --scale`）：不是真实的招募信息。*";

/// The `index`-th seeded notice (0-based; even indexes are in English, odd ones in Chinese);
/// `pick(n)` draws a number below `n` (the seed's generator).
pub fn notice(index: usize, pick: &mut impl FnMut(usize) -> usize) -> NoticeRequest {
    let chinese = index % 2 == 1;
    let (kind, en_name, zh_name) = INTERVENTIONS[pick(INTERVENTIONS.len())];
    let main = pick(EN_CONDITIONS.len());
    let second = (main + 1 + pick(EN_CONDITIONS.len() - 1)) % EN_CONDITIONS.len();
    let phase = PHASES[pick(PHASES.len())];
    let min_age = [None, Some(12.0), Some(16.0), Some(18.0)][pick(4)];
    let max_age = [None, Some(65.0), Some(70.0), Some(75.0)][pick(4)];
    let sex = if pick(10) == 0 { Sex::Female } else { Sex::All };
    let sites: Vec<Site> = (0..1 + pick(4))
        .map(|s| {
            let city = if chinese && pick(5) > 0 {
                CITIES[pick(CHINESE_CITIES)]
            } else {
                CITIES[pick(CITIES.len())]
            };
            site(city, chinese, s, pick(1_000))
        })
        .collect();
    let number = index + 1;
    let (registry_id, title, summary, conditions, intervention, sponsor, criteria) = if chinese {
        (
            format!("ChiCTR26{number:08}"),
            format!(
                "{zh_name}治疗{}的临床研究（第 {number} 号）",
                ZH_CONDITIONS[main]
            ),
            format!(
                "{ZH_NOTE}\n\n本研究评估{zh_name}在{}患者中的安全性和疗效，包括红斑狼疮伴狼疮肾炎\
                 （狼疮性肾炎）的患者。参加者需要定期随访和抽血检查。",
                ZH_CONDITIONS[main]
            ),
            vec![
                ZH_CONDITIONS[main].to_owned(),
                ZH_CONDITIONS[second].to_owned(),
            ],
            zh_name,
            ZH_SPONSORS[pick(ZH_SPONSORS.len())],
            "入选标准：确诊系统性红斑狼疮，标准治疗效果不佳。排除标准：妊娠或哺乳期。",
        )
    } else {
        (
            format!("NCT9{number:07}"),
            format!(
                "{en_name} in {} (seeded study {number})",
                EN_CONDITIONS[main].to_lowercase()
            ),
            format!(
                "{EN_NOTE}\n\nA study of **{en_name}** in people with {}, including those with \
                 kidney involvement (lupus nephritis) despite standard treatment. Taking part \
                 means regular visits and blood tests.",
                EN_CONDITIONS[main].to_lowercase()
            ),
            vec![
                EN_CONDITIONS[main].to_owned(),
                EN_CONDITIONS[second].to_owned(),
            ],
            en_name,
            EN_SPONSORS[pick(EN_SPONSORS.len())],
            "Inclusion: active systemic lupus erythematosus despite standard treatment. \
             Exclusion: pregnancy or breastfeeding.",
        )
    };
    NoticeRequest {
        registry_id,
        other_registry_ids: Vec::new(),
        title,
        summary,
        conditions,
        interventions: vec![Intervention {
            kind,
            name: intervention.to_owned(),
        }],
        phase,
        recruitment_status: RecruitmentStatus::Recruiting,
        eligibility: Eligibility {
            min_age_years: min_age,
            max_age_years: max_age,
            sex,
            healthy_volunteers: false,
            criteria: criteria.to_owned(),
        },
        sites,
        contact: Contact {
            name: Some("Study team".into()),
            email: Some(format!("trial{number}@seed.butterfly.test")),
            phone: None,
        },
        sponsor: sponsor.to_owned(),
        start_date: NaiveDate::from_ymd_opt(2025, 1 + pick(12) as u32, 1),
        recruitment_ends: NaiveDate::from_ymd_opt(2035, 1 + pick(12) as u32, 1),
        source_url: None,
        practical: PracticalDetails::default(),
        structured_criteria: StructuredCriteria::default(),
        criteria_proposed: false,
    }
}

/// The `position`-th site of a notice in `city`, moved by up to about 5 km (`jitter` below
/// 1,000) so that sites of one city are not all at one point.
fn site(city: City, chinese: bool, position: usize, jitter: usize) -> Site {
    let (en, zh, country, lat, lon) = city;
    let offset = (jitter as f64 - 500.0) / 10_000.0;
    let facility = if chinese {
        format!("{zh}第{}人民医院", position + 1)
    } else {
        format!("{en} University Hospital {}", position + 1)
    };
    Site {
        facility,
        city: en.to_owned(),
        region: None,
        country: country.to_owned(),
        latitude: Some(lat + offset),
        longitude: Some(lon - offset),
        status: Some(RecruitmentStatus::Recruiting),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trials::content;

    #[test]
    fn seeded_notices_pass_the_checks_in_both_languages() {
        let mut state = 7_usize;
        let mut pick = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) % n
        };
        for index in 0..40 {
            let request = notice(index, &mut pick);
            let data = content::check(request).expect("a seeded notice is valid");
            let (columns, _) = content::columns(&data);
            if index % 2 == 0 {
                assert!(columns.search_text.contains("lupus nephritis"), "{index}");
            } else {
                assert!(columns.search_text.contains("狼 疮 肾 炎"), "{index}");
            }
            assert!(!data.sites.is_empty() && data.sites.len() <= 4);
        }
    }
}
