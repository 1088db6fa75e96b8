-- The "after" photos of a ticket, newest first.
SELECT photo_hash FROM report_photos WHERE report_id = :report_id AND kind = 'after' ORDER BY created_at DESC, id DESC
