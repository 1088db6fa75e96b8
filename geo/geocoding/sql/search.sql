-- Places whose folded text contains the query's words (trigrams: typo-tolerant), scored and biased to a point.
-- Candidates come from the word index, not from trigrams over whole places: each word of the query finds the
-- dictionary's words equal to it, close to it (a typo) or, for the last one, starting with it (typed halfway);
-- the places having a match of every such word are the candidates (a GIN intersection), of which the nearest
-- to the bias point and the most important are scored. Only these pay for word_similarity.
WITH qwords AS (
    SELECT w, i FROM unnest(CAST(:words AS text[])) WITH ORDINALITY AS t(w, i)
), matches AS (
    SELECT q.i, d.word, d.places FROM qwords q JOIN address_words d ON d.word = q.w
    UNION
    -- % (pg_trgm's similarity_threshold, 0.3 by default) lets the index find them; :word_threshold decides.
    SELECT q.i, d.word, d.places FROM qwords q JOIN address_words d
        ON length(q.w) >= 3 AND d.word % q.w AND similarity(d.word, q.w) >= :word_threshold
    UNION
    -- text_pattern_ops compares bytes: folded words are [a-z0-9], all below '{'.
    SELECT q.i, d.word, d.places FROM qwords q JOIN address_words d
        ON q.i = cardinality(CAST(:words AS text[])) AND length(q.w) >= 2
       AND d.word ~>=~ q.w AND d.word ~<~ (q.w || '{')
), per_word AS (
    -- Each query word that found something: its dictionary words and how many places have one of them.
    SELECT i, array_agg(DISTINCT word) AS words, sum(places) AS places, row_number() OVER (ORDER BY sum(places), i) AS n
    FROM matches GROUP BY i
), pinned AS (
    SELECT CASE WHEN :lat IS NULL THEN NULL
                ELSE ST_Transform(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 2154) END AS geom
), strict AS (
    -- Places with a match of every word: the index intersects the two rarest words, the others are checked on
    -- what is left. More than :rare_places of them: the query has only common words ("rue", "impasse du").
    SELECT p.key, p.importance, length(p.search) AS size, ST_Distance(p.geom_l93, b.geom) AS distance
    FROM address_places p, pinned b
    WHERE p.words && (SELECT words FROM per_word WHERE n = 1)
      AND p.words && coalesce((SELECT words FROM per_word WHERE n = 2), (SELECT words FROM per_word WHERE n = 1))
      AND NOT EXISTS (SELECT 1 FROM per_word w WHERE w.n > 2 AND NOT p.words && w.words)
    LIMIT :rare_places + 1
), common AS (
    SELECT count(*) > :rare_places AS common_only FROM strict
), near AS (
    -- Then the nearest places having them all, walking the GiST index outwards: the words are checked on each
    -- place (coalesce keeps their index out), and the walk stops after :common_pool, soon as they are common.
    SELECT p.key FROM address_places p
    WHERE (SELECT common_only FROM common) AND (SELECT geom FROM pinned) IS NOT NULL
      AND coalesce(p.words && (SELECT words FROM per_word WHERE n = 1), false)
      AND coalesce(p.words && (SELECT words FROM per_word WHERE n = 2), true)
      AND NOT EXISTS (SELECT 1 FROM per_word w WHERE w.n > 2 AND NOT p.words && w.words)
    ORDER BY p.geom_l93 <-> (SELECT geom FROM pinned)
    LIMIT :common_pool
), important AS (
    -- ... and the most important places having them all (communes first), walking the importance index.
    SELECT p.key FROM address_places p
    WHERE (SELECT common_only FROM common)
      AND coalesce(p.words && (SELECT words FROM per_word WHERE n = 1), false)
      AND coalesce(p.words && (SELECT words FROM per_word WHERE n = 2), true)
      AND NOT EXISTS (SELECT 1 FROM per_word w WHERE w.n > 2 AND NOT p.words && w.words)
    ORDER BY p.importance DESC, p.key
    LIMIT :common_pool
), relaxed AS (
    -- No place has every word: one was mistyped beyond recognition or is not in the place. The places of
    -- either rarest word, those with most of the query's words first.
    SELECT p.key, p.importance, length(p.search) AS size, ST_Distance(p.geom_l93, b.geom) AS distance
    FROM address_places p, pinned b
    WHERE NOT EXISTS (SELECT 1 FROM strict)
      AND p.words && (SELECT array_agg(x) FROM per_word w, unnest(w.words) x WHERE w.n <= 2)
    ORDER BY (SELECT count(*) FROM per_word w WHERE p.words && w.words) DESC, p.importance DESC, p.key
    LIMIT :common_pool
), found AS (
    SELECT * FROM strict WHERE NOT (SELECT common_only FROM common) UNION ALL SELECT * FROM relaxed
), keys AS (
    -- Of many places, score the nearest and the most important ones (the shortest text first among equals:
    -- it is the most similar to the query).
    (SELECT key FROM found WHERE distance IS NOT NULL ORDER BY distance, key LIMIT :common_pool)
    UNION
    (SELECT key FROM found ORDER BY importance DESC, size, key LIMIT :common_pool)
    UNION
    SELECT key FROM near
    UNION
    SELECT key FROM important
), candidates AS MATERIALIZED (
    -- Materialized: each place's similarities are computed once, not again in the filter and the sort.
    SELECT p.*, word_similarity(:q, p.search) AS ws, similarity(:q, p.search) AS sim,
           ST_Distance(p.geom_l93, b.geom) AS distance
    FROM keys k JOIN address_places p USING (key), pinned b
), scored AS (
    SELECT c.*,
           0.6 * c.ws + 0.25 * c.sim + 0.1 * c.importance
           + CASE WHEN c.distance IS NULL THEN 0 ELSE 0.12 / (1 + c.distance / 3000) END
           -- A postcode typed in full settles which of two same-named streets is meant.
           + CASE WHEN c.postcode IS NOT NULL AND strpos(:q, c.postcode) > 0 THEN 0.1 ELSE 0 END AS score
    FROM candidates c
    WHERE c.ws >= :threshold
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
