-- Every routing rule, annotated with whether it applies to (point, category) and ranked by precedence:
-- most specific zone (arrondissement, commune, sector, whole territory), then most specific category
-- (exact, parent, any), then higher priority, then lowest id. The first applying row wins; it must be the
-- rule assign.sql picks (geo.service.explain checks).
WITH covering AS (
    SELECT DISTINCT kind, code FROM zone_pieces
    WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
), cat AS (
    SELECT code, parent_code FROM categories WHERE code = :category
), ranked AS (
    SELECT r.id, r.category_code, r.zone_kind, r.zone_code, r.service_code, r.team, r.priority,
           CASE r.zone_kind WHEN 'arrondissement' THEN 1 WHEN 'commune' THEN 2 WHEN 'sector' THEN 3 ELSE 4 END
               AS zone_rank,
           CASE WHEN r.category_code = cat.code THEN 1 WHEN r.category_code IS NOT NULL THEN 2 ELSE 3 END
               AS category_rank,
           -- COALESCE: a top category has no parent, and "= NULL" is unknown, not false.
           COALESCE(r.category_code IS NULL OR r.category_code = cat.code OR r.category_code = cat.parent_code,
                    false) AS category_matches,
           (r.zone_code IS NULL OR EXISTS (
               SELECT 1 FROM covering c WHERE c.kind = r.zone_kind AND c.code = r.zone_code)) AS zone_matches
    FROM routing_rules r CROSS JOIN cat
)
SELECT * FROM ranked
ORDER BY category_matches AND zone_matches DESC, zone_rank, category_rank, priority DESC, id
