-- Apply reroute_moves (reroute_moves.sql) to reports still open, and write each move to the report's
-- append-only history with its reason, in one statement. Reports outside every commune are not moved.
WITH moved AS (
    UPDATE reports r
    SET commune_code = m.to_commune, commune_name = m.to_commune_name, zone_code = m.to_zone,
        service_code = m.to_service, sector_code = m.to_sector, team = m.to_team, routing_rule_id = m.to_rule,
        version = r.version + 1, updated_at = now()
    FROM reroute_moves m
    WHERE r.id = m.id AND NOT m.outside AND r.state IN (@REROUTABLE_STATES@)
    RETURNING r.id
)
INSERT INTO report_events (report_id, action, actor_kind, actor_id, note, public, data)
SELECT m.id, 'rerouted', :actor_kind, :actor_id, :reason, false,
       jsonb_build_object(
           'from', jsonb_build_object('commune', m.from_commune, 'zone', m.from_zone, 'service', m.from_service,
                                      'sector', m.from_sector, 'team', m.from_team, 'rule_id', m.from_rule),
           'to', jsonb_build_object('commune', m.to_commune, 'zone', m.to_zone, 'service', m.to_service,
                                    'sector', m.to_sector, 'team', m.to_team, 'rule_id', m.to_rule))
FROM reroute_moves m JOIN moved USING (id)
