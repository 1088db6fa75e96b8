-- The open tickets of a crew's service (and sectors) nearest to a point, in true metres (Lambert-93).
-- KNN first (ORDER BY <-> LIMIT in a subquery, served by the partial GiST index ix_reports_crew_open_l93),
-- then the radius and the paging outside: the single-query form with ST_DWithin is up to 200 times slower.
SELECT k.id, k.ref, k.category_code, k.state, k.created_at, k.due_at, k.version, k.assignee_id,
       k.lat, k.lon, k.distance_m, k.address,
       (SELECT p.photo_hash FROM report_photos p
         WHERE p.report_id = k.id AND p.kind = 'before' ORDER BY p.position, p.id LIMIT 1) AS photo_hash
FROM (
    SELECT r.id, r.ref, r.category_code, r.state, r.created_at, r.due_at, r.version, r.assignee_id,
           ST_Y(r.geom) AS lat, ST_X(r.geom) AS lon, COALESCE(r.address, r.address_text) AS address,
           r.geom_l93 <-> ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 2154) AS distance_m
    FROM reports r
    WHERE r.state IN (@WORKING_STATES@)
      AND r.service_code = :service_code
      AND (cardinality(CAST(:sectors AS text[])) = 0 OR r.sector_code = ANY(CAST(:sectors AS text[])))
      AND (cardinality(CAST(:categories AS text[])) = 0 OR r.category_code = ANY(CAST(:categories AS text[])))
      AND (cardinality(CAST(:states AS text[])) = 0 OR r.state = ANY(CAST(:states AS text[])))
    ORDER BY r.geom_l93 <-> ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 2154)
    LIMIT :window
) k
WHERE k.distance_m <= :radius_m
ORDER BY k.distance_m, k.id
OFFSET :offset
