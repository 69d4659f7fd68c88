-- Delivery-service configuration (docs/services.md): a config entry of the log carries its ServiceChange as JSON in
-- entries.config (NULL on purges and pushes).
ALTER TABLE entries ADD COLUMN config TEXT;

-- One row per accepted change, never deleted (the log is compacted, this history is not, so the configuration as of
-- any sequence can always be built from it): version is the global configuration version the change created,
-- definition the service as the API wrote it (NULL = deleted), sequence its config entry in the log, purge the purge
-- entry logged right after it (JSON) when the change alters what a cached object would be.
CREATE TABLE service_versions (
  version BIGINT PRIMARY KEY, service TEXT NOT NULL, definition TEXT, sequence BIGINT NOT NULL, purge TEXT,
  changed_at BIGINT NOT NULL, changed_by TEXT NOT NULL, summary TEXT NOT NULL);
CREATE INDEX service_versions_by_service ON service_versions (service, version);
CREATE INDEX service_versions_by_sequence ON service_versions (sequence);
