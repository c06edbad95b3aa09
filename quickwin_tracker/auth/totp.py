"""The second factor: TOTP codes (RFC 6238, ``pyotp``) and one-time recovery codes.

- **Enrolment**: a random secret (160 bits, base32) is shown as a QR code (``segno``, inline SVG)
  and as text; it is kept only once a first code from the user's app proves they have it
  (:func:`enable`). Then :data:`RECOVERY_CODES` recovery codes are made and shown once; only
  their salted hashes are stored.
- **Codes**: six digits for the 30-second time step of now, the one before or the one after
  (a phone's clock may be off by a little); each time step is accepted once per user
  (``SecondFactor.last_step``, raised by one UPDATE that checks it), so a code cannot be used twice,
  not even by two requests at the same moment.
- **Recovery codes**: each works once (``used_at``, set by one UPDATE that checks it).
- **Required**: for the roles in ``QUICKWIN_TOTP_REQUIRED_ROLES`` (``admin`` by default); such a
  user is sent to enrol right after the password (``auth/second_step.py``) and cannot turn it off.

Nothing here commits (the views do) and nothing logs a secret or a code.
"""

from __future__ import annotations

import hmac
import logging
import re
import secrets
from datetime import datetime

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.clock import utcnow
from ..domain.errors import Invalid
from ..extensions import db
from ..mail.outbox import queue_email
from ..mail.urls import app_url
from ..models import AUTH_LOCAL, RecoveryCode, SecondFactor, User
from .services import end_all_sessions

log = logging.getLogger(__name__)

ISSUER = "Quick-Win Tracker"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # a code of the step before or after now is accepted too
RECOVERY_CODES = 10
# Recovery codes: 12 characters of an alphabet without look-alikes (0/O, 1/l/I), shown as
# xxxx-xxxx-xxxx: 60 bits each. Hashed with a salted PBKDF2 (werkzeug): a stolen table gives no
# code back, and checking ten of them at a sign-in stays quick.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_LENGTH = 12
RECOVERY_HASH_METHOD = "pbkdf2:sha256:20000"
_SPACES = re.compile(r"[\s\-]+")


# --------------------------------------------------------------------------- reading


def factor_of(user: User) -> SecondFactor | None:
    return db.session.get(SecondFactor, user.id)


def is_enrolled(user: User) -> bool:
    return factor_of(user) is not None


def enrolled_ids() -> set[int]:
    """The ids of every user with a second factor (the people list shows who has one)."""
    return set(db.session.scalars(sa.select(SecondFactor.user_id)))


def required_for(user: User) -> bool:
    """Whether ``user`` must have a second factor: an account that keeps its password here
    (not one signed in by the city account or the directory, whose own sign-in decides) in a
    role of ``QUICKWIN_TOTP_REQUIRED_ROLES``."""
    return (user.auth_source == AUTH_LOCAL
            and user.role in current_app.config["TOTP_REQUIRED_ROLES"])


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


# --------------------------------------------------------------------------- enrolment


def new_secret() -> str:
    return pyotp.random_base32()  # 32 characters: 160 bits, as RFC 4226 recommends


def provisioning_uri(user: User, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> Markup:
    """The QR code of ``uri`` as an inline ``<svg>`` (no image request, no script), named by
    ``title`` for screen readers."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=4, title=title, dark="#000",
                                                   light="#fff", svgclass="qr-code")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _digits(code: str | None) -> str | None:
    """The code as six digits (spaces allowed, as apps show "123 456"), else None."""
    code = _SPACES.sub("", code or "")
    return code if len(code) == DIGITS and code.isascii() and code.isdigit() else None


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step within the drift whose code ``code`` is (the latest when several are)."""
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    now_step, found = _step(now), None
    for step in range(now_step - DRIFT_STEPS, now_step + DRIFT_STEPS + 1):
        # generate_otp takes the step (counter) itself; compare every one, in constant time.
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _hash_recovery(code: str) -> str:
    return generate_password_hash(code, method=RECOVERY_HASH_METHOD)


def _normal_recovery(code: str | None) -> str:
    return _SPACES.sub("", code or "").lower()


def _new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, RECOVERY_LENGTH, 4))


def new_recovery_codes(user: User, now: datetime | None = None) -> list[str]:
    """Replace ``user``'s recovery codes with :data:`RECOVERY_CODES` new ones and return them,
    to be shown once; the old ones stop working."""
    now = now or utcnow()
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(_normal_recovery(c)),
                                    created_at=now) for c in codes)
    db.session.flush()
    log.info("new recovery codes for user %s", user.id)
    return codes


def enable(user: User, secret: str, code: str | None, now: datetime | None = None) -> list[str]:
    """Turn the second factor on with ``secret`` once ``code`` proves the user's app has it;
    returns the new recovery codes. Refuses (``Invalid`` on the field ``code``) a wrong code, or
    a user who already has a second factor."""
    now = now or utcnow()
    if is_enrolled(user):
        raise Invalid(_l("Two-step verification is already on for this account."), "code")
    digits = _digits(code)
    if digits is None:
        raise Invalid(_l("Type the 6-digit code your authenticator app shows."), "code")
    step = _matching_step(secret, digits, now)
    if step is None:
        raise Invalid(_l("This code is not right. Check that the app was set up with this "
                         "secret and that the phone's clock is correct, then type the code it "
                         "shows now."), "code")
    db.session.add(SecondFactor(user_id=user.id, secret=secret, confirmed_at=now, last_step=step))
    db.session.flush()
    log.info("second factor turned on for user %s", user.id)
    return new_recovery_codes(user, now)


# --------------------------------------------------------------------------- checking


def accept_code(user: User, code: str | None, now: datetime | None = None) -> bool:
    """Whether ``code`` is the user's current TOTP code, not used before; marks its time step
    used. False for a wrong, reused or malformed code, or a user without a second factor."""
    digits = _digits(code)
    factor = factor_of(user)
    if digits is None or factor is None:
        return False
    step = _matching_step(factor.secret, digits, now or utcnow())
    if step is None:
        return False
    # Accepted only if no code of this step or a later one was: one atomic UPDATE decides, so a
    # code replayed at the same moment by another worker is refused too.
    result = db.session.execute(
        sa.update(SecondFactor)
        .where(SecondFactor.user_id == user.id, SecondFactor.last_step < step)
        .values(last_step=step)
        .execution_options(synchronize_session=False))
    db.session.expire(factor)
    return result.rowcount == 1


def accept_recovery_code(user: User, code: str | None, now: datetime | None = None) -> bool:
    """Whether ``code`` is one of the user's unused recovery codes; marks it used."""
    normal = _normal_recovery(code)
    if not normal or len(normal) > 4 * RECOVERY_LENGTH:
        return False
    rows = db.session.execute(
        sa.select(RecoveryCode.id, RecoveryCode.code_hash)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all()
    for row_id, code_hash in rows:
        if check_password_hash(code_hash, normal):
            result = db.session.execute(
                sa.update(RecoveryCode)
                .where(RecoveryCode.id == row_id, RecoveryCode.used_at.is_(None))
                .values(used_at=now or utcnow())
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                log.info("recovery code used by user %s", user.id)
                return True
            return False
    return False


def accept(user: User, code: str | None, now: datetime | None = None) -> str | None:
    """A code typed at a sign-in's second step (or to confirm a change): six digits are a TOTP
    code, anything else a recovery code. Returns ``"code"`` or ``"recovery"`` when accepted (and
    marks it used), else None (and logs the failure, never the code)."""
    if _digits(code) is not None:
        accepted = "code" if accept_code(user, code, now) else None
    else:
        accepted = "recovery" if accept_recovery_code(user, code, now) else None
    if accepted is None:
        log.warning("wrong or reused second-factor code for user %s", user.id)
    return accepted


# --------------------------------------------------------------------------- turning off


def _remove(user: User) -> None:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(sa.delete(SecondFactor).where(SecondFactor.user_id == user.id))
    db.session.flush()


def turn_off(user: User) -> None:
    """The user turns their second factor off (the view has checked their password and a code).
    Refused while their role requires one."""
    if not is_enrolled(user):
        raise Invalid(_l("Two-step verification is not on for this account."), "code")
    if required_for(user):
        raise Invalid(_l("Your role requires two-step verification: it cannot be turned off."),
                      "code")
    _remove(user)
    log.info("second factor turned off by user %s", user.id)


def reset_by_admin(admin: User, user: User, now: datetime | None = None) -> None:
    """An administrator removes ``user``'s second factor (a lost phone and no recovery code):
    every session of the user ends and they are told by email. If their role requires one, they
    enrol again at their next sign-in. Not one's own (another administrator does that)."""
    if admin.id == user.id:
        raise Invalid(_l("You cannot reset your own second factor here; ask another "
                         "administrator, or use your account page."))
    _reset(user, admin.name, now)
    log.warning("second factor of user %s reset by administrator %s", user.id, admin.id)


def reset_from_command_line(user: User, now: datetime | None = None) -> None:
    """``quickwin reset-second-factor``: the same, for the last administrator's lost phone."""
    _reset(user, None, now)
    log.warning("second factor of user %s reset from the command line", user.id)


def _reset(user: User, by: str | None, now: datetime | None) -> None:
    if not is_enrolled(user):
        raise Invalid(_l("%(name)s has no second factor to reset.", name=user.name))
    now = now or utcnow()
    _remove(user)
    end_all_sessions(user)
    with force_locale(user.locale):
        subject = _("Your Quick-Win Tracker two-step verification was reset")
    queue_email(
        kind="second_factor_reset",
        dedupe_key=f"second_factor_reset:{user.id}:{secrets.token_hex(8)}",
        to=user,
        subject=subject,
        template="second_factor_reset",
        context={"by": by, "required": required_for(user),
                 "account_url": app_url("auth.account")},
        now=now,
    )
