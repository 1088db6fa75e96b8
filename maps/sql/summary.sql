-- Headline figures in one pass: counts, median time to resolution (days), share resolved by the deadline.
SELECT count(*) AS reports,
       count(*) FILTER (WHERE r.state NOT IN ('resolved', 'closed', 'rejected')) AS open,
       count(*) FILTER (WHERE r.resolved_at IS NOT NULL) AS resolved,
       count(*) FILTER (WHERE r.state NOT IN ('resolved', 'closed', 'rejected') AND r.due_at < now()) AS overdue,
       (percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM r.resolved_at - r.created_at)) / 86400.0)::float8 AS median_days,
       (count(*) FILTER (WHERE r.resolved_at <= r.due_at)::float8
        / NULLIF(count(*) FILTER (WHERE r.resolved_at IS NOT NULL AND r.due_at IS NOT NULL), 0)) AS on_time_share
FROM reports r
WHERE /*filters*/
