-- Who a customer is, kept as Meta tells it: the username they chose (shown beside the BSUID),
-- and the ids a contact held before it changed number or user id. A late message from an old
-- id still lands in the contact's conversation instead of splitting it off again; from an old
-- phone number, only one sent before the change (numbers are given to someone else later).
ALTER TABLE contacts ADD COLUMN username TEXT;

CREATE TABLE contact_former_ids (
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    kind        TEXT NOT NULL CHECK (kind IN ('wa_id', 'user_id')),
    value       TEXT NOT NULL,
    contact_id  INTEGER NOT NULL REFERENCES contacts(id),
    -- The change's timestamp: what an old phone number sent up to then is this contact's.
    until       INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, kind, value)
) WITHOUT ROWID;
CREATE INDEX contact_former_ids_by_contact ON contact_former_ids(contact_id);
