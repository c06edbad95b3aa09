"""What the login page's email-and-password form does, with the city's directory and the
break-glass rule (docs/identity.md, "Which takes precedence").

1. **Password sign-in off** (``QUICKWIN_PASSWORD_SIGN_IN=false``): only the break-glass
   administrators (``QUICKWIN_BREAK_GLASS_ADMINS``) may use the form, with their local password,
   and only while they are active administrators; everyone else is told to use the city
   account (their password is not checked, and nothing is counted).
2. **The directory first** (LDAP configured; not for break-glass administrators): when it accepts
   the email and password, that is the sign-in (the account is linked or created, the mapping
   applied). When it knows the person (the search found them) or the account signs in with
   LDAP, its refusal is final: no local password is tried.
3. **Then the local password**, for everyone else: local accounts, and every account while
   the directory cannot be reached (except LDAP accounts, told that the directory is down).

A refusal that counts as a failed attempt (``failed``) is throttled by the view like a wrong
password (``auth/throttle.py``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from ..auth.services import authenticate, find_user_by_email
from ..models import AUTH_LDAP, Role, User
from . import directory
from .accounts import sign_in_external

log = logging.getLogger(__name__)


@dataclass
class Answer:
    user: User | None = None
    message: str | None = None  # shown above the form (None: the usual "wrong password")
    failed: bool = False  # counts towards the throttle


def is_break_glass(email: str) -> bool:
    return User.normalise_email(email) in current_app.config["BREAK_GLASS_EMAILS"]


def password_sign_in_on() -> bool:
    return bool(current_app.config["PASSWORD_SIGN_IN"])


def check(email: str, password: str) -> Answer:
    """The user the form's email and password sign in, or why not (see the module). Changes
    (linking, creating, the mapping, ``last_login_at``) are flushed, not committed; an
    ``accounts.Refused`` propagates for the view's ``user_action`` to show."""
    break_glass = is_break_glass(email)
    if not password_sign_in_on() and not break_glass:
        return Answer(message=_("Password sign-in is turned off: please use “Sign in with the "
                                "city account”."))
    account = find_user_by_email(email)
    if directory.enabled() and not break_glass:
        try:
            outcome = directory.authenticate(email, password)
        except directory.DirectoryUnavailable:
            if account is not None and account.auth_source == AUTH_LDAP:
                return Answer(message=_("The city directory cannot be reached right now. Please "
                                        "try again later."))
            outcome = None
        if outcome is not None:
            if outcome.entry is not None:
                return Answer(user=sign_in_external(directory.identity_from(outcome.entry, email)))
            if outcome.known or (account is not None and account.auth_source == AUTH_LDAP):
                return Answer(failed=True)
    if directory.enabled() and account is not None and account.auth_source == AUTH_LDAP:
        return Answer(failed=True)  # only the directory signs LDAP accounts in
    user = authenticate(email, password)
    if user is None:
        return Answer(failed=True)
    if not password_sign_in_on() and user.role != Role.ADMIN:
        log.warning("break-glass sign-in refused: %s is not an administrator", user.email)
        return Answer(message=_("Password sign-in is turned off: please use “Sign in with the "
                                "city account”."))
    if not password_sign_in_on():
        log.warning("break-glass password sign-in by %s", user.email)
    return Answer(user=user)
