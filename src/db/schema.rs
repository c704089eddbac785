// One schema for both backends: ids are UUID text, timestamps are UTC without zone.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        lang -> Text,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> Text,
        role -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        csrf_token -> Text,
        lang -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    api_tokens (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

// Applications per round and status, kept by triggers (migration 000408).
diesel::table! {
    application_counts (round_id, status) {
        round_id -> Text,
        status -> Text,
        n -> Integer,
    }
}

// A review expert's votes in open cycles of applications in review, per round, and each
// round's review decisions: kept by triggers (migration 000409).
diesel::table! {
    review_open_votes (member_id, round_id) {
        member_id -> Text,
        round_id -> Text,
        n -> Integer,
    }
}

diesel::table! {
    review_decision_counts (round_id) {
        round_id -> Text,
        n -> Integer,
    }
}

// Bumped by triggers whenever a remembered caller may have changed (migration 000406).
diesel::table! {
    caller_versions (id) {
        id -> Integer,
        version -> BigInt,
    }
}

// Bumped by triggers whenever an assignment proposal may have changed (migration 000410).
diesel::table! {
    assignment_versions (id) {
        id -> Integer,
        version -> BigInt,
    }
}

diesel::table! {
    auth_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        kind -> Text,
        email -> Text,
        user_id -> Nullable<Text>,
        address -> Text,
    }
}

diesel::table! {
    catalog_models (id) {
        id -> Text,
        code -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    model_versions (id) {
        id -> Text,
        model_id -> Text,
        version -> Integer,
        content_sha256 -> Text,
        source_name -> Text,
        name_zh -> Text,
        name_en -> Text,
        usage -> Text,
        document -> Text,
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    rounds (id) {
        id -> Text,
        name_zh -> Text,
        name_en -> Text,
        model_version_id -> Text,
        registration_opens -> Date,
        registration_closes -> Date,
        assessment_starts -> Date,
        assessment_ends -> Date,
        results_on -> Date,
        created_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    calendar_years (year) {
        year -> Integer,
        source -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    calendar_days (year, day) {
        year -> Integer,
        day -> Date,
        kind -> Text,
        name_zh -> Text,
        name_en -> Text,
    }
}

diesel::table! {
    round_parts (round_id, part_code) {
        round_id -> Text,
        part_code -> Text,
        capacity -> Nullable<Integer>,
    }
}

diesel::table! {
    enterprises (id) {
        id -> Text,
        name_zh -> Text,
        name_en -> Nullable<Text>,
        credit_code -> Text,
        address -> Text,
        contact_name -> Text,
        contact_email -> Text,
        contact_phone -> Text,
        verified_at -> Nullable<Timestamp>,
        verified_by -> Nullable<Text>,
        created_at -> Timestamp,
        group_id -> Nullable<Text>,
    }
}

diesel::table! {
    enterprise_groups (id) {
        id -> Text,
        name_zh -> Text,
        name_en -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    enterprise_members (user_id) {
        user_id -> Text,
        enterprise_id -> Text,
        is_admin -> Bool,
        joined_at -> Timestamp,
    }
}

diesel::table! {
    applications (id) {
        id -> Text,
        round_id -> Text,
        enterprise_id -> Text,
        part_code -> Text,
        target_level -> Integer,
        scope -> Text,
        scope_en -> Nullable<Text>,
        contact_name -> Text,
        contact_email -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        directory_consent -> Bool,
        // The enterprise's Chinese name, copied by triggers (migration 000413).
        enterprise_name_zh -> Text,
    }
}

diesel::table! {
    application_events (id) {
        id -> Text,
        application_id -> Text,
        from_status -> Text,
        to_status -> Text,
        event -> Text,
        reason -> Nullable<Text>,
        actor_user_id -> Text,
        occurred_at -> Timestamp,
    }
}

diesel::table! {
    item_exemptions (application_id, item_code) {
        application_id -> Text,
        item_code -> Text,
        reason -> Text,
        declared_by -> Text,
        declared_at -> Timestamp,
    }
}

diesel::table! {
    evidence_files (id) {
        id -> Text,
        application_id -> Text,
        item_code -> Text,
        version -> Integer,
        description -> Text,
        display_name -> Text,
        media_type -> Text,
        size_bytes -> BigInt,
        content_sha256 -> Text,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
        zip_entries -> Nullable<Text>,
    }
}

// Evidence: items reopened by a clarification request.
diesel::table! {
    evidence_reopenings (id) {
        id -> Text,
        application_id -> Text,
        item_code -> Text,
        version -> Integer,
        open_until -> Timestamp,
        reopened_at -> Timestamp,
    }
}

// main feature
diesel::table! {
    organisations (id) {
        id -> Text,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    assessor_profiles (user_id) {
        user_id -> Text,
        organisation_id -> Text,
        certification_number -> Text,
        certification_expires_on -> Date,
        parts -> Text,
        languages -> Text,
        max_load -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    declared_conflicts (id) {
        id -> Text,
        user_id -> Text,
        with_id -> Text,
        reason -> Text,
        declared_at -> Timestamp,
    }
}

diesel::table! {
    assessor_employment (id) {
        id -> Text,
        user_id -> Text,
        enterprise_id -> Text,
        employed_from -> Date,
        employed_until -> Nullable<Date>,
    }
}

diesel::table! {
    assessor_preferences (user_id, application_id) {
        user_id -> Text,
        application_id -> Text,
        preference -> Text,
    }
}

diesel::table! {
    panels (application_id) {
        application_id -> Text,
        confirmed_at -> Timestamp,
        confirmed_by -> Text,
    }
}

diesel::table! {
    panel_seats (application_id, assessor_id) {
        application_id -> Text,
        assessor_id -> Text,
        is_lead -> Bool,
        /// A copy of the application's status, kept by triggers (migration 000403).
        application_status -> Text,
    }
}

diesel::table! {
    scores (id) {
        id -> Text,
        application_id -> Text,
        assessor_id -> Text,
        item_code -> Text,
        level -> Nullable<Integer>,
        not_applicable_reason -> Nullable<Text>,
        comment -> Text,
        evidence_ids -> Text,
        status -> Text,
        submitted_at -> Nullable<Timestamp>,
        reopened_by -> Nullable<Text>,
        reopened_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    clarifications (id) {
        id -> Text,
        application_id -> Text,
        items -> Text,
        message -> Text,
        deadline -> Timestamp,
        requested_by -> Text,
        requested_at -> Timestamp,
        answer -> Nullable<Text>,
        answered_by -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        // feature: wiring
        reminded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    consolidated_items (application_id, item_code) {
        application_id -> Text,
        item_code -> Text,
        level -> Nullable<Integer>,
        not_applicable_reason -> Nullable<Text>,
        rationale -> Text,
        flagged -> Bool,
        flag_reasons -> Text,
    }
}

diesel::table! {
    part_results (application_id) {
        application_id -> Text,
        achieved_level -> Integer,
        target_level -> Integer,
        basis -> Text,
        capping_items -> Text,
        domain_levels -> Text,
        consolidated_by -> Text,
        consolidated_at -> Timestamp,
    }
}

diesel::table! {
    review_panels (id) {
        id -> Text,
        round_id -> Text,
        quorum -> Integer,
        majority_numerator -> Integer,
        majority_denominator -> Integer,
        formed_by -> Text,
        formed_at -> Timestamp,
    }
}

diesel::table! {
    review_members (review_panel_id, user_id) {
        review_panel_id -> Text,
        user_id -> Text,
        enterprise_id -> Text,
    }
}

diesel::table! {
    review_votes (application_id, cycle, member_id) {
        application_id -> Text,
        cycle -> Integer,
        member_id -> Text,
        approve -> Bool,
        reasons -> Text,
        voted_at -> Timestamp,
    }
}

diesel::table! {
    review_quorum_alerts (application_id, review_panel_id) {
        application_id -> Text,
        review_panel_id -> Text,
        alerted_at -> Timestamp,
    }
}

diesel::table! {
    review_decisions (id) {
        id -> Text,
        application_id -> Text,
        cycle -> Integer,
        approved -> Bool,
        reasons -> Text,
        votes_for -> Integer,
        votes_against -> Integer,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_name -> Text,
        address -> Text,
        kind -> Text,
        object_type -> Text,
        object_id -> Text,
        detail -> Text,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        recipient_user_id -> Nullable<Text>,
        recipient_address -> Text,
        recipient_name -> Text,
        lang -> Text,
        message_kind -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        claimed_by -> Nullable<Text>,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        message_kind -> Text,
        subject -> Text,
        body_text -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    password_resets (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        token_hash -> Text,
        enterprise_id -> Text,
        email -> Text,
        invited_by -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        accepted_at -> Nullable<Timestamp>,
        accepted_by -> Nullable<Text>,
    }
}

diesel::table! {
    self_assessments (id) {
        id -> Text,
        enterprise_id -> Text,
        model_version_id -> Text,
        started_by -> Text,
        started_at -> Timestamp,
        updated_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        roadmap_quarters -> Nullable<Integer>,
    }
}

diesel::table! {
    self_assessment_answers (assessment_id, competency_code) {
        assessment_id -> Text,
        competency_code -> Text,
        stage -> Integer,
        answered_by -> Text,
        answered_at -> Timestamp,
    }
}

diesel::table! {
    self_assessment_targets (assessment_id, competency_code) {
        assessment_id -> Text,
        competency_code -> Text,
        target_stage -> Integer,
        owner -> Nullable<Text>,
    }
}

diesel::table! {
    self_assessment_area_owners (assessment_id, area_code) {
        assessment_id -> Text,
        area_code -> Text,
        owner -> Text,
    }
}

diesel::table! {
    self_assessment_roadmap_steps (id) {
        id -> Text,
        assessment_id -> Text,
        position -> Integer,
        quarter -> Integer,
        competency_code -> Text,
        from_stage -> Integer,
        to_stage -> Integer,
        owner -> Nullable<Text>,
    }
}

// certs feature
diesel::table! {
    signing_keys (id) {
        id -> Text,
        seq -> Integer,
        public_key -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    certificates (id) {
        id -> Text,
        number -> Text,
        application_id -> Text,
        year -> Integer,
        part_code -> Text,
        serial -> Integer,
        payload -> Text,
        signature -> Text,
        key_id -> Text,
        issued_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoke_reason -> Nullable<Text>,
        suspended_until -> Nullable<Date>,
        superseded_by -> Nullable<Text>,
        // list19b: the payload's last day of validity, indexed for expiry lookups.
        valid_until -> Date,
        // The application's round, copied by a trigger (migration 000412).
        round_id -> Nullable<Text>,
    }
}

diesel::table! {
    issuance_log (idx) {
        idx -> BigInt,
        kind -> Text,
        certificate_number -> Text,
        payload_sha256 -> Text,
        at -> Timestamp,
        reason -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
        effective_until -> Nullable<Date>,
        related_number -> Nullable<Text>,
        // pdf18: SHA-256 of the certificate PDF as issued.
        pdf_sha256 -> Nullable<Text>,
    }
}

// Programme report read model (db::models::reports::refresh).
diesel::table! {
    report_applications (application_id) {
        application_id -> Text,
        seconds_to_submitted -> Nullable<BigInt>,
        seconds_to_accepted -> Nullable<BigInt>,
        seconds_to_in_assessment -> Nullable<BigInt>,
        seconds_to_scored -> Nullable<BigInt>,
        seconds_to_in_review -> Nullable<BigInt>,
        seconds_to_approved -> Nullable<BigInt>,
        seconds_to_certified -> Nullable<BigInt>,
        items_spread_0 -> Integer,
        items_spread_1 -> Integer,
        items_spread_2 -> Integer,
        items_spread_3 -> Integer,
        items_spread_4 -> Integer,
        items_spread_5 -> Integer,
        consolidated_items -> Integer,
        flagged_items -> Integer,
    }
}

diesel::table! {
    report_seats (round_id, application_id, assessor_id) {
        round_id -> Text,
        application_id -> Text,
        assessor_id -> Text,
        is_lead -> Bool,
        turnaround_seconds -> Nullable<BigInt>,
    }
}

diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(model_versions -> catalog_models (model_id));
diesel::joinable!(rounds -> model_versions (model_version_id));
diesel::joinable!(round_parts -> rounds (round_id));
diesel::joinable!(enterprise_members -> enterprises (enterprise_id));
diesel::joinable!(applications -> rounds (round_id));
diesel::joinable!(applications -> enterprises (enterprise_id));
diesel::joinable!(application_events -> applications (application_id));
diesel::joinable!(item_exemptions -> applications (application_id));
diesel::joinable!(evidence_files -> applications (application_id));
diesel::joinable!(evidence_reopenings -> applications (application_id));

// main feature
diesel::joinable!(enterprise_members -> users (user_id));
diesel::joinable!(notifications -> users (user_id));
diesel::joinable!(password_resets -> users (user_id));
diesel::joinable!(invitations -> enterprises (enterprise_id));
diesel::joinable!(assessor_profiles -> organisations (organisation_id));
diesel::joinable!(assessor_profiles -> users (user_id));
diesel::joinable!(panel_seats -> panels (application_id));
diesel::joinable!(panel_seats -> users (assessor_id));
diesel::joinable!(review_members -> review_panels (review_panel_id));
diesel::joinable!(review_members -> users (user_id));
diesel::joinable!(self_assessments -> enterprises (enterprise_id));
diesel::joinable!(self_assessment_answers -> self_assessments (assessment_id));
diesel::joinable!(self_assessment_targets -> self_assessments (assessment_id));
diesel::joinable!(self_assessment_area_owners -> self_assessments (assessment_id));
diesel::joinable!(self_assessment_roadmap_steps -> self_assessments (assessment_id));
// Enterprise groups.
diesel::joinable!(enterprises -> enterprise_groups (group_id));
// Programme report read model.
diesel::joinable!(report_applications -> applications (application_id));

diesel::joinable!(calendar_days -> calendar_years (year));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    application_counts,
    review_open_votes,
    review_decision_counts,
    calendar_years,
    calendar_days,
    user_roles,
    sessions,
    api_tokens,
    auth_events,
    catalog_models,
    model_versions,
    rounds,
    round_parts,
    enterprises,
    enterprise_members,
    applications,
    application_events,
    item_exemptions,
    evidence_files,
    // Evidence
    evidence_reopenings,
    // main feature
    organisations,
    assessor_profiles,
    declared_conflicts,
    assessor_employment,
    assessor_preferences,
    panels,
    panel_seats,
    scores,
    clarifications,
    consolidated_items,
    part_results,
    review_panels,
    review_members,
    review_votes,
    review_quorum_alerts,
    review_decisions,
    audit_log,
    audit_head,
    outbox,
    notifications,
    password_resets,
    invitations,
    self_assessments,
    self_assessment_answers,
    self_assessment_targets,
    self_assessment_area_owners,
    self_assessment_roadmap_steps,
    // certs feature
    signing_keys,
    certificates,
    issuance_log,
    // Enterprise groups.
    enterprise_groups,
    // Programme report read model.
    report_applications,
    report_seats,
);

// Appeals and complaints.
diesel::table! {
    appeals (id) {
        id -> Text,
        application_id -> Text,
        enterprise_id -> Text,
        subject_kind -> Text,
        certificate_number -> Nullable<Text>,
        log_index -> Nullable<BigInt>,
        decision_at -> Timestamp,
        reasons -> Text,
        status -> Text,
        lodged_by -> Text,
        lodged_at -> Timestamp,
        panel_formed_at -> Nullable<Timestamp>,
        outcome_reasons -> Nullable<Text>,
        remedy -> Nullable<Text>,
        closed_by -> Nullable<Text>,
        closed_at -> Nullable<Timestamp>,
        follow_up_done_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    appeal_panel_members (appeal_id, user_id) {
        appeal_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    complaints (id) {
        id -> Text,
        token_hash -> Text,
        complainant_name -> Text,
        complainant_email -> Text,
        lang -> Text,
        about -> Text,
        certificate_number -> Nullable<Text>,
        enterprise_name -> Nullable<Text>,
        description -> Text,
        status -> Text,
        address -> Text,
        created_at -> Timestamp,
        confirmed_at -> Nullable<Timestamp>,
        triage_reason -> Nullable<Text>,
        answer -> Nullable<Text>,
        answered_at -> Nullable<Timestamp>,
        surveillance_requested_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    complaint_notes (id) {
        id -> Text,
        complaint_id -> Text,
        author_id -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(appeal_panel_members -> appeals (appeal_id));
diesel::joinable!(complaint_notes -> complaints (complaint_id));

diesel::allow_tables_to_appear_in_same_query!(
    appeals,
    appeal_panel_members,
    complaints,
    complaint_notes,
);

// Surveillance of certificates in force (feature: surveillances).
diesel::table! {
    surveillances (id) {
        id -> Text,
        certificate_number -> Text,
        application_id -> Text,
        origin -> Text,
        complaint_id -> Nullable<Text>,
        due_on -> Date,
        status -> Text,
        planned_by -> Text,
        planned_at -> Timestamp,
        outcome -> Nullable<Text>,
        outcome_reason -> Nullable<Text>,
        log_index -> Nullable<BigInt>,
        successor_number -> Nullable<Text>,
        concluded_by -> Nullable<Text>,
        concluded_at -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    surveillance_items (surveillance_id, item_code) {
        surveillance_id -> Text,
        item_code -> Text,
        evidence_version -> Integer,
    }
}

diesel::table! {
    surveillance_assessors (surveillance_id, user_id) {
        surveillance_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    surveillance_scores (surveillance_id, item_code, assessor_id) {
        surveillance_id -> Text,
        item_code -> Text,
        assessor_id -> Text,
        level -> Integer,
        note -> Text,
        scored_at -> Timestamp,
    }
}

diesel::joinable!(surveillance_items -> surveillances (surveillance_id));
diesel::joinable!(surveillance_assessors -> surveillances (surveillance_id));
diesel::joinable!(surveillance_scores -> surveillances (surveillance_id));

diesel::allow_tables_to_appear_in_same_query!(
    surveillances,
    surveillance_items,
    surveillance_assessors,
    surveillance_scores,
);
// The enterprise's open surveillances are counted through its applications.
diesel::allow_tables_to_appear_in_same_query!(surveillances, applications);
diesel::allow_tables_to_appear_in_same_query!(surveillances, enterprise_members);

// Renewal (renewal17): renewal applications, sent certificate reminders, appeal files.
diesel::table! {
    renewal_applications (application_id) {
        application_id -> Text,
        renews_number -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    certificate_reminders (certificate_number, occasion) {
        certificate_number -> Text,
        occasion -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    appeal_attachments (id) {
        id -> Text,
        appeal_id -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    renewal_applications,
    certificate_reminders,
    certificates,
);
diesel::allow_tables_to_appear_in_same_query!(renewal_applications, applications);
diesel::allow_tables_to_appear_in_same_query!(certificate_reminders, applications);
diesel::allow_tables_to_appear_in_same_query!(renewal_applications, enterprise_members);
diesel::allow_tables_to_appear_in_same_query!(certificate_reminders, enterprise_members);

diesel::allow_tables_to_appear_in_same_query!(appeal_attachments, appeals);

// Programme reports: a counter per round bumped by triggers whenever what its report
// reads changes (db::models::reports::stamp). PostgreSQL's `bumped_by` is left out: only
// its triggers use it.
diesel::table! {
    report_versions (round_id) {
        round_id -> Text,
        version -> BigInt,
    }
}

// W3C Verifiable Credentials of certificates.
diesel::table! {
    certificate_credentials (certificate_id) {
        certificate_id -> Text,
        status_index -> BigInt,
        credential -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    status_lists (purpose, list_number) {
        purpose -> Text,
        list_number -> Integer,
        bits -> Text,
        version -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(certificate_credentials -> certificates (certificate_id));

diesel::allow_tables_to_appear_in_same_query!(certificate_credentials, certificates, status_lists);
