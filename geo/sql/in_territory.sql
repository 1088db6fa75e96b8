-- Whether a current commune covers the point.
SELECT EXISTS (
    SELECT 1 FROM zone_pieces
    WHERE kind = 'commune' AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
)
