-- Guest links can be revoked by the organiser; a revoked link no longer lets anyone in.
ALTER TABLE meeting_guest_links ADD COLUMN revoked_ms BIGINT;

-- The audit log filtered by actor (GET /audit?actor=), newest or oldest first.
CREATE INDEX audit_log_actor ON audit_log(actor, id);
