"""Live activity statistics: the figures of the big screen's panels (``services``), the publisher that
recomputes and pushes them when something that changes them happens, and the admin's statistics report
with its Excel export (``report``)."""
