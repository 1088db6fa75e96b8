-- A Mapbox vector tile of public reports: layer "reports", points with ref, category, state, commune.
-- The index works on the 4326 column through the tile envelope brought back to 4326.
SELECT ST_AsMVT(t, 'reports', 4096, 'geom')
FROM (
    SELECT ST_AsMVTGeom(ST_Transform(r.geom, 3857), ST_TileEnvelope(:z, :x, :y), 4096, 64, true) AS geom,
           r.ref, r.category_code AS category, r.state, r.commune_code AS commune
    FROM reports r
    WHERE r.geom && ST_Transform(ST_TileEnvelope(:z, :x, :y), 4326)
      AND /*public*/ AND /*filters*/
) AS t
