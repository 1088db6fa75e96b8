-- Every reporter of a ticket who gave an email and agreed to hear about it, once per address,
-- following a resident record that was merged into another.
SELECT DISTINCT ON (lower(live.email))
       live.id AS resident_id, live.email, live.language
FROM report_reporters rr
JOIN residents r ON r.id = rr.resident_id
JOIN residents live ON live.id = COALESCE(r.merged_into_id, r.id)
WHERE rr.report_id = :report_id
  AND rr.contact_consent
  AND live.email IS NOT NULL
ORDER BY lower(live.email), live.id
