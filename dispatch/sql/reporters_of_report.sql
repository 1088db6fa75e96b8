-- The people behind a ticket, for staff allowed to see personal data.
SELECT rr.role, rr.contact_consent, rr.channel, r.id AS resident_id, r.name, r.email, r.phone, r.language
FROM report_reporters rr
JOIN residents r ON r.id = rr.resident_id
WHERE rr.report_id = :report_id
ORDER BY rr.created_at, r.id
