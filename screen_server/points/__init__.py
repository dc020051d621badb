"""The points ledger (积分): one table of entries, each with its rule and reason, and the rules an admin
edits. Study, meeting sign-ins and contests all award through ``services.award``."""
