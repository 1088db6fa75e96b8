-- Report counts on a square grid of :cell metres, computed with floor() on the Lambert-93 column
-- (ST_SquareGrid joined with ST_Intersects took 107 s on a million rows), each cell's centre in WGS84.
WITH cells AS (
    SELECT floor(ST_X(r.geom_l93) / :cell)::int AS gx, floor(ST_Y(r.geom_l93) / :cell)::int AS gy,
           count(*) AS reports
    FROM reports r
    WHERE /*filters*/
    GROUP BY 1, 2
)
SELECT gx, gy, reports, ST_Y(c.pt) AS lat, ST_X(c.pt) AS lon
FROM cells,
     LATERAL (SELECT ST_Transform(ST_SetSRID(ST_MakePoint((gx + 0.5) * :cell, (gy + 0.5) * :cell), 2154), 4326)
              AS pt) AS c
ORDER BY reports DESC
