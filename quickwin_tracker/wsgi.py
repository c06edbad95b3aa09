"""WSGI entry point for production servers: ``gunicorn 'quickwin_tracker.wsgi:app'``.

Reads ``.env`` from the working directory (as the ``quickwin`` command does), then builds the app.
The scheduler is never started here: it runs as its own process (``quickwin scheduler``).
"""

from dotenv import load_dotenv

from . import create_app
from .web.runtime import tune_gc

load_dotenv()
app = create_app()
tune_gc()  # the garbage collector set for serving (runtime.py)
