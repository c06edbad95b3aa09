"""Quick-Win Tracker: Balikpapan's Smart City quick wins, from proposal to rollout."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click
from flask import Flask, has_request_context, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from . import assets, permissions
from .config import load_config
from .extensions import babel, csrf, db, login_manager, migrate

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """``templates``, ``static`` or ``migrations``: inside the package when installed from a
    wheel, at the top of the checkout otherwise."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
        # Where the SQLite database, secret_key, evidence/ and imports/ live. Installed from a
        # wheel, Flask's default is <venv>/var/quickwin_tracker-instance: set it in production.
        instance_path=os.environ.get("QUICKWIN_INSTANCE_PATH") or None,
    )
    load_config(app, test_config)
    if app.config["PROXY_FIX"]:
        # Behind nginx: trust X-Forwarded-For/-Proto/-Host from that many proxies, so that
        # request.is_secure, url_for(_external=True) and remote_addr (login throttling) are right.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    register_extensions(app)
    app.url_map.converters["int"] = IdConverter  # before any route is added
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_context(app)
    register_hooks(app)
    assets.init_app(app)  # ?v=<hash> on static URLs, long cache lifetimes for them
    register_commands(app)
    configure_logging(app)
    return app


MAX_ID = 2**31 - 1  # the largest value of the integer id columns (PostgreSQL ``integer``)


def digits_up_to(limit: int) -> str:
    """A regular expression for the decimal numbers from 0 to ``limit`` (no sign, and no leading
    zeros on the longest ones)."""
    text = str(limit)
    size = len(text)
    alternatives = [f"[0-9]{{1,{size - 1}}}"] if size > 1 else []
    for i, digit in enumerate(text):
        low, high = (1 if i == 0 and size > 1 else 0), int(digit) - 1
        if high >= low:
            rest = size - i - 1
            alternatives.append(text[:i] + f"[{low}-{high}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    alternatives.append(text)
    return "(?:" + "|".join(alternatives) + ")"


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a whole number that fits the database's integer ids
    (0 … 2**31 − 1). A larger one matches no route (its digits fail the rule's pattern), so it is
    a 404 on every method, instead of reaching the database, whose driver refuses the number."""

    regex = digits_up_to(MAX_ID)

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _select_locale() -> str:
    if not has_request_context():
        # The command line speaks English, as click's own help and errors do; scheduled jobs
        # and emails choose each recipient's language themselves (force_locale).
        if click.get_current_context(silent=True) is not None:
            return "en"
        return "id"
    if current_user and current_user.is_authenticated:
        return current_user.locale
    chosen = session.get("locale")
    return chosen if chosen in ("id", "en") else "id"


def _select_timezone() -> str:
    from flask import current_app

    return current_app.config["TIMEZONE"]


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(resource_dir("migrations")))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        timezone_selector=_select_timezone,
        default_translation_directories=str(PACKAGE_DIR / "translations"),
    )
    login_manager.init_app(app)
    from .auth import sessions  # the user loader; also imports the unauthorized handler

    sessions.init_app(app)  # idle timeout: background polls do not renew the session


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """Foreign keys on and WAL for every SQLite connection."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .board import bp as board_bp
    from .calendar import bp as calendar_bp
    from .comments import bp as comments_bp
    from .core import bp as core_bp
    from .feed import bp as feed_bp
    from .initiatives import bp as initiatives_bp
    from .milestones import bp as milestones_bp
    from .notifications import bp as notifications_bp
    from .outcomes import bp as outcomes_bp
    from .outcomes import evidence_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(board_bp, url_prefix="/board")
    app.register_blueprint(initiatives_bp, url_prefix="/initiatives")
    app.register_blueprint(milestones_bp, url_prefix="/initiatives")
    app.register_blueprint(comments_bp, url_prefix="/initiatives")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(feed_bp, url_prefix="/activity")
    app.register_blueprint(calendar_bp, url_prefix="/calendar")
    app.register_blueprint(outcomes_bp, url_prefix="/initiatives")
    app.register_blueprint(evidence_bp, url_prefix="/evidence")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    from .mail.views import bp as outbox_bp

    app.register_blueprint(outbox_bp, url_prefix="/admin/outbox")
    from .review import bp as review_bp

    app.register_blueprint(review_bp)
    from .public import bp as public_bp

    app.register_blueprint(public_bp)
    from .digests import bp as digests_bp
    from .preferences import bp as preferences_bp

    app.register_blueprint(digests_bp, url_prefix="/digests")
    app.register_blueprint(preferences_bp, url_prefix="/preferences")
    from .transfer import bp as transfer_bp

    app.register_blueprint(transfer_bp, url_prefix="/transfer")


def register_errorhandlers(app: Flask) -> None:
    from .core.errors import register

    register(app)


def register_template_context(app: Flask) -> None:
    from .activity import describe as describe_activity
    from .clock import days_between, to_local
    from .comments.text import linkify
    from .models import role_label

    app.jinja_env.globals.update(permissions.TEMPLATE_PREDICATES)
    app.jinja_env.globals.update(
        get_locale=get_locale,
        format_date=format_date,
        format_datetime=format_datetime,
        days_between=days_between,
        to_local=to_local,
        role_label=role_label,
        describe_activity=describe_activity,
    )
    app.jinja_env.filters["linkify"] = linkify


def register_hooks(app: Flask) -> None:
    from . import compression
    from .htmx import add_vary
    from .security import add_security_headers

    compression.init_app(app)  # registered first: after_request hooks run last-first
    app.after_request(add_vary)
    app.after_request(add_security_headers)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
