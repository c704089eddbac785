DROP INDEX auth_events_address_kind;
DROP INDEX auth_events_email_kind;
CREATE INDEX auth_events_email ON auth_events(email, occurred_at);
CREATE INDEX auth_events_address ON auth_events(address, occurred_at);
