"""Quick-Win Tracker: Balikpapan's Smart City quick wins, from proposal to rollout."""

from __future__ import annotations

import logging
import os
from importlib import import_module
from pathlib import Path
from typing import Any

import click
from flask import Flask, has_request_context, session
from flask_babel import format_date, format_datetime, get_locale
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .api.problems import is_api_request
from .api.problems import select_locale as api_locale
from .config import load_config
from .domain import permissions
from .extensions import babel, compress, csrf, db, login_manager, migrate
from .scheduler.registry import jobs_for
from .web import assets
from .web.routing import IdConverter

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
    jobs_for(app.config)  # QUICKWIN_SCHEDULER_JOBS / _EXTRA_JOBS must name real jobs
    if app.config["PROXY_FIX"]:
        # Behind nginx: trust X-Forwarded-For/-Proto/-Host from that many proxies, so that
        # request.is_secure, url_for(_external=True) and remote_addr (login throttling) are right.
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    register_extensions(app)
    app.url_map.converters["int"] = IdConverter  # before any route is added (web/routing.py)
    register_blueprints(app)
    register_api(app)
    register_errorhandlers(app)
    register_template_context(app)
    register_hooks(app)
    register_listeners(app)
    assets.init_app(app)  # ?v=<hash> on static URLs, long cache lifetimes for them
    register_commands(app)
    configure_logging(app)
    return app


def _select_locale() -> str:
    if not has_request_context():
        # The command line speaks English, as click's own help and errors do; scheduled jobs
        # and emails choose each recipient's language themselves (force_locale).
        if click.get_current_context(silent=True) is not None:
            return "en"
        return "id"
    if is_api_request():
        return api_locale()  # Accept-Language: the API has no session and no account setting
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
    compress.init_app(app)
    from .auth import sessions  # the user loader; also imports the unauthorized handler

    sessions.init_app(app)  # idle timeout: background polls do not renew the session
    from .identity import oidc

    oidc.init_app(app)  # Authlib's client for "Sign in with the city account"


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


# Every blueprint and where it is mounted: (module, attribute, URL prefix).
BLUEPRINTS = (
    ("core", "bp", None),
    ("auth", "bp", "/auth"),
    ("identity.oidc", "bp", "/auth/oidc"),
    ("board", "bp", "/board"),
    ("initiatives", "bp", "/initiatives"),
    ("milestones", "bp", "/initiatives"),
    ("comments", "bp", "/initiatives"),
    ("updates", "bp", "/initiatives"),
    ("outcomes", "bp", "/initiatives"),
    ("outcomes", "evidence_bp", "/evidence"),
    ("budget.views", "bp", "/initiatives"),
    ("notifications", "bp", "/notifications"),
    ("feed", "bp", "/activity"),
    ("calendar", "bp", "/calendar"),
    ("review", "bp", None),
    ("review.report_views", "bp", "/reports"),
    ("public", "bp", None),
    ("digests", "bp", "/digests"),
    ("preferences", "bp", "/preferences"),
    ("tokens", "bp", "/tokens"),
    ("transfer", "bp", "/transfer"),
    ("admin", "bp", "/admin"),
    ("mail.views", "bp", "/admin/outbox"),
    ("webhooks.views", "bp", "/admin/webhooks"),
    ("channels", "bp", None),
)


def register_blueprints(app: Flask) -> None:
    for module, attribute, prefix in BLUEPRINTS:
        blueprint = getattr(import_module(f".{module}", __name__), attribute)
        app.register_blueprint(blueprint, url_prefix=prefix)


def register_api(app: Flask) -> None:
    """The REST API at /api/v1 and its OpenAPI document (``api/``)."""
    from .api import init_app

    init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from .web.errors import register

    register(app)


def register_template_context(app: Flask) -> None:
    from .budget import section as budget_section
    from .comments.text import linkify
    from .domain import texts
    from .domain.activity import describe as describe_activity
    from .domain.clock import days_between, to_local
    from .models import role_label, token_scope_label
    from .outcomes import section as outcomes_section

    app.jinja_env.globals.update(permissions.TEMPLATE_PREDICATES)
    app.jinja_env.globals.update(outcomes_section.TEMPLATE_HELPERS)
    app.jinja_env.globals.update(budget_section.TEMPLATE_HELPERS)
    app.jinja_env.globals.update(texts.TEMPLATE_HELPERS)
    app.jinja_env.globals.update(
        get_locale=get_locale,
        format_date=format_date,
        format_datetime=format_datetime,
        days_between=days_between,
        to_local=to_local,
        role_label=role_label,
        token_scope_label=token_scope_label,
        describe_activity=describe_activity,
    )
    app.jinja_env.filters["linkify"] = linkify


def register_hooks(app: Flask) -> None:
    from .web.htmx import add_vary
    from .web.security import add_security_headers

    app.after_request(add_vary)
    app.after_request(add_security_headers)


def register_listeners(app: Flask) -> None:
    """Who hears of every trail entry (``domain.activity.on_record``): webhooks."""
    from .webhooks.events import register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing and not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
