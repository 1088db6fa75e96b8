-- The open reports, as the input of bulk routing (geo.bulk's routing_input).
INSERT INTO routing_input (id, geom, category)
SELECT id, geom, category_code FROM reports WHERE state IN (@REROUTABLE_STATES@)
