//! Screening of a post or edit before it is stored: watched words (block, hold, flag),
//! personal information, crisis language, and the hold on a new member's first posts. The
//! forum asks [`screen`] and acts on the answer in the same write transaction.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::content::PostStatus;
use crate::auth::model::Locale;
use crate::config::SupportResource;
use crate::db::AnyConnection;
use crate::db::schema::{posts, users, watched_words};
use crate::filters::{self, PiiFinding, PiiKind, WatchedWord, WordAction};
use crate::http::error::ApiError;
use crate::queue::{self, ItemKind};

/// A member's posts held for approval while they are new (trust level 0).
const NEW_MEMBER_HELD_POSTS: i64 = 2;

/// Why a post is held for review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoldReason {
    PersonalInfo(Vec<PiiFinding>),
    WatchedWord(String),
    NewMember,
}

crate::db::text_enum! {
    /// Why a post is held, as its author is told and as its queue item's reason says.
    pub enum HoldKind {
        PersonalInfo = "personal_info",
        WatchedWord = "watched_word",
        NewMember = "new_member",
    }
}

impl HoldReason {
    /// Its kind, without the details.
    pub fn kind(&self) -> HoldKind {
        match self {
            Self::PersonalInfo(_) => HoldKind::PersonalInfo,
            Self::WatchedWord(_) => HoldKind::WatchedWord,
            Self::NewMember => HoldKind::NewMember,
        }
    }

    /// What the author is told, in their language.
    pub fn message(&self, locale: Locale) -> String {
        match (self, locale) {
            (Self::PersonalInfo(found), Locale::ZhCn) => {
                let parts: Vec<String> = found
                    .iter()
                    .map(|f| {
                        let what = match f.kind {
                            PiiKind::Email => "电子邮箱地址",
                            PiiKind::Phone => "电话号码",
                            PiiKind::NationalId => "身份证号码",
                        };
                        format!("{what}（{}）", f.masked)
                    })
                    .collect();
                format!(
                    "为保护您的隐私，您的帖子暂未公开，因为其中包含{}。请编辑帖子删除这些信息，删除后会自动发布。",
                    parts.join("、")
                )
            }
            (Self::WatchedWord(_), Locale::ZhCn) => {
                "您的帖子包含需要版主查看的词语，版主审核后才会公开。".into()
            }
            (Self::NewMember, Locale::ZhCn) => {
                "欢迎加入！新成员的前几篇帖子需要版主审核后才会公开，通常需要几个小时。".into()
            }
            (Self::PersonalInfo(found), Locale::En) => {
                let parts: Vec<String> = found
                    .iter()
                    .map(|f| {
                        let what = match f.kind {
                            PiiKind::Email => "an email address",
                            PiiKind::Phone => "a phone number",
                            PiiKind::NationalId => "an identity card number",
                        };
                        format!("{what} ({})", f.masked)
                    })
                    .collect();
                format!(
                    "Your post is held for review because it contains {}. To protect your \
                     privacy, edit it to remove this and it will be published.",
                    parts.join(", ")
                )
            }
            (Self::WatchedWord(_), Locale::En) => {
                "Your post is held for a moderator to review before it \
                                     appears, because it contains a phrase our moderators check."
                    .into()
            }
            (Self::NewMember, Locale::En) => {
                "Welcome! A new member's first posts are checked by a moderator \
                                before they appear; this usually takes a few hours."
                    .into()
            }
        }
    }
}

/// What screening found.
#[derive(Debug, Default)]
pub struct Screening {
    pub hold: Option<HoldReason>,
    /// A `flag` rule matched: publish, and queue it for a look.
    pub flag_rule: Option<String>,
    pub crisis: bool,
}

impl Screening {
    /// The status a screened new post is stored with.
    pub fn status(&self) -> PostStatus {
        if self.hold.is_some() {
            PostStatus::Held
        } else {
            PostStatus::Published
        }
    }
}

/// What the author learns about their post's moderation, in the response to writing it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostNotice {
    /// Whether the post waits for a moderator before others can see it.
    pub held: bool,
    /// Why, when held.
    pub reason: Option<HoldKind>,
    pub message: Option<String>,
    /// The personal information found, partly masked, so the author knows what to edit.
    pub personal_info: Vec<PiiFinding>,
    /// Support contacts, when the post reads like its author may be in crisis.
    pub support_resources: Vec<SupportResource>,
}

fn rules(conn: &mut AnyConnection) -> QueryResult<Vec<WatchedWord>> {
    let rows: Vec<(i64, String, WordAction)> = watched_words::table
        .select((
            watched_words::id,
            watched_words::pattern,
            watched_words::action,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, pattern, action)| WatchedWord {
            id,
            pattern,
            action,
        })
        .collect())
}

/// Screens `text` (title and body) written by `author_id`. A `block` rule refuses it with 422
/// naming the rule; nothing is stored. `new_post` is false for edits (the new-member hold
/// applies only to new posts).
pub fn screen(
    conn: &mut AnyConnection,
    author_id: i64,
    text: &str,
    new_post: bool,
) -> Result<Screening, ApiError> {
    let rules = rules(conn)?;
    let matched = filters::matching_rules(&rules, text);
    if let Some(rule) = matched.iter().find(|r| r.action == WordAction::Block) {
        return Err(ApiError::invalid(
            "body",
            format!(
                "contains a blocked phrase (rule {}: \"{}\"); please rephrase",
                rule.id, rule.pattern
            ),
        ));
    }
    let pii = filters::find_pii(text);
    let mut screening = Screening {
        crisis: filters::is_crisis(text),
        flag_rule: matched
            .iter()
            .find(|r| r.action == WordAction::Flag)
            .map(|r| r.pattern.clone()),
        hold: None,
    };
    screening.hold = if !pii.is_empty() {
        Some(HoldReason::PersonalInfo(pii))
    } else if let Some(rule) = matched.iter().find(|r| r.action == WordAction::Hold) {
        Some(HoldReason::WatchedWord(rule.pattern.clone()))
    } else if new_post && is_new_member(conn, author_id)? {
        Some(HoldReason::NewMember)
    } else {
        None
    };
    Ok(screening)
}

/// Trust level 0 with fewer than two posts so far.
fn is_new_member(conn: &mut AnyConnection, author_id: i64) -> QueryResult<bool> {
    let trust: i32 = users::table
        .find(author_id)
        .select(users::trust_level)
        .first(conn)?;
    if trust > 0 {
        return Ok(false);
    }
    let written: i64 = posts::table
        .filter(posts::author_id.eq(author_id))
        .count()
        .get_result(conn)?;
    Ok(written < NEW_MEMBER_HELD_POSTS)
}

/// Opens the queue items a screened post needs, and returns what its author is told.
pub fn enqueue_findings(
    state: &AppState,
    conn: &mut AnyConnection,
    post_id: i64,
    screening: &Screening,
    author_locale: Locale,
) -> Result<Option<PostNotice>, ApiError> {
    if let Some(hold) = &screening.hold {
        queue::open_item(
            conn,
            ItemKind::HeldPost,
            post_id,
            Some(hold.kind().as_str()),
            queue::severity(ItemKind::HeldPost, Some(hold.kind().as_str())),
        )?;
    }
    if screening.crisis {
        queue::open_item(
            conn,
            ItemKind::Crisis,
            post_id,
            Some("crisis_language"),
            queue::CRISIS_SEVERITY,
        )?;
    }
    if screening.flag_rule.is_some() && screening.hold.is_none() {
        queue::open_item(
            conn,
            ItemKind::FlaggedPost,
            post_id,
            Some("watched_word"),
            queue::severity(ItemKind::FlaggedPost, Some("other")),
        )?;
    }
    if screening.hold.is_none() && !screening.crisis {
        return Ok(None);
    }
    Ok(Some(PostNotice {
        held: screening.hold.is_some(),
        reason: screening.hold.as_ref().map(HoldReason::kind),
        message: screening.hold.as_ref().map(|h| h.message(author_locale)),
        personal_info: match &screening.hold {
            Some(HoldReason::PersonalInfo(found)) => found.clone(),
            _ => Vec::new(),
        },
        support_resources: if screening.crisis {
            match author_locale {
                Locale::En => state.settings.crisis.resources_en.clone(),
                Locale::ZhCn => state.settings.crisis.resources_zh_cn.clone(),
            }
        } else {
            Vec::new()
        },
    }))
}
