-- Current zones covering a point (ST_Covers: a point on a border matches both sides).
SELECT DISTINCT z.kind, z.code, z.name, z.parent_code, z.service_code, z.valid_from
FROM zone_pieces p JOIN zones z ON z.id = p.zone_id
WHERE ST_Covers(p.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
ORDER BY z.kind, z.code
