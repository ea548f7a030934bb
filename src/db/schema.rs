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
        trust_level -> Integer,
        email_verified_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        notify_email_replies -> Bool,
        sanction -> Text,
        sanction_until -> Nullable<Timestamp>,
        deleted_at -> Nullable<Timestamp>,
        display_name_skeleton -> Text,
        profile_hidden -> Bool,
    }
}

diesel::table! {
    registrations (id) {
        id -> BigInt,
        email -> Text,
        email_lower -> Text,
        display_name -> Text,
        display_name_skeleton -> Text,
        password_hash -> Text,
        locale -> Text,
        token_hash -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
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

diesel::table! {
    boards (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Text,
        position -> Integer,
        archived -> Bool,
        thread_count -> BigInt,
        last_activity_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        members_only -> Bool,
    }
}

diesel::table! {
    threads (id) {
        id -> BigInt,
        board_id -> BigInt,
        author_id -> BigInt,
        title -> Text,
        tags -> Text,
        anonymous -> Bool,
        content_warning -> Nullable<Text>,
        status -> Text,
        locked -> Bool,
        pinned -> Bool,
        first_post_id -> Nullable<BigInt>,
        reply_count -> Integer,
        reaction_count -> Integer,
        last_activity_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    posts (id) {
        id -> BigInt,
        thread_id -> BigInt,
        author_id -> BigInt,
        body -> Text,
        body_html -> Text,
        search_text -> Text,
        anonymous -> Bool,
        status -> Text,
        is_first -> Bool,
        reply_to -> Nullable<BigInt>,
        support_count -> Integer,
        helpful_count -> Integer,
        hug_count -> Integer,
        edited_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    post_revisions (id) {
        id -> BigInt,
        post_id -> BigInt,
        title -> Nullable<Text>,
        body -> Text,
        edited_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    thread_tags (thread_id, tag) {
        thread_id -> BigInt,
        tag -> Text,
    }
}

diesel::table! {
    reactions (post_id, user_id, kind) {
        post_id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        subject_id -> BigInt,
        thread_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        detail -> Nullable<Text>,
        read_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    reply_email_ledger (user_id, thread_id) {
        user_id -> BigInt,
        thread_id -> BigInt,
        last_sent_at -> Timestamp,
    }
}

diesel::table! {
    flags (id) {
        id -> BigInt,
        post_id -> BigInt,
        reporter_id -> BigInt,
        reason -> Text,
        note -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    mod_items (id) {
        id -> BigInt,
        kind -> Text,
        subject_id -> BigInt,
        status -> Text,
        reason -> Nullable<Text>,
        base_score -> Double,
        sort_key -> Double,
        claimed_by -> Nullable<BigInt>,
        claimed_until -> Nullable<Timestamp>,
        version -> Integer,
        resolution -> Nullable<Text>,
        resolved_by -> Nullable<BigInt>,
        resolved_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    mod_log (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        target_kind -> Text,
        target_id -> BigInt,
        reason -> Nullable<Text>,
        before_text -> Nullable<Text>,
        after_text -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sanctions (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        reason -> Text,
        ends_at -> Nullable<Timestamp>,
        created_by -> BigInt,
        created_at -> Timestamp,
        lifted_at -> Nullable<Timestamp>,
        lifted_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    watched_words (id) {
        id -> BigInt,
        pattern -> Text,
        action -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    member_notes (id) {
        id -> BigInt,
        user_id -> BigInt,
        author_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    appeals (id) {
        id -> BigInt,
        user_id -> BigInt,
        subject_kind -> Text,
        subject_id -> BigInt,
        body -> Text,
        status -> Text,
        acted_by -> Nullable<BigInt>,
        decided_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    coordinator_applications (id) {
        id -> BigInt,
        user_id -> BigInt,
        organization -> Text,
        job_title -> Text,
        evidence -> Text,
        registry_ids -> Text,
        status -> Text,
        reason -> Nullable<Text>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    trials (id) {
        id -> BigInt,
        coordinator_id -> BigInt,
        registry_id -> Text,
        title -> Text,
        summary -> Text,
        summary_html -> Text,
        conditions -> Text,
        search_text -> Text,
        phase -> Text,
        recruitment_status -> Text,
        status_rank -> Integer,
        state -> Text,
        min_age_months -> Nullable<Integer>,
        max_age_months -> Nullable<Integer>,
        sex -> Text,
        healthy_volunteers -> Bool,
        criteria -> Text,
        sponsor -> Text,
        contact_name -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        start_date -> Nullable<Text>,
        recruitment_ends -> Nullable<Text>,
        source_url -> Nullable<Text>,
        review_note -> Nullable<Text>,
        closed_reason -> Nullable<Text>,
        demo -> Bool,
        published_at -> Nullable<Timestamp>,
        closed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    trial_conditions (trial_id, position) {
        trial_id -> BigInt,
        position -> Integer,
        name -> Text,
        name_key -> Text,
    }
}

diesel::table! {
    trial_interventions (trial_id, position) {
        trial_id -> BigInt,
        position -> Integer,
        kind -> Text,
        name -> Text,
    }
}

diesel::table! {
    trial_sites (trial_id, position) {
        trial_id -> BigInt,
        position -> Integer,
        facility -> Text,
        city -> Text,
        region -> Nullable<Text>,
        country -> Text,
        country_key -> Text,
        lat -> Nullable<Double>,
        lon -> Nullable<Double>,
        status -> Nullable<Text>,
    }
}

diesel::table! {
    trial_interests (id) {
        id -> BigInt,
        trial_id -> BigInt,
        user_id -> BigInt,
        message -> Nullable<Text>,
        share_email -> Bool,
        share_phone -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        email_updates -> Bool,
        pre_check -> Nullable<Text>,
    }
}

diesel::table! {
    trial_alerts (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        filters -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    trial_alert_hits (alert_id, trial_id) {
        alert_id -> BigInt,
        trial_id -> BigInt,
        user_id -> BigInt,
        emailed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    trial_alert_ledger (user_id) {
        user_id -> BigInt,
        last_sent_at -> Timestamp,
    }
}

diesel::table! {
    access_log (id) {
        id -> BigInt,
        actor_id -> BigInt,
        subject_user_id -> BigInt,
        what -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    session_families (id) {
        id -> BigInt,
        user_id -> BigInt,
        family_id -> Text,
        client -> Text,
        network -> Nullable<Text>,
        created_at -> Timestamp,
        last_used_at -> Timestamp,
    }
}

diesel::table! {
    two_factor (user_id) {
        user_id -> BigInt,
        secret -> Text,
        enabled_at -> Nullable<Timestamp>,
        last_step -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> BigInt,
        user_id -> BigInt,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sign_in_challenges (id) {
        id -> BigInt,
        user_id -> BigInt,
        token_hash -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    member_ignores (user_id, ignored_id) {
        user_id -> BigInt,
        ignored_id -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    thread_tracking (user_id, thread_id) {
        user_id -> BigInt,
        thread_id -> BigInt,
        level -> Nullable<Text>,
        last_read_post_id -> BigInt,
        read_count -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    board_tracking (user_id, board_id) {
        user_id -> BigInt,
        board_id -> BigInt,
        level -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    activity_digests (user_id) {
        user_id -> BigInt,
        frequency -> Text,
        last_period -> Nullable<Text>,
        since -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    bookmarks (id) {
        id -> BigInt,
        user_id -> BigInt,
        thread_id -> BigInt,
        post_id -> Nullable<BigInt>,
        note -> Nullable<Text>,
        remind_at -> Nullable<Timestamp>,
        reminded_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    conversations (id) {
        id -> BigInt,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    conversation_members (conversation_id, user_id) {
        conversation_id -> BigInt,
        user_id -> BigInt,
        state -> Text,
        last_read_message_id -> BigInt,
        last_activity_at -> Timestamp,
        email_pending -> Bool,
        joined_at -> Timestamp,
    }
}

diesel::table! {
    private_messages (id) {
        id -> BigInt,
        conversation_id -> BigInt,
        sender_id -> BigInt,
        body -> Text,
        body_html -> Text,
        status -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    message_settings (user_id) {
        user_id -> BigInt,
        who_may_write -> Text,
        email -> Bool,
    }
}

diesel::table! {
    message_reports (id) {
        id -> BigInt,
        message_id -> BigInt,
        reporter_id -> BigInt,
        reason -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    trial_watches (user_id, trial_id) {
        user_id -> BigInt,
        trial_id -> BigInt,
        email -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    trial_registry_ids (trial_id, position) {
        trial_id -> BigInt,
        position -> Integer,
        registry_id -> Text,
    }
}

diesel::table! {
    health_profiles (user_id) {
        user_id -> BigInt,
        birth_year -> Nullable<Integer>,
        sex -> Nullable<Text>,
        diagnosis_year -> Nullable<Integer>,
        lupus_nephritis -> Nullable<Bool>,
        nephritis_class -> Nullable<Text>,
        current_treatments -> Text,
        past_treatments -> Text,
        pregnancy_plans -> Nullable<Text>,
        country -> Nullable<Text>,
        city -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    trial_registry_sync (trial_id) {
        trial_id -> BigInt,
        source_nct -> Text,
        synced_at -> Nullable<Timestamp>,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    trial_practical (trial_id) {
        trial_id -> BigInt,
        visits -> Nullable<Integer>,
        visit_minutes -> Nullable<Integer>,
        remote_visits -> Nullable<Bool>,
        travel_support -> Nullable<Bool>,
        accommodation_support -> Nullable<Bool>,
        compensation -> Nullable<Bool>,
        placebo_possible -> Nullable<Bool>,
        treatment_weeks -> Nullable<Integer>,
        notes -> Nullable<Text>,
    }
}

diesel::table! {
    trial_criteria (trial_id) {
        trial_id -> BigInt,
        required_conditions -> Text,
        excluded_conditions -> Text,
        required_treatments -> Text,
        excluded_treatments -> Text,
        confirmed -> Bool,
    }
}

diesel::table! {
    trial_revisions (id) {
        id -> BigInt,
        trial_id -> BigInt,
        origin -> Text,
        changes -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(user_tokens -> users (user_id));
diesel::joinable!(threads -> boards (board_id));
diesel::joinable!(threads -> users (author_id));
diesel::joinable!(posts -> threads (thread_id));
diesel::joinable!(posts -> users (author_id));
diesel::joinable!(post_revisions -> posts (post_id));
diesel::joinable!(thread_tags -> threads (thread_id));
diesel::joinable!(reactions -> posts (post_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    sessions,
    user_tokens,
    outbox,
    boards,
    threads,
    posts,
    post_revisions,
    thread_tags,
    reactions,
    notifications,
    reply_email_ledger,
    flags,
    mod_items,
    mod_log,
    sanctions,
    watched_words,
    member_notes,
    appeals,
    coordinator_applications,
    trials,
    trial_conditions,
    trial_interventions,
    trial_sites,
    trial_interests,
    trial_alerts,
    trial_alert_hits,
    trial_alert_ledger,
    access_log,
    registrations,
    session_families,
    two_factor,
    recovery_codes,
    sign_in_challenges,
    member_ignores,
    thread_tracking,
    board_tracking,
    activity_digests,
    bookmarks,
    conversations,
    conversation_members,
    private_messages,
    message_settings,
    message_reports,
    trial_watches,
    trial_registry_ids,
    trial_practical,
    health_profiles,
    trial_criteria,
    trial_registry_sync,
    trial_revisions,
);
