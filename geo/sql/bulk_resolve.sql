-- Step 2 of bulk routing: the routing of every point of routing_covering (step 1), with the precedence of
-- assign.sql, into the temporary table routing_output. Points covered by the same zones with the same
-- category share one rule resolution: rules are ranked a few thousand times, not once per point.
-- Points outside every commune are left out.
CREATE TEMPORARY TABLE routing_output ON COMMIT DROP AS
WITH combos AS (
    SELECT DISTINCT zone_ids, category FROM routing_covering
), resolved AS (
    SELECT k.zone_ids, k.category, commune.code AS commune_code, commune.name AS commune_name,
           arr.code AS zone_code, rule.id AS rule_id, rule.service_code, rule.team,
           COALESCE(CASE WHEN rule.zone_kind = 'sector' THEN rule.zone_code END, sector.code) AS sector_code
    FROM combos k
    JOIN LATERAL (
        SELECT z.code, z.name FROM unnest(k.zone_ids) AS u(id) JOIN zones z USING (id)
        WHERE z.kind = 'commune' ORDER BY z.code LIMIT 1
    ) commune ON true
    LEFT JOIN LATERAL (
        SELECT z.code FROM unnest(k.zone_ids) AS u(id) JOIN zones z USING (id)
        WHERE z.kind = 'arrondissement' ORDER BY z.code LIMIT 1
    ) arr ON true
    LEFT JOIN categories cat ON cat.code = k.category
    LEFT JOIN LATERAL (
        SELECT r.id, r.service_code, r.team, r.zone_kind, r.zone_code FROM routing_rules r
        WHERE cat.code IS NOT NULL
          AND (r.category_code IS NULL OR r.category_code = cat.code OR r.category_code = cat.parent_code)
          AND (r.zone_code IS NULL OR EXISTS (
              SELECT 1 FROM unnest(k.zone_ids) AS u(id) JOIN zones z USING (id)
              WHERE z.kind = r.zone_kind AND z.code = r.zone_code))
        ORDER BY CASE r.zone_kind WHEN 'arrondissement' THEN 1 WHEN 'commune' THEN 2 WHEN 'sector' THEN 3 ELSE 4 END,
                 CASE WHEN r.category_code = cat.code THEN 1 WHEN r.category_code IS NOT NULL THEN 2 ELSE 3 END,
                 r.priority DESC, r.id
        LIMIT 1
    ) rule ON true
    LEFT JOIN LATERAL (
        SELECT z.code FROM unnest(k.zone_ids) AS u(id) JOIN zones z USING (id)
        WHERE z.kind = 'sector' AND z.service_code = rule.service_code ORDER BY z.code LIMIT 1
    ) sector ON true
)
SELECT c.id, r.commune_code, r.commune_name, r.zone_code, r.rule_id, r.service_code, r.team, r.sector_code
FROM routing_covering c JOIN resolved r USING (zone_ids, category)
