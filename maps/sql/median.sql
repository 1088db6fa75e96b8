-- Median time to resolution in days, over the filtered reports that were resolved. Kept apart from
-- figures.sql: an ordered-set aggregate cannot share that query's hashed grouping.
SELECT (percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM r.resolved_at - r.created_at)) / 86400.0)::float8 AS median_days
FROM reports r
WHERE r.resolved_at IS NOT NULL AND /*filters*/
