"""``quickwin telegram check | set-webhook | poll`` against the local Bot API server."""

from __future__ import annotations

import pytest

from quickwin_tracker import create_app
from quickwin_tracker.channels import telegram
from quickwin_tracker.config import ConfigError
from quickwin_tracker.extensions import db
from tests.channels.conftest import BOT, SECRET, start_update
from tests.conftest import base_config


def test_check_names_the_bot(runner, bot):
    result = runner.invoke(args=["telegram", "check"])
    assert result.exit_code == 0, result.output
    assert f"Bot @{BOT}" in result.output


def test_check_warns_of_a_username_that_is_not_the_bots(app, runner, bot):
    app.config["TELEGRAM_BOT_USERNAME"] = "SomeOtherBot"
    result = runner.invoke(args=["telegram", "check"])
    assert result.exit_code == 1 and "wrong bot" in result.output


def test_set_webhook_sends_the_url_and_secret(runner, bot):
    result = runner.invoke(args=["telegram", "set-webhook"])
    assert result.exit_code == 0, result.output
    (call,) = [c for c in bot.calls if c.method == "setWebhook"]
    assert call.payload == {"url": f"https://qw.test/telegram/webhook/{SECRET}",
                            "secret_token": SECRET, "allowed_updates": ["message"]}


def test_poll_links_and_replies(runner, make_user, bot):
    user = make_user()
    token = telegram.new_link(user).url.rsplit("=", 1)[1]  # now: the command reads the clock
    db.session.commit()
    bot.updates.append(start_update(5, 5050, f"/start {token}"))
    result = runner.invoke(args=["telegram", "poll"])
    assert result.exit_code == 0, result.output
    assert "'linked': 1" in result.output and "sent 1" in result.output
    assert len(bot.sent(5050)) == 1


def test_commands_say_when_telegram_is_off(app, runner):
    app.config["TELEGRAM_BOT_TOKEN"] = ""
    result = runner.invoke(args=["telegram", "check"])
    assert result.exit_code == 1 and "Telegram is off" in result.output


@pytest.mark.parametrize(("settings", "message"), [
    ({"TELEGRAM_MODE": "push"}, "QUICKWIN_TELEGRAM_MODE must be polling or webhook"),
    ({"TELEGRAM_BOT_USERNAME": ""}, "QUICKWIN_TELEGRAM_BOT_USERNAME is needed"),
    ({"TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_SECRET": ""},
     "QUICKWIN_TELEGRAM_WEBHOOK_SECRET must be 16 to 256"),
    ({"TELEGRAM_WEBHOOK_SECRET": "short"}, "QUICKWIN_TELEGRAM_WEBHOOK_SECRET must be 16 to 256"),
    ({"TELEGRAM_LINK_MINUTES": 0}, "QUICKWIN_TELEGRAM_LINK_MINUTES must be a whole number"),
])
def test_bad_telegram_settings_stop_the_start(app_config, settings, message):
    with pytest.raises(ConfigError, match=message):
        create_app(base_config(SQLALCHEMY_DATABASE_URI="sqlite://", **{**app_config, **settings}))


def test_the_polling_job_runs_only_with_a_bot_in_polling_mode(app):
    from quickwin_tracker.scheduler.registry import jobs_for

    assert "telegram_updates" in jobs_for(app.config)
    assert "telegram_updates" not in jobs_for({**app.config, "TELEGRAM_MODE": "webhook"})
    assert "telegram_updates" not in jobs_for({**app.config, "TELEGRAM_BOT_TOKEN": ""})
    named = {**app.config, "TELEGRAM_BOT_TOKEN": "", "SCHEDULER_JOBS": "telegram_updates"}
    assert list(jobs_for(named)) == ["telegram_updates"]
