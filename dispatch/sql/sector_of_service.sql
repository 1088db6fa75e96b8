-- The current sector of a service that covers a ticket's point (deterministic on shared borders).
SELECT z.code
FROM zones z, reports r
WHERE r.id = :report_id
  AND z.kind = 'sector' AND z.valid_to IS NULL AND z.service_code = :service_code
  AND ST_Covers(z.geom, r.geom)
ORDER BY z.code
LIMIT 1
