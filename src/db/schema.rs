//! Table definitions shared by both backends (kept by hand: the migrations are the truth, and
//! only portable column types are used).

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        email_lower -> Text,
        password_hash -> Text,
        display_name -> Text,
        display_name_lower -> Text,
        locale -> Text,
        bio -> Text,
        role -> Text,
        state -> Text,
        state_until -> Nullable<Timestamp>,
        trust_level -> Integer,
        email_verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> BigInt,
        user_id -> BigInt,
        family_id -> Text,
        refresh_hash -> Text,
        replaced_by -> Nullable<BigInt>,
        revoked_at -> Nullable<Timestamp>,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        to_addr -> Text,
        locale -> Text,
        template -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(user_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(users, sessions, user_tokens, outbox);
