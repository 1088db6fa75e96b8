-- The nearest address within :radius metres (KNN in a subquery, radius outside: see PERFORMANCE.md).
SELECT n.id, n.street_key, n.number, n.rep, n.street_name, n.locality, n.postcode, n.citycode, n.city, n.district,
       ST_Y(n.geom) AS lat, ST_X(n.geom) AS lon, n.distance
FROM (
    SELECT a.*, a.geom_l93 <-> p.geom AS distance
    FROM addresses a,
         (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 2154) AS geom) p
    ORDER BY a.geom_l93 <-> p.geom
    LIMIT 1
) n
WHERE n.distance <= :radius
