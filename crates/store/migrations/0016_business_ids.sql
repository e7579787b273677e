-- The Meta business (portfolio) that owns each number's WABA. Business-level webhooks
-- (partner_solutions, business_capability_update, account_update PARTNER_*) name the business,
-- not a WABA: this is how they find their tenant. NULL: not learned yet.
ALTER TABLE numbers ADD COLUMN business_id TEXT;
CREATE INDEX numbers_business ON numbers (business_id) WHERE business_id IS NOT NULL;
