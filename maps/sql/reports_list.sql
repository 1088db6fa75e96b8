-- One page of public reports as rows (the list page and the CSV export), newest first, paged by id.
SELECT r.id, r.ref, r.category_code AS category, r.state, r.commune_code, r.commune_name AS commune,
       COALESCE(r.address, r.address_text) AS address,
       CASE WHEN r.description_hidden_at IS NULL THEN left(r.description, 500) END AS description,
       ST_Y(r.geom) AS lat, ST_X(r.geom) AS lon,
       (r.created_at AT TIME ZONE 'Europe/Paris')::date AS created,
       (r.due_at AT TIME ZONE 'Europe/Paris')::date AS due,
       (r.resolved_at AT TIME ZONE 'Europe/Paris')::date AS resolved
FROM reports r
WHERE /*public*/ AND /*filters*/
  AND (CAST(:after AS bigint) IS NULL OR r.id < CAST(:after AS bigint))
ORDER BY r.id DESC
LIMIT :limit
