-- Open reports whose routing (commune, arrondissement, service, sector, team) differs from what the current
-- zones and rules give, into the temporary table reroute_moves. Reads routing_output (geo.bulk) made from
-- the open reports; an open report outside every current commune is listed with outside = true.
CREATE TEMPORARY TABLE reroute_moves ON COMMIT DROP AS
SELECT r.id, r.ref, r.category_code, r.state, o.id IS NULL AS outside,
       r.commune_code AS from_commune, r.zone_code AS from_zone, r.service_code AS from_service,
       r.sector_code AS from_sector, r.team AS from_team, r.routing_rule_id AS from_rule,
       o.commune_code AS to_commune, o.commune_name AS to_commune_name, o.zone_code AS to_zone,
       o.service_code AS to_service, o.sector_code AS to_sector, o.team AS to_team, o.rule_id AS to_rule
FROM routing_input i
JOIN reports r ON r.id = i.id
LEFT JOIN routing_output o ON o.id = i.id
WHERE o.id IS NULL
   OR (r.commune_code, r.zone_code, r.service_code, r.sector_code, r.team)
      IS DISTINCT FROM (o.commune_code, o.zone_code, o.service_code, o.sector_code, o.team)
