-- Addresses of the file's départements that the file no longer has (or that now fall outside the territory).
DELETE FROM addresses a
WHERE left(a.citycode, 2) = ANY(:departments)
  AND NOT EXISTS (SELECT 1 FROM address_input s WHERE s.id = a.id
                  AND (NOT :territory_only OR s.code_insee IN (SELECT code FROM territory_codes)))
