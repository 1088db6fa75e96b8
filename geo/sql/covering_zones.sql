-- Current zones covering a point (ST_Covers: a point on a border matches both sides).
SELECT kind, code, name, parent_code, service_code
FROM zones
WHERE valid_to IS NULL
  AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
ORDER BY kind, code
