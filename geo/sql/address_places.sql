-- Rebuild what the geocoder searches from addresses: streets, lieux-dits, communes and arrondissements.
DELETE FROM address_places;

-- A street of a commune (or, with no numbered address, a named place such as a lieu-dit).
INSERT INTO address_places (key, kind, name, postcode, citycode, city, district, search, importance, addresses,
                            geom, geom_l93)
SELECT street_key,
       CASE WHEN count(number) = 0 THEN 'locality' ELSE 'street' END,
       mode() WITHIN GROUP (ORDER BY street_name),
       mode() WITHIN GROUP (ORDER BY postcode),
       min(citycode), min(city), min(district),
       rc_fold(concat_ws(' ', mode() WITHIN GROUP (ORDER BY street_name), min(city), min(district),
                         mode() WITHIN GROUP (ORDER BY postcode))),
       least(0.5, 0.1 + ln(1 + count(*)) / 15),
       count(*),
       ST_Transform(ST_Centroid(ST_Collect(geom_l93)), 4326),
       ST_Centroid(ST_Collect(geom_l93))
FROM addresses
GROUP BY street_key;

-- A lieu-dit named beside a street address (the BAN's nom_ld).
INSERT INTO address_places (key, kind, name, postcode, citycode, city, district, search, importance, addresses,
                            geom, geom_l93)
SELECT 'ld:' || citycode || '/' || rc_fold(locality),
       'locality', min(locality), mode() WITHIN GROUP (ORDER BY postcode), citycode, min(city), min(district),
       rc_fold(concat_ws(' ', min(locality), min(city), min(district), mode() WITHIN GROUP (ORDER BY postcode))),
       0.3, count(*),
       ST_Transform(ST_Centroid(ST_Collect(geom_l93)), 4326), ST_Centroid(ST_Collect(geom_l93))
FROM addresses
WHERE locality IS NOT NULL
GROUP BY citycode, rc_fold(locality)
ON CONFLICT (key) DO NOTHING;

-- A commune, or an arrondissement of Lyon (its own INSEE code in the BAN).
INSERT INTO address_places (key, kind, name, postcode, citycode, city, district, search, importance, addresses,
                            geom, geom_l93)
SELECT 'city:' || citycode, 'municipality', coalesce(min(district), min(city)),
       mode() WITHIN GROUP (ORDER BY postcode), citycode, min(city), min(district),
       rc_fold(concat_ws(' ', coalesce(min(district), min(city)), mode() WITHIN GROUP (ORDER BY postcode))),
       CASE WHEN min(district) IS NULL THEN 1.0 ELSE 0.9 END, count(*),
       ST_Transform(ST_Centroid(ST_Collect(geom_l93)), 4326), ST_Centroid(ST_Collect(geom_l93))
FROM addresses
GROUP BY citycode;

-- The whole commune above its arrondissements (Lyon 69123), named after the current zone.
INSERT INTO address_places (key, kind, name, postcode, citycode, city, district, search, importance, addresses,
                            geom, geom_l93)
SELECT 'city:' || coalesce(z.code, min(a.citycode)), 'municipality', a.city, min(a.postcode),
       coalesce(z.code, min(a.citycode)), a.city, NULL, rc_fold(a.city), 1.0, count(*),
       ST_Transform(ST_Centroid(ST_Collect(a.geom_l93)), 4326), ST_Centroid(ST_Collect(a.geom_l93))
FROM addresses a
LEFT JOIN zones z ON z.kind = 'commune' AND z.valid_to IS NULL AND z.name = a.city
WHERE a.district IS NOT NULL
GROUP BY a.city, z.code
ON CONFLICT (key) DO NOTHING;

-- The word dictionary (migration 1702): how many places have each word (address_places.words is generated).
DELETE FROM address_words;
INSERT INTO address_words (word, places)
SELECT w, count(*) FROM address_places, unnest(words) AS w GROUP BY w;

ANALYZE address_places;
ANALYZE address_words;
