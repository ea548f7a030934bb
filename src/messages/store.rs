//! Queries of the tables of private messages: `conversations`, `conversation_members`,
//! `private_messages`, `message_settings` and `message_reports`. What a member may see is
//! filtered here, in SQL: messages from members she ignores (`member_ignores`, relations'
//! table, read in a subquery as the forum does), and others' held messages.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, exists, not};
use diesel::prelude::*;

use super::model::{
    MemberRow, MemberState, MessageRow, MessageSettings, MessageStatus, ReportReason, WhoMayWrite,
};
use crate::auth::model::{Locale, Role, may_sign_in_sql};
use crate::db::AnyConnection;
use crate::db::schema::{
    conversation_members, conversations, member_ignores, message_reports, message_settings,
    private_messages, users,
};

/// The states in which a member sees a conversation.
pub const VISIBLE_STATES: [MemberState; 2] = [MemberState::Requested, MemberState::Accepted];

/// A member's trust level, if the account exists and is not erased.
pub fn trust_level(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Option<i32>> {
    users::table
        .find(user_id)
        .filter(users::deleted_at.is_null())
        .select(users::trust_level)
        .first(conn)
        .optional()
}

pub fn locale(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Locale> {
    Ok(users::table
        .find(user_id)
        .select(users::locale)
        .first::<Locale>(conn)
        .optional()?
        .unwrap_or_default())
}

// ---- settings -----------------------------------------------------------------------------

pub fn settings(conn: &mut AnyConnection, user_id: i64) -> QueryResult<MessageSettings> {
    let row: Option<(WhoMayWrite, bool)> = message_settings::table
        .find(user_id)
        .select((message_settings::who_may_write, message_settings::email))
        .first(conn)
        .optional()?;
    Ok(row
        .map(|(who_may_write, email)| MessageSettings {
            who_may_write,
            email,
        })
        .unwrap_or(MessageSettings {
            who_may_write: WhoMayWrite::default(),
            email: false,
        }))
}

/// Writes a member's settings (the row is made on first use; twice at once is once).
pub fn save_settings(
    conn: &mut AnyConnection,
    user_id: i64,
    settings: &MessageSettings,
) -> QueryResult<()> {
    crate::db::concurrency::insert_ignoring_conflicts(
        conn,
        diesel::insert_into(message_settings::table).values((
            message_settings::user_id.eq(user_id),
            message_settings::who_may_write.eq(settings.who_may_write),
            message_settings::email.eq(settings.email),
        )),
    )?;
    diesel::update(message_settings::table.find(user_id))
        .set((
            message_settings::who_may_write.eq(settings.who_may_write),
            message_settings::email.eq(settings.email),
        ))
        .execute(conn)?;
    Ok(())
}

/// Whether `a` and `b` share a conversation both of them accepted.
pub fn talked_with(conn: &mut AnyConnection, a: i64, b: i64) -> QueryResult<bool> {
    let other = diesel::alias!(conversation_members as other);
    let of_a = other
        .filter(other.field(conversation_members::user_id).eq(a))
        .filter(
            other
                .field(conversation_members::state)
                .eq(MemberState::Accepted),
        )
        .select(other.field(conversation_members::conversation_id));
    conversation_members::table
        .filter(conversation_members::user_id.eq(b))
        .filter(conversation_members::state.eq(MemberState::Accepted))
        .filter(conversation_members::conversation_id.eq_any(of_a))
        .count()
        .get_result::<i64>(conn)
        .map(|n| n > 0)
}

// ---- conversations ------------------------------------------------------------------------

pub fn insert_conversation(
    conn: &mut AnyConnection,
    created_by: i64,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(conversations::table)
        .values((
            conversations::created_by.eq(created_by),
            conversations::created_at.eq(now),
        ))
        .returning(conversations::id)
        .get_result(conn)
}

pub fn insert_member(
    conn: &mut AnyConnection,
    conversation_id: i64,
    user_id: i64,
    state: MemberState,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(conversation_members::table)
        .values((
            conversation_members::conversation_id.eq(conversation_id),
            conversation_members::user_id.eq(user_id),
            conversation_members::state.eq(state),
            conversation_members::last_activity_at.eq(now),
            conversation_members::joined_at.eq(now),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The conversation's creator and creation time.
pub fn conversation(
    conn: &mut AnyConnection,
    id: i64,
) -> QueryResult<Option<(i64, NaiveDateTime)>> {
    conversations::table
        .find(id)
        .select((conversations::created_by, conversations::created_at))
        .first(conn)
        .optional()
}

/// Locks a conversation until the transaction ends (decisions on its participants take turns).
pub fn lock_conversation(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    crate::db::concurrency::lock_row(conn, "conversations", id)
}

pub fn member(
    conn: &mut AnyConnection,
    conversation_id: i64,
    user_id: i64,
) -> QueryResult<Option<MemberRow>> {
    let row: Option<(MemberState, i64)> = conversation_members::table
        .find((conversation_id, user_id))
        .select((
            conversation_members::state,
            conversation_members::last_read_message_id,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(state, last_read_message_id)| MemberRow {
        conversation_id,
        user_id,
        state,
        last_read_message_id,
    }))
}

/// Every participation in a conversation.
pub fn members(conn: &mut AnyConnection, conversation_id: i64) -> QueryResult<Vec<MemberRow>> {
    let rows: Vec<(i64, MemberState, i64)> = conversation_members::table
        .filter(conversation_members::conversation_id.eq(conversation_id))
        .order(conversation_members::user_id.asc())
        .select((
            conversation_members::user_id,
            conversation_members::state,
            conversation_members::last_read_message_id,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(user_id, state, last_read_message_id)| MemberRow {
            conversation_id,
            user_id,
            state,
            last_read_message_id,
        })
        .collect())
}

/// Moves a participation from `from` to `to`; whether it did (a conditional update, so two
/// answers at once cannot both apply).
pub fn change_state(
    conn: &mut AnyConnection,
    conversation_id: i64,
    user_id: i64,
    from: &[MemberState],
    to: MemberState,
) -> QueryResult<bool> {
    diesel::update(
        conversation_members::table
            .find((conversation_id, user_id))
            .filter(conversation_members::state.eq_any(from.to_vec())),
    )
    .set(conversation_members::state.eq(to))
    .execute(conn)
    .map(|n| n == 1)
}

/// Moves a participant's conversation up her list.
pub fn touch(
    conn: &mut AnyConnection,
    conversation_id: i64,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(conversation_members::table.find((conversation_id, user_id)))
        .set(conversation_members::last_activity_at.eq(now))
        .execute(conn)
        .map(|_| ())
}

/// Takes the one email a participant may get about a conversation until she reads it;
/// whether she may get it (a conditional update: two messages at once send one email).
pub fn claim_email(
    conn: &mut AnyConnection,
    conversation_id: i64,
    user_id: i64,
) -> QueryResult<bool> {
    diesel::update(
        conversation_members::table
            .find((conversation_id, user_id))
            .filter(conversation_members::email_pending.eq(false)),
    )
    .set(conversation_members::email_pending.eq(true))
    .execute(conn)
    .map(|n| n == 1)
}

/// Where to send a message email: (address, locale, display name), if she may sign in.
pub fn email_recipient(
    conn: &mut AnyConnection,
    user_id: i64,
    now: NaiveDateTime,
) -> QueryResult<Option<(String, Locale, String)>> {
    users::table
        .find(user_id)
        .filter(may_sign_in_sql(now))
        .select((users::email, users::locale, users::display_name))
        .first(conn)
        .optional()
}

/// Marks everything in the conversation read up to `up_to`, and lets the next email go.
pub fn mark_read(
    conn: &mut AnyConnection,
    conversation_id: i64,
    user_id: i64,
    up_to: i64,
) -> QueryResult<()> {
    diesel::update(
        conversation_members::table
            .find((conversation_id, user_id))
            .filter(conversation_members::last_read_message_id.lt(up_to)),
    )
    .set(conversation_members::last_read_message_id.eq(up_to))
    .execute(conn)?;
    diesel::update(conversation_members::table.find((conversation_id, user_id)))
        .set(conversation_members::email_pending.eq(false))
        .execute(conn)?;
    Ok(())
}

/// The newest message id of a conversation (0 if none).
pub fn latest_message_id(conn: &mut AnyConnection, conversation_id: i64) -> QueryResult<i64> {
    private_messages::table
        .filter(private_messages::conversation_id.eq(conversation_id))
        .select(diesel::dsl::max(private_messages::id))
        .first::<Option<i64>>(conn)
        .map(Option::unwrap_or_default)
}

/// The first message id of a conversation.
pub fn first_message_id(
    conn: &mut AnyConnection,
    conversation_id: i64,
) -> QueryResult<Option<i64>> {
    private_messages::table
        .filter(private_messages::conversation_id.eq(conversation_id))
        .select(diesel::dsl::min(private_messages::id))
        .first::<Option<i64>>(conn)
}

/// One row of a member's conversation list.
pub struct ListRow {
    pub conversation_id: i64,
    pub state: MemberState,
    pub last_activity_at: NaiveDateTime,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// A page of `me`'s conversations, newest activity first: those she sees (requested or
/// accepted), without requests from members she ignores, nor conversations with nothing
/// delivered (a first message held or removed by the moderators), unless she started them.
pub fn conversation_page(
    conn: &mut AnyConnection,
    me: i64,
    after: Option<(NaiveDateTime, i64)>,
    only: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ListRow>> {
    let ignored_creator = exists(
        member_ignores::table
            .filter(member_ignores::user_id.eq(me))
            .filter(member_ignores::ignored_id.eq(conversations::created_by)),
    );
    // A conversation whose first message is held waits for the moderators (and one whose
    // every message they removed is gone).
    let something_delivered = exists(
        private_messages::table
            .filter(private_messages::conversation_id.eq(conversation_members::conversation_id))
            .filter(
                private_messages::status.eq_any([MessageStatus::Delivered, MessageStatus::Deleted]),
            ),
    );
    let mut q = conversation_members::table
        .inner_join(
            conversations::table.on(conversations::id.eq(conversation_members::conversation_id)),
        )
        .filter(conversation_members::user_id.eq(me))
        .filter(conversation_members::state.eq_any(VISIBLE_STATES))
        .filter(not(conversation_members::state
            .eq(MemberState::Requested)
            .and(ignored_creator)))
        .filter(conversations::created_by.eq(me).or(something_delivered))
        .select((
            conversation_members::conversation_id,
            conversation_members::state,
            conversation_members::last_activity_at,
            conversations::created_by,
            conversations::created_at,
        ))
        .order((
            conversation_members::last_activity_at.desc(),
            conversation_members::conversation_id.desc(),
        ))
        .limit(limit + 1)
        .into_boxed();
    if let Some(id) = only {
        q = q.filter(conversation_members::conversation_id.eq(id));
    }
    if let Some((at, id)) = after {
        q = q.filter(
            conversation_members::last_activity_at.lt(at).or(
                conversation_members::last_activity_at
                    .eq(at)
                    .and(conversation_members::conversation_id.lt(id)),
            ),
        );
    }
    let rows: Vec<(i64, MemberState, NaiveDateTime, i64, NaiveDateTime)> = q.load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(conversation_id, state, last_activity_at, created_by, created_at)| ListRow {
                conversation_id,
                state,
                last_activity_at,
                created_by,
                created_at,
            },
        )
        .collect())
}

/// A participant as listed: (conversation, user, state, display name, role).
pub type ParticipantRow = (i64, i64, MemberState, String, Role);

/// The participants of these conversations.
pub fn participants(
    conn: &mut AnyConnection,
    conversation_ids: &[i64],
) -> QueryResult<Vec<ParticipantRow>> {
    conversation_members::table
        .inner_join(users::table.on(users::id.eq(conversation_members::user_id)))
        .filter(conversation_members::conversation_id.eq_any(conversation_ids))
        .order((
            conversation_members::conversation_id.asc(),
            conversation_members::joined_at.asc(),
            conversation_members::user_id.asc(),
        ))
        .select((
            conversation_members::conversation_id,
            conversation_members::user_id,
            conversation_members::state,
            users::display_name,
            users::role,
        ))
        .load(conn)
}

/// Display names and roles of these accounts.
pub fn people(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<HashMap<i64, (String, Role)>> {
    let rows: Vec<(i64, String, Role)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name, users::role))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, role)| (id, (name, role)))
        .collect())
}

/// Unread messages of `me`, by conversation (among `only`, or all she sees): delivered, from
/// others, from no one she ignores, after her read mark.
pub fn unread_counts(
    conn: &mut AnyConnection,
    me: i64,
    only: Option<&[i64]>,
) -> QueryResult<HashMap<i64, i64>> {
    let ignored_sender = exists(
        member_ignores::table
            .filter(member_ignores::user_id.eq(me))
            .filter(member_ignores::ignored_id.eq(private_messages::sender_id)),
    );
    let mut q = private_messages::table
        .inner_join(
            conversation_members::table.on(conversation_members::conversation_id
                .eq(private_messages::conversation_id)
                .and(conversation_members::user_id.eq(me))),
        )
        .filter(conversation_members::state.eq_any(VISIBLE_STATES))
        .filter(private_messages::id.gt(conversation_members::last_read_message_id))
        .filter(private_messages::status.eq(MessageStatus::Delivered))
        .filter(private_messages::sender_id.ne(me))
        .filter(not(ignored_sender))
        .group_by(private_messages::conversation_id)
        .select((private_messages::conversation_id, count_star()))
        .into_boxed();
    if let Some(ids) = only {
        q = q.filter(private_messages::conversation_id.eq_any(ids.to_vec()));
    }
    let rows: Vec<(i64, i64)> = q.load(conn)?;
    Ok(rows.into_iter().collect())
}

// ---- messages -----------------------------------------------------------------------------

pub struct NewMessage<'a> {
    pub conversation_id: i64,
    pub sender_id: i64,
    pub body: &'a str,
    pub body_html: &'a str,
    pub status: MessageStatus,
    pub now: NaiveDateTime,
}

pub fn insert_message(conn: &mut AnyConnection, m: &NewMessage<'_>) -> QueryResult<i64> {
    diesel::insert_into(private_messages::table)
        .values((
            private_messages::conversation_id.eq(m.conversation_id),
            private_messages::sender_id.eq(m.sender_id),
            private_messages::body.eq(m.body),
            private_messages::body_html.eq(m.body_html),
            private_messages::status.eq(m.status),
            private_messages::created_at.eq(m.now),
        ))
        .returning(private_messages::id)
        .get_result(conn)
}

type MessageTuple = (
    i64,
    i64,
    i64,
    String,
    Role,
    String,
    String,
    MessageStatus,
    NaiveDateTime,
);

macro_rules! message_columns {
    () => {
        (
            private_messages::id,
            private_messages::conversation_id,
            private_messages::sender_id,
            users::display_name,
            users::role,
            private_messages::body,
            private_messages::body_html,
            private_messages::status,
            private_messages::created_at,
        )
    };
}

fn message_row(t: MessageTuple) -> MessageRow {
    MessageRow {
        id: t.0,
        conversation_id: t.1,
        sender_id: t.2,
        sender_name: t.3,
        sender_role: t.4,
        body: t.5,
        body_html: t.6,
        status: t.7,
        created_at: t.8,
    }
}

/// One message, whoever may see it.
pub fn message(conn: &mut AnyConnection, id: i64) -> QueryResult<Option<MessageRow>> {
    let row: Option<MessageTuple> = private_messages::table
        .inner_join(users::table.on(users::id.eq(private_messages::sender_id)))
        .filter(private_messages::id.eq(id))
        .select(message_columns!())
        .first(conn)
        .optional()?;
    Ok(row.map(message_row))
}

/// These messages (for the moderation queue).
pub fn messages_by_ids(conn: &mut AnyConnection, ids: &[i64]) -> QueryResult<Vec<MessageRow>> {
    let rows: Vec<MessageTuple> = private_messages::table
        .inner_join(users::table.on(users::id.eq(private_messages::sender_id)))
        .filter(private_messages::id.eq_any(ids))
        .select(message_columns!())
        .load(conn)?;
    Ok(rows.into_iter().map(message_row).collect())
}

/// A page of a conversation's messages as `me` sees them, oldest first: her own in every
/// status, others' unless held, none from a member she ignores.
pub fn message_page(
    conn: &mut AnyConnection,
    conversation_id: i64,
    me: i64,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<MessageRow>> {
    let ignored_sender = exists(
        member_ignores::table
            .filter(member_ignores::user_id.eq(me))
            .filter(member_ignores::ignored_id.eq(private_messages::sender_id)),
    );
    let mut q = private_messages::table
        .inner_join(users::table.on(users::id.eq(private_messages::sender_id)))
        .filter(private_messages::conversation_id.eq(conversation_id))
        .filter(
            private_messages::sender_id
                .eq(me)
                .or(private_messages::status
                    .ne(MessageStatus::Held)
                    .and(not(ignored_sender))),
        )
        .select(message_columns!())
        .order(private_messages::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(private_messages::id.gt(after));
    }
    let rows: Vec<MessageTuple> = q.load(conn)?;
    Ok(rows.into_iter().map(message_row).collect())
}

/// Up to `n` delivered or removed messages before `message_id` in its conversation, oldest
/// first (the context of a report).
pub fn context_before(
    conn: &mut AnyConnection,
    conversation_id: i64,
    message_id: i64,
    n: i64,
) -> QueryResult<Vec<MessageRow>> {
    let mut rows: Vec<MessageTuple> = private_messages::table
        .inner_join(users::table.on(users::id.eq(private_messages::sender_id)))
        .filter(private_messages::conversation_id.eq(conversation_id))
        .filter(private_messages::id.lt(message_id))
        .filter(private_messages::status.ne(MessageStatus::Held))
        .select(message_columns!())
        .order(private_messages::id.desc())
        .limit(n)
        .load(conn)?;
    rows.reverse();
    Ok(rows.into_iter().map(message_row).collect())
}

pub fn set_status(
    conn: &mut AnyConnection,
    message_id: i64,
    status: MessageStatus,
) -> QueryResult<()> {
    diesel::update(private_messages::table.find(message_id))
        .set(private_messages::status.eq(status))
        .execute(conn)
        .map(|_| ())
}

/// Locks a message until the transaction ends.
pub fn lock_message(conn: &mut AnyConnection, id: i64) -> QueryResult<()> {
    crate::db::concurrency::lock_row(conn, "private_messages", id)
}

// ---- reports ------------------------------------------------------------------------------

/// Records a report; false when this reporter had reported this message already.
pub fn insert_report(
    conn: &mut AnyConnection,
    message_id: i64,
    reporter_id: i64,
    reason: ReportReason,
    note: Option<&str>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    crate::db::concurrency::insert_ignoring_conflicts(
        conn,
        diesel::insert_into(message_reports::table).values((
            message_reports::message_id.eq(message_id),
            message_reports::reporter_id.eq(reporter_id),
            message_reports::reason.eq(reason),
            message_reports::note.eq(note),
            message_reports::created_at.eq(now),
        )),
    )
}

/// Who reported a message.
pub fn reporters(conn: &mut AnyConnection, message_id: i64) -> QueryResult<Vec<i64>> {
    message_reports::table
        .filter(message_reports::message_id.eq(message_id))
        .order(message_reports::id.asc())
        .select(message_reports::reporter_id)
        .load(conn)
}

/// The reports of these messages: (message, reporter, reporter's name, reason, note, at).
pub type ReportRow = (
    i64,
    i64,
    String,
    ReportReason,
    Option<String>,
    NaiveDateTime,
);

pub fn reports_of(conn: &mut AnyConnection, message_ids: &[i64]) -> QueryResult<Vec<ReportRow>> {
    message_reports::table
        .inner_join(users::table.on(users::id.eq(message_reports::reporter_id)))
        .filter(message_reports::message_id.eq_any(message_ids))
        .order(message_reports::id.asc())
        .select((
            message_reports::message_id,
            message_reports::reporter_id,
            users::display_name,
            message_reports::reason,
            message_reports::note,
            message_reports::created_at,
        ))
        .load(conn)
}

// ---- a member's data ----------------------------------------------------------------------

/// A message a member sent: (id, conversation, body, status, at).
pub type SentRow = (i64, i64, String, MessageStatus, NaiveDateTime);

/// The messages a member sent, oldest first.
pub fn sent_by(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Vec<SentRow>> {
    private_messages::table
        .filter(private_messages::sender_id.eq(user_id))
        .order(private_messages::id.asc())
        .select((
            private_messages::id,
            private_messages::conversation_id,
            private_messages::body,
            private_messages::status,
            private_messages::created_at,
        ))
        .load(conn)
}

pub fn sent_ids(conn: &mut AnyConnection, user_id: i64) -> QueryResult<Vec<i64>> {
    private_messages::table
        .filter(private_messages::sender_id.eq(user_id))
        .select(private_messages::id)
        .load(conn)
}

/// Erasure: the bodies of her messages replaced by a placeholder status, her participations,
/// reports and settings gone.
pub fn erase(conn: &mut AnyConnection, user_id: i64) -> QueryResult<()> {
    diesel::update(private_messages::table.filter(private_messages::sender_id.eq(user_id)))
        .set((
            private_messages::body.eq(""),
            private_messages::body_html.eq(""),
            private_messages::status.eq(MessageStatus::Deleted),
        ))
        .execute(conn)?;
    diesel::delete(message_reports::table.filter(message_reports::reporter_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(conversation_members::table.filter(conversation_members::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(message_settings::table.find(user_id)).execute(conn)?;
    Ok(())
}
