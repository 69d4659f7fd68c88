-- The highest sequence handed to the edges that are not shields: every shield that counted had applied everything up
-- to it (or none counted). Never lowered; a shield behind it is not named to edges until it caught up, so an edge never
-- refills a purged object from a shield that still holds it. Raised by whichever control plane saw the last ack
-- (docs/caching-tiers.md, "Shield tier: purges, tier by tier"). Apart from V5, which a branch may already have applied.
INSERT INTO sequences (name, last) VALUES ('released_to_edges', 0);
