-- Renewal (issue #17): an application may be a re-assessment that renews a certificate
-- of the same enterprise and part; issuing its certificate marks the old one renewed.
CREATE TABLE renewal_applications (
    application_id TEXT PRIMARY KEY NOT NULL REFERENCES applications(id),
    renews_number TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX renewal_applications_renews ON renewal_applications(renews_number);

-- Reminders the background job has sent, one per certificate and occasion (a renewal
-- threshold such as 'renewal_90', or 'suspension_ends_<date>'): the primary key makes a
-- reminder go out once however many instances run the job.
CREATE TABLE certificate_reminders (
    certificate_number TEXT NOT NULL,
    occasion TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (certificate_number, occasion)
);

-- Files the enterprise attaches to an appeal, stored like evidence (content-addressed).
CREATE TABLE appeal_attachments (
    id TEXT PRIMARY KEY NOT NULL,
    appeal_id TEXT NOT NULL REFERENCES appeals(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_by TEXT NOT NULL REFERENCES users(id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX appeal_attachments_appeal ON appeal_attachments(appeal_id);
