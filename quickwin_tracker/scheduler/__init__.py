"""The scheduler: its own process (``quickwin scheduler``), never the web app.

- ``registry``: which jobs exist, when they fire, and their slots;
- ``jobs``: ``run_job(app, name, now)`` (one run, guarded by a ``JobRun`` row per slot) and
  ``catch_up(app, now)`` (missed daily/weekly runs, within ``CATCHUP_HOURS``);
- ``lock``: leadership, so that only one scheduler process runs jobs at a time (a PostgreSQL
  advisory lock, or a lease row on SQLite);
- ``process``: the APScheduler loop behind ``quickwin scheduler``.

``create_app`` never imports this package (STACK-NOTES pitfall 5, STYLE anti-pattern 2).
"""
