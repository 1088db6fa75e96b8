-- Every dashboard figure but the median and the heatmap, in one scan of the filtered reports: first a small
-- cube (commune x channel x month filed x month resolved: about 10,000 rows for a million reports), then its
-- totals per commune, per channel and per month, and the grand total. Four separate queries scanned the
-- reports four times (bench/maps.py). Months are Paris months, found by a binary search among their first
-- instants (width_bucket) rather than by converting every report's time to Paris time.
WITH months AS (
    SELECT array_agg(m AT TIME ZONE 'Europe/Paris' ORDER BY m) AS starts,
           array_agg(to_char(m, 'YYYY-MM') ORDER BY m) AS labels
    -- m is a Paris wall-clock time (timestamp without time zone); m AT TIME ZONE 'Europe/Paris' its instant.
    FROM generate_series(date_trunc('month', CAST(COALESCE(CAST(:since AS date), DATE '2000-01-01') AS timestamp)),
                         now() AT TIME ZONE 'Europe/Paris' + interval '1 month', interval '1 month') AS m
), cube AS MATERIALIZED (
    SELECT r.commune_code, r.channel,
           width_bucket(r.created_at, m.starts) AS filed, width_bucket(r.resolved_at, m.starts) AS resolved_in,
           count(*) AS reports,
           count(*) FILTER (WHERE r.state IN (@OPEN_STATES@)) AS open,
           count(*) FILTER (WHERE @OVERDUE@) AS overdue,
           count(*) FILTER (WHERE r.resolved_at <= r.due_at) AS on_time,
           count(*) FILTER (WHERE r.resolved_at IS NOT NULL AND r.due_at IS NOT NULL) AS with_deadline
    FROM reports r, months m
    WHERE /*filters*/
    GROUP BY 1, 2, 3, 4
), totals AS (
    -- grouping() is a bit mask of the columns left out: 7 per commune, 11 per channel, 13 per month filed,
    -- 14 per month resolved, 15 the grand total.
    SELECT grouping(commune_code, channel, filed, resolved_in) AS level, commune_code, channel, filed, resolved_in,
           COALESCE(sum(reports), 0)::int AS reports, COALESCE(sum(open), 0)::int AS open,
           COALESCE(sum(reports) FILTER (WHERE resolved_in IS NOT NULL), 0)::int AS resolved,
           COALESCE(sum(overdue), 0)::int AS overdue, COALESCE(sum(on_time), 0)::int AS on_time,
           COALESCE(sum(with_deadline), 0)::int AS with_deadline
    FROM cube
    GROUP BY GROUPING SETS ((commune_code), (channel), (filed), (resolved_in), ())
)
SELECT 'commune' AS kind, z.code AS key, z.name, z.population,
       COALESCE(t.reports, 0) AS reports, COALESCE(t.open, 0) AS open, COALESCE(t.resolved, 0) AS resolved,
       COALESCE(t.overdue, 0) AS overdue, COALESCE(t.on_time, 0) AS on_time,
       COALESCE(t.with_deadline, 0) AS with_deadline,
       round(1000.0 * COALESCE(t.reports, 0) / NULLIF(z.population, 0), 2)::float8 AS per_1000
FROM zones z
LEFT JOIN totals t ON t.level = 7 AND t.commune_code = z.code
WHERE z.kind = 'commune' AND z.valid_to IS NULL
UNION ALL
SELECT CASE t.level WHEN 11 THEN 'channel' WHEN 13 THEN 'filed' WHEN 14 THEN 'resolved' ELSE 'total' END,
       CASE t.level WHEN 11 THEN t.channel WHEN 13 THEN m.labels[t.filed] WHEN 14 THEN m.labels[t.resolved_in] END,
       NULL, NULL, t.reports, t.open, t.resolved, t.overdue, t.on_time, t.with_deadline, NULL
FROM totals t, months m
WHERE t.level = 11 OR (t.level = 13 AND t.filed IS NOT NULL) OR (t.level = 14 AND t.resolved_in IS NOT NULL)
   OR t.level = 15
