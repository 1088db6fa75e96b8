-- Open reports of one category near a point, within the category's duplicate radius, nearest first.
-- The fast form (PERFORMANCE.md): KNN `<->` on the Lambert-93 column with a LIMIT inside, served by the
-- partial GiST index of open reports; the radius is then checked outside on the geodesic distance, so the
-- answer is in true metres (Lambert-93 is off by a few centimetres per 100 m around Lyon).
SELECT id, ref, category_code, state, description, commune_name, lat, lon, created_at, distance_m
FROM (
    SELECT r.id, r.ref, r.category_code, r.state, r.description, r.commune_name, r.created_at,
           ST_Y(r.geom) AS lat, ST_X(r.geom) AS lon,
           ST_Distance(r.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS distance_m
    FROM reports r
    WHERE r.state IN (@PUBLIC_OPEN_STATES@)
      AND r.category_code = :category
      AND r.merged_into_id IS NULL
      AND r.created_at >= now() - make_interval(days => :window_days)
    ORDER BY r.geom_l93 <-> ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 2154)
    LIMIT :limit
) nearest
WHERE distance_m <= (SELECT duplicate_radius_m FROM categories WHERE code = :category)
ORDER BY distance_m, id
