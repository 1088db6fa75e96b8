-- The current communes' outlines, simplified to about 20 m for drawing, as GeoJSON geometry text.
SELECT z.code, ST_AsGeoJSON(ST_SimplifyPreserveTopology(z.geom, 0.0002), 5) AS geometry
FROM zones z
WHERE z.kind = 'commune' AND z.valid_to IS NULL
