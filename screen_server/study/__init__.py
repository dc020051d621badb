"""Study records: the stretches of active study that terminals and phones report, each member's totals
per item, and the points they earn (through ``screen_server.points``)."""
