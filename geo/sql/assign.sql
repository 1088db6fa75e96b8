-- Commune, arrondissement, winning rule and sector for one point and category, in one statement.
-- With no commune the point is outside the territory and no row is returned.
-- Precedence (README "Routing rules"; the same in candidate_rules.sql and assign_bulk.sql):
-- zone specificity (arrondissement, commune, sector, whole territory), then category specificity
-- (exact, parent, any), then priority (higher first), then the lowest rule id (stable tie-break).
-- Ties between zones of one kind (a point on a shared border) go to the lowest code.
WITH covering AS (
    SELECT DISTINCT kind, code, name, service_code FROM zone_pieces
    WHERE ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
), commune AS (
    SELECT code, name FROM covering WHERE kind = 'commune' ORDER BY code LIMIT 1
), cat AS (
    SELECT code, parent_code FROM categories WHERE code = :category
), rule AS (
    SELECT r.id, r.service_code, r.team, r.zone_kind, r.zone_code
    FROM routing_rules r CROSS JOIN cat
    WHERE (r.category_code IS NULL OR r.category_code = cat.code OR r.category_code = cat.parent_code)
      AND (r.zone_code IS NULL OR EXISTS (
          SELECT 1 FROM covering c WHERE c.kind = r.zone_kind AND c.code = r.zone_code))
    ORDER BY CASE r.zone_kind WHEN 'arrondissement' THEN 1 WHEN 'commune' THEN 2 WHEN 'sector' THEN 3 ELSE 4 END,
             CASE WHEN r.category_code = cat.code THEN 1 WHEN r.category_code IS NOT NULL THEN 2 ELSE 3 END,
             r.priority DESC, r.id
    LIMIT 1
)
SELECT commune.code AS commune_code,
       commune.name AS commune_name,
       (SELECT code FROM covering WHERE kind = 'arrondissement' ORDER BY code LIMIT 1) AS zone_code,
       rule.id AS rule_id,
       rule.service_code,
       rule.team,
       COALESCE(
           CASE WHEN rule.zone_kind = 'sector' THEN rule.zone_code END,
           (SELECT code FROM covering WHERE kind = 'sector' AND service_code = rule.service_code
            ORDER BY code LIMIT 1)
       ) AS sector_code
FROM commune LEFT JOIN rule ON true
