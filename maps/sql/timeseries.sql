-- Reports filed and resolved per month (Paris time), in one pass over the filtered reports.
WITH filtered AS (
    SELECT r.created_at, r.resolved_at FROM reports r WHERE /*filters*/
), months AS (
    SELECT date_trunc('month', created_at AT TIME ZONE 'Europe/Paris') AS m, 1 AS created, 0 AS resolved
    FROM filtered
    UNION ALL
    SELECT date_trunc('month', resolved_at AT TIME ZONE 'Europe/Paris'), 0, 1
    FROM filtered WHERE resolved_at IS NOT NULL
)
SELECT to_char(m, 'YYYY-MM') AS month, sum(created)::int AS created, sum(resolved)::int AS resolved
FROM months
GROUP BY m
ORDER BY m
