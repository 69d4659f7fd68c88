-- The control plane's schema, one for SQLite and PostgreSQL (docs/store.md): portable types only (BIGINT, INTEGER,
-- TEXT), no engine-generated keys. Times are epoch milliseconds; lists are JSON text.

-- Gap-free counters, each one row updated inside the transaction that takes a number (Store.nextInSequence).
CREATE TABLE sequences (name TEXT PRIMARY KEY, last BIGINT NOT NULL);
INSERT INTO sequences (name, last) VALUES ('invalidation_log', 0);

-- The invalidation log: one row per purge or push; regions is ",eu,us," or "" (every region).
CREATE TABLE entries (
  sequence BIGINT PRIMARY KEY,
  kind TEXT NOT NULL, urls TEXT NOT NULL, prefixes TEXT NOT NULL, tags TEXT NOT NULL, hosts TEXT NOT NULL,
  all_content INTEGER NOT NULL, soft INTEGER NOT NULL, regions TEXT NOT NULL, accepted_at BIGINT NOT NULL,
  requested_by TEXT NOT NULL);
CREATE INDEX entries_by_age ON entries (accepted_at);

-- One row per entry and edge in its scope; tries counts pushes the edge answered with an error; dead_lettered_at is
-- set once the delivery was dead-lettered and stays through an operator's retry or discard.
CREATE TABLE deliveries (
  sequence BIGINT NOT NULL, node TEXT NOT NULL, state TEXT NOT NULL, applied_at BIGINT, detail TEXT,
  tries INTEGER NOT NULL DEFAULT 0, dead_lettered_at BIGINT,
  PRIMARY KEY (sequence, node));
CREATE INDEX deliveries_by_node ON deliveries (node, state, sequence);
CREATE INDEX dead_letters ON deliveries (sequence, node) WHERE dead_lettered_at IS NOT NULL;

-- Per regions text, the highest sequence compaction deleted.
CREATE TABLE compacted (regions TEXT PRIMARY KEY, through BIGINT NOT NULL);

CREATE TABLE idempotency_keys (
  principal TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, sequence BIGINT NOT NULL,
  kind TEXT NOT NULL, created_at BIGINT NOT NULL,
  PRIMARY KEY (principal, key));

-- Registered nodes (registration as JSON) and the highest sequence each is known to have applied.
CREATE TABLE nodes (
  id TEXT PRIMARY KEY, registration TEXT NOT NULL, registered_at BIGINT NOT NULL, applied BIGINT NOT NULL,
  fenced INTEGER NOT NULL DEFAULT 0);

-- One-time join tokens, by the SHA-256 of their secret.
CREATE TABLE join_tokens (
  sha256 TEXT PRIMARY KEY, node TEXT NOT NULL, names TEXT NOT NULL, addresses TEXT NOT NULL,
  expires_at BIGINT NOT NULL, used_at BIGINT);

-- Traffic statistics per minute, service and status class, and per node the last batch counted.
CREATE TABLE traffic (
  minute BIGINT NOT NULL, service TEXT NOT NULL, status_class TEXT NOT NULL,
  requests BIGINT NOT NULL, hits BIGINT NOT NULL, bytes BIGINT NOT NULL,
  PRIMARY KEY (minute, service, status_class));
CREATE TABLE traffic_batches (node TEXT PRIMARY KEY, epoch TEXT NOT NULL, batch BIGINT NOT NULL);
