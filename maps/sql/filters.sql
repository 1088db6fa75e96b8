-- Visitor filters on reports r; a NULL parameter means "no filter". psycopg2 sends literal values, so
-- the planner folds the NULL tests away and keeps only the filters actually asked for.
    (CAST(:category AS text) IS NULL OR r.category_code = :category
        OR r.category_code IN (SELECT c.code FROM categories c WHERE c.parent_code = :category))
AND (CAST(:states AS text[]) IS NULL OR r.state = ANY(CAST(:states AS text[])))
AND (CAST(:commune AS text) IS NULL OR r.commune_code = :commune OR r.zone_code = :commune)
AND (CAST(:since AS date) IS NULL OR r.created_at >= CAST(:since AS date))
AND (CAST(:until AS date) IS NULL OR r.created_at < CAST(:until AS date) + 1)
AND (CAST(:xmin AS float8) IS NULL OR r.geom && ST_MakeEnvelope(:xmin, :ymin, :xmax, :ymax, 4326))
