-- When a contact was last opted back in to marketing (by an admin, for the customer). A stop
-- word older than that is history: the automatic answers, looking again at recent messages
-- after a restart, must not opt the customer out a second time.
ALTER TABLE contacts ADD COLUMN opted_in_at INTEGER;
