from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db, login_manager
from ..htmx import is_htmx, redirect_to
from ..models import User
from ..security import is_safe_redirect
from . import bp
from .forms import MIN_PASSWORD_LENGTH, LanguageForm, LoginForm, PasswordForm
from .services import authenticate

login_manager.login_view = "auth.login"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None


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
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Wrong email or password, or the account is inactive."))
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            target = form.next.data
            return redirect(target if is_safe_redirect(target) else url_for("board.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You have signed out."), "info")
    return redirect_to(url_for("auth.login"))


@bp.route("/account", methods=["GET"])
@login_required
def account():
    return render_template(
        "auth/account.html",
        password_form=PasswordForm(prefix="pw"),
        language_form=LanguageForm(prefix="lang", locale=current_user.locale),
        min_length=MIN_PASSWORD_LENGTH,
    )


@bp.post("/account/password")
@login_required
def change_password():
    password_form = PasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        if not current_user.check_password(password_form.current_password.data):
            password_form.current_password.errors.append(_("The current password is wrong."))
        else:
            current_user.set_password(password_form.new_password.data)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.account"), code=303)
    return render_template(
        "auth/account.html",
        password_form=password_form,
        language_form=LanguageForm(prefix="lang", locale=current_user.locale),
        min_length=MIN_PASSWORD_LENGTH,
    ), 422


@bp.post("/account/language")
@login_required
def change_language():
    language_form = LanguageForm(prefix="lang")
    if language_form.validate_on_submit():
        current_user.locale = language_form.locale.data
        db.session.commit()
        refresh()  # the confirmation below is already in the new language
        flash(_("Language saved."), "success")
        return redirect(url_for("auth.account"), code=303)
    return render_template(
        "auth/account.html",
        password_form=PasswordForm(prefix="pw"),
        language_form=language_form,
        min_length=MIN_PASSWORD_LENGTH,
    ), 422
