-- Random report locations around Lyon, into the temporary table routing_input (id, geom, category,
-- created_at, open): two thirds clustered on the centre (Box-Muller normal, sigma about 2.4 km x 2.2 km),
-- one third uniform over the territory's bounding box; dates spread over the last 548 days, recent reports
-- more often still open. Points outside the territory are dropped later by the assignment.
INSERT INTO routing_input (id, geom, category, created_at, open)
SELECT g,
       ST_SetSRID(ST_MakePoint(
           CASE WHEN clustered THEN 4.845 + 0.031 * sqrt(-2 * ln(u1)) * cos(2 * pi() * u2)
                ELSE 4.691765 + 0.370197 * u1 END,
           CASE WHEN clustered THEN 45.762 + 0.020 * sqrt(-2 * ln(u1)) * sin(2 * pi() * u2)
                ELSE 45.557074 + 0.38219 * u2 END), 4326),
       cats[1 + floor(random() * cardinality(cats))::int],
       created_at,
       random() < CASE WHEN created_at > now() - interval '60 days' THEN 0.5 ELSE 0.03 END
FROM (
    SELECT g, random() < 0.66 AS clustered, 1 - random() AS u1, random() AS u2,
           now() - random() * interval '548 days' AS created_at
    FROM generate_series(1, :candidates) AS g
) r,
(SELECT array_agg(code ORDER BY code) AS cats FROM categories WHERE parent_code IS NOT NULL) c
