"""Signing in and out, one's account (password, language), and resetting a forgotten password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, logout_user

from ..domain.clock import utcnow
from ..extensions import login_manager
from ..identity import oidc, password_form
from ..web.actions import user_action
from ..web.htmx import is_htmx, redirect_to
from ..web.pages import render_page
from ..web.security import is_safe_redirect
from . import bp, second_step, throttle, totp
from .factor_views import throttled_message
from .forms import (
    MIN_PASSWORD_LENGTH,
    ForgotPasswordForm,
    LanguageForm,
    LoginForm,
    NewPasswordForm,
    PasswordForm,
)
from .passwords import password_problem
from .reset import queue_reset_email, user_for_token
from .second_step import CODE, ENROL
from .services import end_all_sessions, find_user_by_email, set_user_password
from .sessions import remembered, sign_in

login_manager.login_view = "auth.login"


def _same_site_referrer() -> str | None:
    """The path (and query) of the page that sent this request, when it is one of ours.

    Browsers send an absolute ``Referer``; only its path can pass ``is_safe_redirect``."""
    if not request.referrer:
        return None
    parts = urlsplit(request.referrer)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@login_manager.unauthorized_handler
def unauthorized():
    """htmx requests get HX-Redirect (a 302 would swap the login page into a fragment)."""
    target = request.full_path if request.method == "GET" else _same_site_referrer() or "/"
    if target and target.endswith("?"):
        target = target[:-1]
    login_url = url_for("auth.login", next=target if is_safe_redirect(target) else None)
    if is_htmx():
        return redirect_to(login_url)
    flash(_("Please sign in to continue."), "info")
    return redirect(login_url)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("board.index"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        rules = throttle.login_rules(form.email.data, request.remote_addr)
        now = utcnow()
        wait = throttle.blocked_for(rules, now)
        if wait is not None:
            # Refused before the password is checked, so guessing gains nothing.
            form.form_errors.append(throttled_message(wait, now))
            status = 429
        else:
            # Break-glass, the directory, then the local password (identity/password_form.py).
            target = form.next.data if is_safe_redirect(form.next.data) else ""
            account = find_user_by_email(form.email.data)
            previous_sign_in = account.last_login_at if account is not None else None
            answer = None
            second = False
            with user_action(form) as action:  # a refused external sign-in is shown on the form
                answer = password_form.check(form.email.data, form.password.data)
                if answer.failed:
                    throttle.record(rules, now)
                elif answer.user is not None:
                    second = totp.is_enrolled(answer.user) or totp.required_for(answer.user)
                    if second:
                        # Not signed in yet: the second step (or the enrolment the role
                        # requires) comes first and keeps the sign-in's time and clears the
                        # throttle's count, so a right password cannot reset the count of wrong
                        # codes. (A directory's linking and mapping are kept.)
                        answer.user.last_login_at = previous_sign_in
                    else:
                        throttle.clear(rules[0].key)  # this account from this address
            user = answer.user if action.done and answer is not None else None
            if action.done and answer.message:
                form.form_errors.append(answer.message)
            elif action.done and user is None:
                form.password.errors.append(
                    _("Wrong email or password, or the account is inactive."))
            elif user is not None and second:
                stage = CODE if totp.is_enrolled(user) else ENROL
                second_step.begin(user, stage=stage, remember=form.remember.data,
                                  next_url=target)
                return redirect(url_for("auth.second_factor" if stage == CODE
                                        else "auth.enrol_now"), code=303)
            if user is not None:
                second_step.clear()  # another account's sign-in waiting for its code ends
                sign_in(user, remember=form.remember.data)
                return redirect(target or url_for("board.index"), code=303)
    return render_page("auth/login.html", form=form, city_account=oidc.enabled(),
                       password_sign_in=password_form.password_sign_in_on()), status


@bp.post("/logout")
def logout():
    """Sign out: this browser, and every other session and remember-me cookie of the user (a
    copied cookie replayed afterwards lands on the login page)."""
    if current_user.is_authenticated:
        with user_action():
            end_all_sessions(current_user._get_current_object())
    provider = oidc.logout_url()  # signed in with the city account: end its session too
    logout_user()
    second_step.clear()  # a sign-in waiting for its code ends too
    flash(_("You have signed out, on this device and every other."), "info")
    return redirect_to(provider or url_for("auth.login"))


@bp.route("/account", methods=["GET"])
@login_required
def account():
    return render_page(
        "auth/account.html",
        password_form=PasswordForm(prefix="pw"),
        language_form=LanguageForm(prefix="lang", locale=current_user.locale),
        min_length=MIN_PASSWORD_LENGTH,
        second_factor=totp.is_enrolled(current_user),
    )


@bp.post("/account/password")
@login_required
def change_password():
    password_form = PasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        problem = password_problem(password_form.new_password.data,
                                   email=current_user.email, name=current_user.name)
        if not current_user.check_password(password_form.current_password.data):
            password_form.current_password.errors.append(_("The current password is wrong."))
        elif problem is not None:
            password_form.new_password.errors.append(str(problem))
        else:
            user = current_user._get_current_object()
            with user_action(password_form) as action:
                set_user_password(user, password_form.new_password.data)
            if action.done:
                # The new session token ends every other session; this one carries on.
                sign_in(user, remember=remembered())
                flash(_("Your password has been changed."), "success")
                return redirect(url_for("auth.account"), code=303)
    return render_page(
        "auth/account.html",
        password_form=password_form,
        language_form=LanguageForm(prefix="lang", locale=current_user.locale),
        min_length=MIN_PASSWORD_LENGTH,
        second_factor=totp.is_enrolled(current_user),
    ), 422


@bp.post("/account/language")
@login_required
def change_language():
    language_form = LanguageForm(prefix="lang")
    if language_form.validate_on_submit():
        with user_action(language_form):
            current_user.locale = language_form.locale.data
        refresh()  # the confirmation below is already in the new language
        flash(_("Language saved."), "success")
        return redirect(url_for("auth.account"), code=303)
    return render_page(
        "auth/account.html",
        password_form=PasswordForm(prefix="pw"),
        language_form=language_form,
        min_length=MIN_PASSWORD_LENGTH,
        second_factor=totp.is_enrolled(current_user),
    ), 422


# --------------------------------------------------------------------------- password reset


@bp.route("/forgot", methods=["GET", "POST"])
def forgot_password():
    """Ask for a reset link. The answer is the same whether the email was queued (the outbox
    sweep sends it), refused by the throttle (``throttle.reset_rules``), or the account does not
    exist or is inactive."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        rules = throttle.reset_rules(form.email.data, request.remote_addr)
        now = utcnow()
        with user_action():
            if throttle.blocked_for(rules, now) is None:
                throttle.record(rules, now)
                user = find_user_by_email(form.email.data)
                if user is not None and user.active:
                    queue_reset_email(user, now=now)
        flash(_("If an account exists for this address, an email with a link to choose a new "
                "password is on its way. The link works for %(num)d hours.",
                num=current_app.config["PASSWORD_RESET_HOURS"]), "info")
        return redirect(url_for("auth.login"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_page("auth/forgot.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = user_for_token(token)
    if user is None:
        flash(_("This link has expired or has already been used. Ask for a new one."), "error")
        return redirect(url_for("auth.forgot_password"), code=303)
    form = NewPasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.new_password.data, email=user.email, name=user.name)
        if problem is not None:
            form.new_password.errors.append(str(problem))
        else:
            with user_action(form) as action:
                set_user_password(user, form.new_password.data)  # ends every session
                throttle.clear_account(user.email)
            if action.done:
                logout_user()
                flash(_("Your password has been changed. Please sign in with the new one."),
                      "success")
                return redirect(url_for("auth.login"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_page("auth/reset.html", form=form, user=user,
                           min_length=MIN_PASSWORD_LENGTH), status
