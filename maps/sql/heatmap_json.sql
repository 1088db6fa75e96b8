-- The heatmap's grid as the JSON document the API returns, built by PostgreSQL: turning 8,000 rows into
-- Python dicts and then into JSON took as long as the query itself (bench/maps.py).
SELECT json_build_object(
           'cell_m', CAST(:cell AS int),
           'cells', COALESCE(json_agg(json_build_object('gx', h.gx, 'gy', h.gy, 'reports', h.reports,
                                                        'lat', h.lat, 'lon', h.lon) ORDER BY h.reports DESC), '[]'))::text
FROM /*heatmap*/ AS h
