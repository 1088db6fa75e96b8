-- address_input (the file's columns, all text) -> addresses: insert new ids, update changed ones only.
INSERT INTO addresses (id, street_key, number, rep, street_name, locality, postcode, citycode, city, district,
                       geom, geom_l93)
SELECT DISTINCT ON (s.id)
       s.id,
       s.code_insee || '/' || rc_fold(s.nom_voie),
       -- The BAN numbers a named place without a house number 99999 (and 5000+ for some lieux-dits).
       NULLIF(NULLIF(s.numero, '')::integer, 99999),
       lower(coalesce(s.rep, '')),
       s.nom_voie,
       NULLIF(s.nom_ld, ''),
       NULLIF(s.code_postal, ''),
       s.code_insee,
       regexp_replace(s.nom_commune, ' [0-9]+(er|e) Arrondissement$', ''),
       CASE WHEN s.nom_commune ~ ' [0-9]+(er|e) Arrondissement$' THEN s.nom_commune END,
       ST_SetSRID(ST_MakePoint(s.lon::float8, s.lat::float8), 4326),
       ST_Transform(ST_SetSRID(ST_MakePoint(s.lon::float8, s.lat::float8), 4326), 2154)
FROM address_input s
WHERE s.id <> '' AND s.nom_voie <> '' AND s.lon <> '' AND s.lat <> ''
  AND (NOT :territory_only OR s.code_insee IN (SELECT code FROM territory_codes))
ORDER BY s.id
ON CONFLICT (id) DO UPDATE SET
    street_key = EXCLUDED.street_key, number = EXCLUDED.number, rep = EXCLUDED.rep,
    street_name = EXCLUDED.street_name, locality = EXCLUDED.locality, postcode = EXCLUDED.postcode,
    citycode = EXCLUDED.citycode, city = EXCLUDED.city, district = EXCLUDED.district,
    geom = EXCLUDED.geom, geom_l93 = EXCLUDED.geom_l93, updated_at = now()
WHERE (addresses.street_key, addresses.number, addresses.rep, addresses.street_name, addresses.locality,
       addresses.postcode, addresses.citycode, addresses.city, addresses.district, addresses.geom)
      IS DISTINCT FROM
      (EXCLUDED.street_key, EXCLUDED.number, EXCLUDED.rep, EXCLUDED.street_name, EXCLUDED.locality,
       EXCLUDED.postcode, EXCLUDED.citycode, EXCLUDED.city, EXCLUDED.district, EXCLUDED.geom)
