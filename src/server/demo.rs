//! `butterfly seed --demo`: on an empty database, a few demo accounts, example threads on the
//! boards, and a handful of lupus trial notices built from public registry facts (CAR-T trials
//! in SLE and lupus nephritis). Everything is clearly marked: display names start with
//! `Demo_`, addresses end in `@demo.example.org`, titles start with `[Demo]`, and the notices
//! carry `demo: true` and say so in their summary. Registry facts drift: each demo notice tells
//! readers to check the registry record.

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::app::AppState;
use crate::auth::Caller;
use crate::auth::model::{AccountState, Role};
use crate::auth::token::random_token;
use crate::db::schema::{threads, trials, users};
use crate::db::{self};
use crate::forum::model::CreateThreadRequest;
use crate::http::error::ApiError;
use crate::trials::model::{
    Contact, Eligibility, Intervention, InterventionType, NoticeRequest, Phase, PracticalDetails,
    RecruitmentStatus, Sex, Site,
};
use crate::trials::precheck::model::{Condition, StructuredCriteria, Treatment};
use crate::trials::{content, service};

/// What the seed created, for the command's output.
#[derive(Debug)]
pub struct SeedReport {
    /// (email, display name, role) of each demo account.
    pub accounts: Vec<(String, String, Role)>,
    /// The password of every demo account (random, shown once).
    pub password: String,
    pub threads: usize,
    pub notices: usize,
}

const DEMO_NOTE: &str = "*Demo data for trying Butterfly out: built from public registry facts, \
     not a real recruitment notice. Facts change; check the registry record before relying on \
     anything here.*";

fn site(facility: &str, city: &str, region: &str, country: &str, lat: f64, lon: f64) -> Site {
    Site {
        facility: facility.into(),
        city: city.into(),
        region: Some(region.into()),
        country: country.into(),
        latitude: Some(lat),
        longitude: Some(lon),
        status: None,
    }
}

fn notices() -> Vec<NoticeRequest> {
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
    vec![
        NoticeRequest {
            other_registry_ids: Vec::new(),
            registry_id: "NCT06121297".into(),
            title: "[Demo] RESET-SLE: CD19 CAR-T cells (CABA-201) in SLE and lupus nephritis"
                .into(),
            summary: format!(
                "{DEMO_NOTE}\n\nAn open-label Phase 1/2 study of CABA-201 (rese-cel), an autologous, \
                 fully human CD19-directed CAR-T cell therapy, in people with active systemic lupus \
                 erythematosus, with or without kidney involvement (lupus nephritis).\n\n\
                 一项开放标签的 1/2 期研究：评估 CD19 CAR-T 细胞疗法在活动性系统性红斑狼疮（包括狼疮性肾炎）患者中的安全性和疗效。"
            ),
            conditions: vec![
                "Systemic Lupus Erythematosus".into(),
                "Lupus Nephritis".into(),
            ],
            interventions: vec![Intervention {
                kind: InterventionType::Biological,
                name: "CABA-201 (rese-cel)".into(),
            }],
            phase: Phase::Phase1_2,
            recruitment_status: RecruitmentStatus::Recruiting,
            eligibility: Eligibility {
                min_age_years: Some(18.0),
                max_age_years: None,
                sex: Sex::All,
                healthy_volunteers: false,
                criteria: "Inclusion: active systemic lupus erythematosus despite standard \
                           treatment. Exclusion: pregnancy or breastfeeding; previous CAR-T cell \
                           therapy. See the registry record for the full criteria."
                    .into(),
            },
            sites: vec![
                site(
                    "University of North Carolina at Chapel Hill",
                    "Chapel Hill",
                    "North Carolina",
                    "United States",
                    35.9049,
                    -79.0469,
                ),
                site(
                    "Massachusetts General Hospital",
                    "Boston",
                    "Massachusetts",
                    "United States",
                    42.3626,
                    -71.0690,
                ),
                site(
                    "University of Chicago",
                    "Chicago",
                    "Illinois",
                    "United States",
                    41.7886,
                    -87.5987,
                ),
            ],
            contact: Contact {
                name: Some("Demo contact (see the registry record)".into()),
                email: Some("trials@demo.example.org".into()),
                phone: None,
            },
            sponsor: "Cabaletta Bio".into(),
            start_date: date(2024, 1, 1),
            recruitment_ends: None,
            source_url: None,
            practical: PracticalDetails {
                visits: Some(14),
                visit_minutes: Some(240),
                remote_visits: Some(true),
                travel_support: Some(true),
                accommodation_support: Some(true),
                compensation: None,
                placebo_possible: Some(false),
                treatment_weeks: Some(2),
                notes: Some("About two weeks in hospital around the infusion; follow-up visits can be done at a local hospital.".into()),
            },
            structured_criteria: StructuredCriteria {
                excluded_conditions: vec![Condition::PregnancyOrBreastfeeding],
                excluded_treatments: vec![Treatment::CarT],
                ..Default::default()
            },
            criteria_proposed: false,
        },
        NoticeRequest {
            other_registry_ids: Vec::new(),
            registry_id: "NCT05938725".into(),
            title: "[Demo] KYSA-1: KYV-101 CD19 CAR-T cells in refractory lupus nephritis".into(),
            summary: format!(
                "{DEMO_NOTE}\n\nA Phase 1/2, open-label, multicentre study of KYV-101, an autologous \
                 fully human anti-CD19 CAR-T cell therapy, in adults with refractory lupus \
                 nephritis (class III or IV).\n\n一项针对难治性狼疮性肾炎成人患者的 CD19 CAR-T 细胞疗法 1/2 期研究。"
            ),
            conditions: vec!["Lupus Nephritis".into()],
            interventions: vec![
                Intervention {
                    kind: InterventionType::Biological,
                    name: "KYV-101 anti-CD19 CAR-T cell therapy".into(),
                },
                Intervention {
                    kind: InterventionType::Drug,
                    name: "Standard lymphodepletion regimen".into(),
                },
            ],
            phase: Phase::Phase1_2,
            recruitment_status: RecruitmentStatus::ActiveNotRecruiting,
            eligibility: Eligibility {
                min_age_years: Some(18.0),
                max_age_years: None,
                sex: Sex::All,
                healthy_volunteers: false,
                criteria: "Biopsy-proven proliferative lupus nephritis class III or IV; see the \
                           registry record for the full criteria."
                    .into(),
            },
            sites: vec![
                site(
                    "Stanford University Medical Center",
                    "Palo Alto",
                    "California",
                    "United States",
                    37.4337,
                    -122.1750,
                ),
                site(
                    "Study site (see the registry record)",
                    "Philadelphia",
                    "Pennsylvania",
                    "United States",
                    39.9526,
                    -75.1652,
                ),
            ],
            contact: Contact {
                name: Some("Demo contact (see the registry record)".into()),
                email: Some("trials@demo.example.org".into()),
                phone: None,
            },
            sponsor: "Kyverna Therapeutics".into(),
            start_date: date(2023, 4, 28),
            recruitment_ends: None,
            source_url: None,
            practical: PracticalDetails::default(),
            structured_criteria: StructuredCriteria {
                required_conditions: vec![Condition::NephritisClassIII, Condition::NephritisClassIV],
                ..Default::default()
            },
            criteria_proposed: false,
        },
        NoticeRequest {
            other_registry_ids: Vec::new(),
            registry_id: "NCT05869955".into(),
            title: "[Demo] CD19 NEX-T CAR-T cells (BMS-986353) in severe, refractory SLE".into(),
            summary: format!(
                "{DEMO_NOTE}\n\nA Phase 1 study of a CD19-directed CAR-T cell therapy in people with \
                 severe systemic lupus erythematosus that did not respond to standard treatment."
            ),
            conditions: vec!["Systemic Lupus Erythematosus".into()],
            interventions: vec![Intervention {
                kind: InterventionType::Biological,
                name: "BMS-986353".into(),
            }],
            phase: Phase::Phase1,
            recruitment_status: RecruitmentStatus::Recruiting,
            eligibility: Eligibility {
                min_age_years: Some(18.0),
                max_age_years: None,
                sex: Sex::All,
                healthy_volunteers: false,
                criteria: "See the registry record for the full criteria.".into(),
            },
            sites: Vec::new(),
            contact: Contact {
                name: Some("Demo contact (see the registry record)".into()),
                email: Some("trials@demo.example.org".into()),
                phone: None,
            },
            sponsor: "Bristol-Myers Squibb".into(),
            start_date: None,
            recruitment_ends: None,
            source_url: None,
            practical: PracticalDetails::default(),
            structured_criteria: Default::default(),
            criteria_proposed: false,
        },
    ]
}

fn threads_to_post() -> Vec<(usize, &'static str, &'static str, &'static str)> {
    vec![
        (
            1,
            "introductions",
            "[Demo] Hello from Lin, diagnosed in 2019",
            "Hi everyone! I was diagnosed with SLE in 2019 after months of joint pain and fatigue. Glad to have found a place where people get it.\n\n*This is demo content.*",
        ),
        (
            2,
            "my-story",
            "[Demo] Ten years with lupus: what I wish I had known",
            "Write things down before appointments, bring someone with you, and pace yourself on good days.\n\n*This is demo content.*",
        ),
        (
            1,
            "treatments-and-trials",
            "[Demo] Has anyone asked their rheumatologist about CAR-T trials?",
            "I keep reading about CAR-T cell trials in lupus. Has anyone talked to their doctor about whether a trial could fit them? (Health education only: decisions belong with your doctors.)\n\n*This is demo content.*",
        ),
        (
            1,
            "kidneys",
            "[Demo] 狼疮性肾炎复查经验分享",
            "每个月复查尿蛋白和肾功能，记下每次的结果，复诊时带给医生看，很有帮助。\n\n*这是演示内容。*",
        ),
        (
            2,
            "side-effects",
            "[Demo] Coping with steroid side effects",
            "Moon face and sleepless nights on high-dose prednisone: what helped you?\n\n*This is demo content.*",
        ),
        (
            2,
            "carers",
            "[Demo] Supporting my sister after her diagnosis",
            "My sister was just diagnosed. How can I help without hovering?\n\n*This is demo content.*",
        ),
    ]
}

fn is_empty(conn: &mut db::AnyConnection) -> QueryResult<bool> {
    let users: i64 = users::table.count().get_result(conn)?;
    let threads: i64 = threads::table.count().get_result(conn)?;
    let trials: i64 = trials::table.count().get_result(conn)?;
    Ok(users == 0 && threads == 0 && trials == 0)
}

/// Adds the demo data; refuses unless the database has no accounts, threads or notices.
pub async fn seed_demo(state: &AppState) -> Result<SeedReport, ApiError> {
    let empty = state
        .db
        .read(|conn| Ok::<_, ApiError>(is_empty(conn)?))
        .await?;
    if !empty {
        return Err(ApiError::Conflict(
            "the database is not empty: demo data is only added to an empty database".into(),
        ));
    }
    let password = format!("demo-{}", &random_token()[..20]);
    let people = [
        (
            "demo-coordinator@demo.example.org",
            "Demo_Coordinator",
            Role::Coordinator,
        ),
        ("demo-lin@demo.example.org", "Demo_Lin", Role::Member),
        ("demo-ana@demo.example.org", "Demo_Ana", Role::Member),
    ];
    let mut ids = Vec::new();
    for (email, name, role) in people {
        ids.push(
            crate::accounts::service::create_user(&state.db, email, name, &password, role).await?,
        );
    }
    let caller = |i: usize, role: Role| Caller {
        user_id: ids[i],
        session_id: 0,
        role,
        state: AccountState::Active,
        state_until: None,
        // The seed acts for the demo accounts; no session, so no second factor to ask for.
        needs_two_factor: false,
    };
    let mut threads = 0;
    for (author, board, title, body) in threads_to_post() {
        crate::forum::service::create_thread(
            state,
            &caller(author, Role::Member),
            board.into(),
            CreateThreadRequest {
                title: title.into(),
                body: body.into(),
                tags: vec!["demo".into()],
                anonymous: false,
                content_warning: None,
            },
        )
        .await?;
        threads += 1;
    }
    let coordinator = ids[0];
    let data: Vec<content::NoticeData> = notices()
        .into_iter()
        .map(content::check)
        .collect::<Result<_, _>>()?;
    let notices = data.len();
    state
        .db
        .write(move |conn| {
            for notice in &data {
                service::publish_demo(conn, coordinator, notice)?;
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    Ok(SeedReport {
        accounts: people
            .iter()
            .map(|(e, n, r)| ((*e).to_owned(), (*n).to_owned(), *r))
            .collect(),
        password,
        threads,
        notices,
    })
}
