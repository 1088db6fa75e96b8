-- Filter choices: categories (with their parent and icon) and current communes and arrondissements.
SELECT 'category' AS kind, c.code, c.name_fr, c.name_en, c.parent_code AS parent, c.icon
FROM categories c
UNION ALL
SELECT z.kind, z.code, z.name, z.name, z.parent_code, NULL
FROM zones z
WHERE z.kind IN ('commune', 'arrondissement') AND z.valid_to IS NULL
