-- A sign-in counts the recent failures of its e-mail and of its client address. The old
-- indexes held every event, so a sign-in read all of its address's events of the last
-- 15 minutes to find the failures among them: behind a load balancer (whose address
-- every sign-in then has) at 50 sign-ins a second, 45,000 rows a sign-in. With the kind
-- in the key it reads the failures only.
DROP INDEX auth_events_email;
DROP INDEX auth_events_address;
CREATE INDEX auth_events_email_kind ON auth_events(email, kind, occurred_at);
CREATE INDEX auth_events_address_kind ON auth_events(address, kind, occurred_at);
