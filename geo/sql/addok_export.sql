-- The searched places as addok documents (one JSON line each), house numbers nested in their street,
-- in the shape the BAN feeds its own addok: type, name, postcode, citycode, city, district, importance.
SELECT json_strip_nulls(json_build_object(
    'id', p.key, 'type', p.kind, 'name', p.name, 'postcode', p.postcode, 'citycode', p.citycode,
    'city', p.city, 'district', p.district, 'context', :context, 'importance', round(p.importance::numeric, 4),
    'lat', round(ST_Y(p.geom)::numeric, 6), 'lon', round(ST_X(p.geom)::numeric, 6),
    'housenumbers', (
        SELECT json_object_agg(a.number || CASE WHEN a.rep <> '' THEN ' ' || a.rep ELSE '' END,
                               json_build_object('id', a.id, 'lat', round(ST_Y(a.geom)::numeric, 6),
                                                 'lon', round(ST_X(a.geom)::numeric, 6)))
        FROM addresses a WHERE p.kind = 'street' AND a.street_key = p.key AND a.number IS NOT NULL)
))::text
FROM address_places p
ORDER BY p.key
