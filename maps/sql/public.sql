-- What the public may see, as dispatch/publication.py defines it (its visible() is the same rule for the
-- SQLAlchemy queries of Open311, OGC and the tracking pages; tests/api/test_publication.py compares them):
-- open reports, and resolved or closed ones during :recent_days after their resolution; rejected reports
-- never, nor reports merged into another (the one they joined is shown).
r.merged_into_id IS NULL
AND (r.state IN (@PUBLIC_OPEN_STATES@)
 OR (r.state IN (@DONE_STATES@)
     AND COALESCE(r.resolved_at, r.updated_at) > now() - make_interval(days => CAST(:recent_days AS int))))
