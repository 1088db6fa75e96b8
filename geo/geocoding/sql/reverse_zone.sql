-- The commune and arrondissement around a point, for when no address is near (current zones, in pieces).
SELECT DISTINCT kind, code, name
FROM zone_pieces
WHERE kind IN ('commune', 'arrondissement') AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
ORDER BY kind, code
