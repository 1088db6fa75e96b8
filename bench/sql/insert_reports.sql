-- One report per routed candidate point, up to :reports. Routing comes from routing_output (geo.bulk), so the
-- bench data is routed exactly as the platform would route it.
INSERT INTO reports (ref, category_code, description, geom, location_source, commune_code, commune_name,
                     zone_code, service_code, sector_code, team, routing_rule_id, state, outcome, channel,
                     due_at, resolved_at, created_at, updated_at)
SELECT 'BENCH-' || lpad(a.id::text, 8, '0'), i.category, '', i.geom, 'device', a.commune_code, a.commune_name,
       a.zone_code, a.service_code, a.sector_code, a.team, a.rule_id,
       CASE WHEN i.open THEN :open_state ELSE :done_state END,
       CASE WHEN i.open THEN NULL ELSE 'fixed' END,
       (ARRAY['app', 'app', 'app', 'web', 'phone', 'counter', 'email'])[1 + (a.id % 7)::int],
       i.created_at + make_interval(days => cat.deadline_days),
       CASE WHEN i.open THEN NULL ELSE i.created_at + (a.id % 20) * interval '1 day' END,
       i.created_at, i.created_at
FROM routing_output a
JOIN routing_input i USING (id)
JOIN categories cat ON cat.code = i.category
ORDER BY a.id
LIMIT :reports
