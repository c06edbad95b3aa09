"""WSGI entry point for production servers: ``gunicorn 'quickwin_tracker.wsgi:app'``.

Reads ``.env`` from the working directory (as the ``quickwin`` command does), then builds the app.
The scheduler is never started here: it runs as its own process (``quickwin scheduler``).
"""

import gc

from dotenv import load_dotenv

from . import create_app

load_dotenv()
app = create_app()
# What is loaded by now (modules, the app, its templates) lives as long as the worker: out of the
# collector's sight, full collections stay cheap (the board's p95 at 1,000 initiatives: ~100 ms
# with them walking it all, ~55 ms without). See docs/deploy.md.
gc.freeze()
