"""The JSON API and health endpoints (Flask blueprints). Views parse, call one service, answer."""
