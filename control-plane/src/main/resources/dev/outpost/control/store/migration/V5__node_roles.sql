-- The shield tier (docs/caching-tiers.md): an edge's role, 'edge' or 'shield' (origins keep 'edge', unused), also in
-- the registration JSON; a column of its own so that every control plane on a shared database reads which nodes are
-- shields (the tier purges reach first) without parsing every registration.
ALTER TABLE nodes ADD COLUMN role TEXT NOT NULL DEFAULT 'edge';

-- The highest sequence handed to the edges that are not shields: every shield that counted had applied everything up
-- to it (or none counted). Never lowered; a shield behind it is not named to edges until it caught up, so an edge never
-- refills a purged object from a shield that still holds it. Raised by whichever control plane saw the last ack.
INSERT INTO sequences (name, last) VALUES ('released_to_edges', 0);
