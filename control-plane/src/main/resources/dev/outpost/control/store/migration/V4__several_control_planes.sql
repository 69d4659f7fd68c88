-- Several control planes on one PostgreSQL database (docs/high-availability.md): what one instance decides from must
-- be in the database, not in its memory. Per node: when it was last heard from (epoch ms, written on each heartbeat
-- when the store is shared), its last heartbeat's statistics (JSON, the configuration version it runs among them),
-- and whether it must revalidate everything before it is steered to again.
ALTER TABLE nodes ADD COLUMN last_seen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN stats TEXT;
ALTER TABLE nodes ADD COLUMN reset_due INTEGER NOT NULL DEFAULT 0;

-- The control planes running on this database, each renewing its lease (renewed_at, the database's clock in epoch
-- ms): an edge is pushed to live by the live instance that rendezvous hashing of its id picks.
CREATE TABLE instances (
  id TEXT PRIMARY KEY, api_url TEXT NOT NULL, started_at BIGINT NOT NULL, renewed_at BIGINT NOT NULL);
UPDATE nodes SET reset_due = fenced;
