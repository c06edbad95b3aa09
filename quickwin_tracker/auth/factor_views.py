"""The second factor's pages: the sign-in's second step (a code, or enrolling when the role
requires it), and one's own two-step verification on the account page (turn on, new recovery
codes, turn off). The rules live in ``totp.py``; the half-signed-in state in ``second_step.py``.

Every code typed here is throttled as a password is (``throttle.login_rules``): a wrong one
counts as a failed sign-in of the account from this address, and while a limit is reached no code
is checked at all.
"""

from __future__ import annotations

from datetime import datetime

from flask import flash, redirect, request, url_for
from flask_babel import format_time, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..domain.clock import utcnow
from ..models import User
from ..web.actions import user_action
from ..web.htmx import is_htmx, redirect_to
from ..web.pages import render_page
from ..web.security import is_safe_redirect
from . import bp, second_step, throttle, totp
from .forms import DisableSecondFactorForm, EnrolForm, RecoveryCodesForm, SecondStepForm
from .second_step import CODE, ENROL

# Signed in or not, these pages let no one go while a required second factor is missing
# (``enrolment_first``), and they are never kept by a browser or proxy (they show secrets).
ENROLMENT_ENDPOINTS = frozenset({"auth.two_factor", "auth.two_factor_enable", "auth.logout",
                                 "auth.login", "auth.enrol_now", "auth.second_factor",
                                 "core.set_language", "static"})
NO_STORE_ENDPOINTS = frozenset({"auth.second_factor", "auth.enrol_now", "auth.two_factor",
                                "auth.two_factor_enable", "auth.recovery_codes",
                                "auth.two_factor_disable"})


def throttled_message(wait, now: datetime) -> str:
    num = throttle.minutes(wait)
    return ngettext(
        "Too many failed sign-in attempts. Please try again in %(num)d minute, at %(time)s.",
        "Too many failed sign-in attempts. Please try again in %(num)d minutes, at %(time)s.",
        num, time=format_time(now + wait, "HH:mm z"))


def _blocked(user: User, now: datetime) -> str | None:
    """Why no code of ``user`` may be checked now (the throttle), or None."""
    wait = throttle.blocked_for(throttle.login_rules(user.email, request.remote_addr), now)
    return throttled_message(wait, now) if wait is not None else None


def _count_failure(user: User, now: datetime) -> None:
    """A wrong code (or password), counted as a failed sign-in, in its own transaction."""
    with user_action():
        throttle.record(throttle.login_rules(user.email, request.remote_addr), now)


@bp.after_app_request
def _no_store(response):
    if request.endpoint in NO_STORE_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
        response.headers.pop("Expires", None)
    return response


@bp.before_app_request
def enrolment_first():
    """A signed-in user whose role requires a second factor and who has none (signed in before
    the requirement, or a remember-me cookie from then) sets one up before anything else."""
    if request.endpoint in ENROLMENT_ENDPOINTS or request.endpoint is None:
        return None
    if request.endpoint in ("static", "core.healthz"):
        return None  # no person behind them (the health check answers while the database is down)
    if request.blueprint and request.blueprint.startswith(("api", "api-docs", "api_")):
        return None  # bearer tokens, no session
    if not current_user.is_authenticated or not totp.required_for(current_user):
        return None
    if totp.is_enrolled(current_user):
        return None
    flash(_("Your role requires two-step verification: set it up to continue."), "info")
    target = url_for("auth.two_factor")
    return redirect_to(target) if is_htmx() else redirect(target, code=303)


def _continue_to(state: second_step.Pending) -> str:
    return state.next if is_safe_redirect(state.next) else url_for("board.index")


def _start_again():
    flash(_("Your sign-in was interrupted or took too long. Please sign in again."), "info")
    return redirect(url_for("auth.login"), code=303)


def _recovery_page(codes: list[str], continue_url: str):
    return render_page("auth/recovery_codes.html", codes=codes, continue_url=continue_url)


# --------------------------------------------------------------------------- signing in


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor():
    """The second step of a sign-in: a code from the app, or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    state = second_step.pending(CODE)
    if state is None:
        return _start_again()
    form = SecondStepForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        user, now = state.user, utcnow()
        rules = throttle.login_rules(user.email, request.remote_addr)
        wait = throttle.blocked_for(rules, now)
        if wait is not None:  # refused before the code is checked, so guessing gains nothing
            form.code.errors.append(throttled_message(wait, now))
            status = 429
        else:
            with user_action(form) as action:  # one transaction: the code spent, or counted
                method = totp.accept(user, form.code.data, now)
                if method is None:
                    throttle.record(rules, now)
                else:
                    throttle.clear(rules[0].key)  # this account from this address
                    user.last_login_at = now
                    left = totp.recovery_codes_left(user)
            if action.done and method is not None:
                second_step.finish(state)
                if method == "recovery":
                    flash(ngettext("You signed in with a recovery code; %(num)d is left. Make new "
                                   "ones on your account page.",
                                   "You signed in with a recovery code; %(num)d are left. Make "
                                   "new ones on your account page.", left), "info")
                return redirect(_continue_to(state), code=303)
            form.code.errors.append(_("This code is not right, or has already been used."))
    return render_page("auth/second_factor.html", form=form), status


@bp.route("/login/enrol", methods=["GET", "POST"])
def enrol_now():
    """After the password, for a role that requires a second factor the account lacks: set it up
    now; the sign-in ends when the first code confirms it."""
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    state = second_step.pending(ENROL)
    if state is None or totp.is_enrolled(state.user):
        second_step.clear()
        return _start_again()
    user = state.user
    secret = second_step.enrol_secret(user, totp.new_secret)
    form = EnrolForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        now = utcnow()
        with user_action(form) as action:
            codes = totp.enable(user, secret, form.code.data, now)
            throttle.clear(throttle.login_rules(user.email, request.remote_addr)[0].key)
            user.last_login_at = now
        if action.done:
            second_step.finish(state)
            return _recovery_page(codes, _continue_to(state))
    return render_page("auth/enrol_now.html", form=form, **_enrolment(user, secret)), status


# --------------------------------------------------------------------------- one's account


def _enrolment(user: User, secret: str) -> dict:
    uri = totp.provisioning_uri(user, secret)
    return {"qr": totp.qr_svg(uri, _("QR code for your authenticator app")),
            "secret": totp.grouped_secret(secret)}


def _two_factor_page(status: int = 200, **forms):
    user = current_user._get_current_object()
    factor = totp.factor_of(user)
    context = {"factor": factor, "required": totp.required_for(user)}
    if factor is None:
        context.update(_enrolment(user, second_step.enrol_secret(user, totp.new_secret)))
        context["enrol_form"] = forms.get("enrol_form") or EnrolForm(prefix="enrol")
    else:
        context["codes_left"] = totp.recovery_codes_left(user)
        context["codes_form"] = forms.get("codes_form") or RecoveryCodesForm(prefix="codes")
        context["disable_form"] = (forms.get("disable_form")
                                   or DisableSecondFactorForm(prefix="off"))
    return render_page("auth/two_factor.html", **context), status


@bp.get("/account/two-factor")
@login_required
def two_factor():
    return _two_factor_page()


@bp.post("/account/two-factor/enable")
@login_required
def two_factor_enable():
    user = current_user._get_current_object()
    if totp.is_enrolled(user):
        return redirect(url_for("auth.two_factor"), code=303)
    secret = second_step.enrol_secret(user, totp.new_secret)
    form = EnrolForm(prefix="enrol")
    if form.validate_on_submit():
        with user_action(form) as action:
            codes = totp.enable(user, secret, form.code.data)
        if action.done:
            second_step.forget_enrol_secret()
            flash(_("Two-step verification is on."), "success")
            return _recovery_page(codes, url_for("auth.account"))
    return _two_factor_page(422, enrol_form=form)


def _checked_code(user: User, form, now: datetime) -> bool:
    """Whether the form's code (with its password, if it has one) is right, throttled as a
    sign-in; the reason is put next to the field otherwise. Checking marks the code used."""
    refusal = _blocked(user, now)
    if refusal is not None:
        form.code.errors.append(refusal)
        return False
    password = getattr(form, "password", None)
    if password is not None and not user.check_password(password.data or ""):
        _count_failure(user, now)
        password.errors.append(_("The password is wrong."))
        return False
    if totp.accept(user, form.code.data, now) is None:  # a refused code changes nothing
        _count_failure(user, now)
        form.code.errors.append(_("This code is not right, or has already been used."))
        return False
    return True


@bp.post("/account/two-factor/recovery-codes")
@login_required
def recovery_codes():
    """New recovery codes (the old ones stop working), with a current code from the app."""
    user = current_user._get_current_object()
    form = RecoveryCodesForm(prefix="codes")
    if not totp.is_enrolled(user):
        return redirect(url_for("auth.two_factor"), code=303)
    if form.validate_on_submit():
        now = utcnow()
        if _checked_code(user, form, now):
            with user_action(form) as action:
                codes = totp.new_recovery_codes(user, now)
            if action.done:
                flash(_("New recovery codes made; the old ones no longer work."), "success")
                return _recovery_page(codes, url_for("auth.two_factor"))
    return _two_factor_page(422, codes_form=form)


@bp.post("/account/two-factor/disable")
@login_required
def two_factor_disable():
    """Turn two-step verification off, with the password and a code; not while the role
    requires it."""
    user = current_user._get_current_object()
    form = DisableSecondFactorForm(prefix="off")
    if not totp.is_enrolled(user):
        return redirect(url_for("auth.two_factor"), code=303)
    if form.validate_on_submit():
        if totp.required_for(user):
            form.code.errors.append(
                _("Your role requires two-step verification: it cannot be turned off."))
        elif _checked_code(user, form, utcnow()):
            with user_action(form) as action:
                totp.turn_off(user)
            if action.done:
                flash(_("Two-step verification is off."), "success")
                return redirect(url_for("auth.two_factor"), code=303)
    return _two_factor_page(422, disable_form=form)
