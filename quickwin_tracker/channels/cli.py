"""``quickwin telegram …``: check the bot, point Telegram's webhook at this app (or back to
polling), and read the bot's updates once (the ``telegram_updates`` job does it on a schedule)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..domain.clock import utcnow
from ..extensions import db
from ..mail.urls import app_url
from . import telegram

telegram_cli = AppGroup("telegram", help="The Telegram bot (docs/telegram.md).")


def _need_bot() -> None:
    if not telegram.enabled():
        raise click.ClickException("QUICKWIN_TELEGRAM_BOT_TOKEN is not set: Telegram is off.")


def _call(method: str, payload: dict | None = None):
    try:
        return telegram.call(method, payload)
    except (telegram.TelegramError, telegram.TelegramUnreachable,
            telegram.TelegramAnswerLost) as exc:
        raise click.ClickException(f"{method} failed: {exc}") from None


@telegram_cli.command("check")
def check() -> None:
    """Ask Telegram who the bot is (getMe) and compare with QUICKWIN_TELEGRAM_BOT_USERNAME."""
    _need_bot()
    me = _call("getMe") or {}
    username = me.get("username", "")
    click.echo(f"Bot @{username} (id {me.get('id')}) answers.")
    if username.lower() != current_app.config["TELEGRAM_BOT_USERNAME"].lower():
        raise click.ClickException(
            f"QUICKWIN_TELEGRAM_BOT_USERNAME is {current_app.config['TELEGRAM_BOT_USERNAME']!r} "
            f"but the token belongs to @{username}: deep links would open the wrong bot.")


@telegram_cli.command("set-webhook")
@click.option("--remove", is_flag=True, help="Remove the webhook (back to polling).")
def set_webhook(remove: bool) -> None:
    """Tell Telegram to post updates to /telegram/webhook/<secret> (setWebhook), with the secret
    header; needs QUICKWIN_BASE_URL (https) and QUICKWIN_TELEGRAM_WEBHOOK_SECRET."""
    _need_bot()
    if remove:
        _call("setWebhook", {"url": ""})
        click.echo("Webhook removed: set QUICKWIN_TELEGRAM_MODE=polling.")
        return
    secret = current_app.config.get("TELEGRAM_WEBHOOK_SECRET") or ""
    if not secret:
        raise click.ClickException("Set QUICKWIN_TELEGRAM_WEBHOOK_SECRET first.")
    url = app_url("channels.webhook", secret=secret)
    if not url.startswith("https://"):
        raise click.ClickException("Telegram posts to https URLs only: set QUICKWIN_BASE_URL.")
    _call("setWebhook", {"url": url, "secret_token": secret, "allowed_updates": ["message"]})
    click.echo("Webhook set: set QUICKWIN_TELEGRAM_MODE=webhook.")


@telegram_cli.command("poll")
def poll() -> None:
    """Read and handle the bot's new updates once, then send the replies."""
    _need_bot()
    result = telegram.poll_updates(utcnow())
    db.session.commit()
    report = telegram.deliver_telegram()
    click.echo(f"Updates: {result}. Telegram messages: {report}.")


def register(app: Flask) -> None:
    app.cli.add_command(telegram_cli)
