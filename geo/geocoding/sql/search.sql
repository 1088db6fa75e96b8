-- Places whose folded text contains the query's words (trigrams: typo-tolerant), scored and biased to a point.
-- pg_trgm.word_similarity_threshold is set for the transaction by the caller (builtin.py).
WITH candidates AS (
    SELECT p.*, word_similarity(:q, p.search) AS ws, similarity(:q, p.search) AS sim,
           CASE WHEN :lat IS NULL THEN NULL
                ELSE ST_Distance(p.geom_l93, ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 2154))
           END AS distance
    FROM address_places p
    WHERE :q <% p.search
), scored AS (
    SELECT c.*,
           0.6 * c.ws + 0.25 * c.sim + 0.1 * c.importance
           + CASE WHEN c.distance IS NULL THEN 0 ELSE 0.12 / (1 + c.distance / 3000) END
           -- A postcode typed in full settles which of two same-named streets is meant.
           + CASE WHEN c.postcode IS NOT NULL AND strpos(:q, c.postcode) > 0 THEN 0.1 ELSE 0 END AS score
    FROM candidates c
    ORDER BY score DESC, c.key
    LIMIT :pool
)
SELECT s.key, s.kind, s.name, s.postcode, s.citycode, s.city, s.district, s.importance, s.distance, s.score,
       ST_Y(s.geom) AS place_lat, ST_X(s.geom) AS place_lon,
       h.id AS address_id, h.number, h.rep, h.postcode AS address_postcode,
       ST_Y(h.geom) AS lat, ST_X(h.geom) AS lon
FROM scored s
LEFT JOIN LATERAL (
    SELECT a.id, a.number, a.rep, a.postcode, a.geom FROM addresses a
    WHERE :housenumber IS NOT NULL AND s.kind <> 'municipality' AND a.street_key = s.key AND a.number = :housenumber
    ORDER BY (a.rep = :rep) DESC, a.rep
    LIMIT 1
) h ON true
ORDER BY s.score + CASE WHEN h.id IS NOT NULL THEN 0.05 ELSE 0 END DESC, s.key
