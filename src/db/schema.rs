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
    }
}

diesel::table! {
    round_parts (round_id, part_code) {
        round_id -> Text,
        part_code -> Text,
        capacity -> Nullable<Integer>,
    }
}

diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(api_tokens -> users (user_id));
diesel::joinable!(model_versions -> catalog_models (model_id));
diesel::joinable!(rounds -> model_versions (model_version_id));
diesel::joinable!(round_parts -> rounds (round_id));

diesel::allow_tables_to_appear_in_same_query!(
    users,
    user_roles,
    sessions,
    api_tokens,
    auth_events,
    catalog_models,
    model_versions,
    rounds,
    round_parts,
);
