DROP TRIGGER caller_versions_role_written ON user_roles;
DROP TRIGGER caller_versions_user_removed ON users;
DROP TRIGGER caller_versions_user_changed ON users;
DROP TRIGGER caller_versions_token_written ON api_tokens;
DROP TRIGGER caller_versions_session_written ON sessions;
DROP FUNCTION caller_versions_bump();
DROP TABLE caller_versions;
