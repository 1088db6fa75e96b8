-- The tickets a crew holds, with their metric coordinates for the visit order.
SELECT r.id, r.ref, r.category_code, r.state, r.version, ST_Y(r.geom) AS lat, ST_X(r.geom) AS lon,
       ST_X(r.geom_l93) AS x, ST_Y(r.geom_l93) AS y
FROM reports r
WHERE r.assignee_id = :crew_id
  AND r.state IN (@WORKING_STATES@)
ORDER BY r.id
