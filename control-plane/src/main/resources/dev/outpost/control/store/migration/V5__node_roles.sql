-- The shield tier (docs/caching-tiers.md): an edge's role, 'edge' or 'shield' (origins keep 'edge', unused), also in
-- the registration JSON; a column of its own so that every control plane on a shared database reads which nodes are
-- shields (the tier purges reach first) without parsing every registration.
ALTER TABLE nodes ADD COLUMN role TEXT NOT NULL DEFAULT 'edge';
