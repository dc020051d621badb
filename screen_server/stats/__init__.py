"""Live activity statistics: the figures of the big screen's panels and the admin dashboard, and the
publisher that recomputes and pushes them when something that changes them happens."""
