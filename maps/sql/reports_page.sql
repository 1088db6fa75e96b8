-- One page of public reports as GeoJSON features, newest first, paged by id (keyset: no count(*), no OFFSET).
-- Returns the features as one JSON array text, whether more follow, and the id to continue after.
WITH page AS (
    SELECT r.id, r.ref, r.category_code, r.state, r.commune_code, r.commune_name, COALESCE(r.address, r.address_text) AS address_text,
           CASE WHEN r.description_hidden_at IS NULL THEN r.description END AS description, r.created_at, r.due_at,
           r.resolved_at, r.geom,
           (SELECT '/photos/' || p.photo_hash || '/thumb.jpg' FROM report_photos p
            WHERE p.report_id = r.id AND p.kind = 'before' AND p.hidden_at IS NULL ORDER BY p.position, p.id LIMIT 1) AS thumbnail
    FROM reports r
    WHERE /*public*/ AND /*filters*/
      AND (CAST(:after AS bigint) IS NULL OR r.id < CAST(:after AS bigint))
    ORDER BY r.id DESC
    LIMIT :limit + 1
), numbered AS (
    SELECT page.*, row_number() OVER (ORDER BY id DESC) AS rn FROM page
)
SELECT COALESCE(json_agg(json_build_object(
           'type', 'Feature',
           'id', ref,
           'geometry', ST_AsGeoJSON(geom, 6)::json,
           'properties', json_build_object(
               'ref', ref, 'category', category_code, 'state', state,
               'commune_code', commune_code, 'commune', commune_name, 'address', address_text,
               'description', left(description, 500),
               'created', to_char(created_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD'),
               'due', to_char(due_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD'),
               'resolved', to_char(resolved_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM-DD'),
               'thumbnail', thumbnail, 'url', '/reports/' || ref)
       ) ORDER BY id DESC) FILTER (WHERE rn <= :limit), '[]')::text AS features,
       count(*) > :limit AS more,
       min(id) FILTER (WHERE rn <= :limit) AS last_id
FROM numbered
