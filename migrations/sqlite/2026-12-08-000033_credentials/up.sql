-- W3C Verifiable Credentials of certificates (issue 18): the signed credential of each
-- certificate with its index in the status lists, and the Bitstring Status Lists.
CREATE TABLE certificate_credentials (
    certificate_id TEXT PRIMARY KEY NOT NULL REFERENCES certificates(id),
    -- Counts from 0 over all credentials; list = index / 131072.
    status_index BIGINT NOT NULL UNIQUE,
    credential TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- One row per purpose and list; bits are standard base64 of 16,384 bytes (bit 0 is the
-- left-most bit of byte 0). `version` grows with each change: the lists' ETag.
CREATE TABLE status_lists (
    purpose TEXT NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    list_number INTEGER NOT NULL,
    bits TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (purpose, list_number)
);
