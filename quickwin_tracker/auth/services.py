"""People: creating and changing users and units (used by the admin pages and the CLI)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..domain.clock import utcnow
from ..domain.errors import Invalid
from ..domain.queries import for_update
from ..extensions import db
from ..models import LOCALES, Role, Unit, User, new_session_token, spend_password_check
from .passwords import check_password

log = logging.getLogger(__name__)


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == User.normalise_email(email)))


def find_unit(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(func.upper(Unit.code) == code.strip().upper()))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, else None (same answer for every failure).

    Every attempt checks one password hash, a dummy one for an unknown account, so that the
    time of the answer does not tell who has an account either."""
    user = find_user_by_email(email)
    matches = user.check_password(password) if user is not None else spend_password_check(password)
    if user is None or not user.active or not matches:
        return None
    user.last_login_at = utcnow()
    return user


def end_all_sessions(user: User) -> User:
    """Sign ``user`` out everywhere: a new session token voids every session and remember-me
    cookie made before (``auth/sessions.py``). The caller signs the current browser in again
    when it should stay."""
    user.session_token = new_session_token()
    db.session.flush()
    log.info("every session of %s ended", user.email)
    return user


def _other_active_admins(user: User) -> int:
    """How many active administrators there are besides ``user``. On PostgreSQL their rows are
    locked until the commit, so two admins demoting each other at once cannot both succeed
    (the second sees the first's change); SQLite lets one writer through at a time anyway."""
    query = sa.select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True),
                                     User.id != user.id)
    return len(db.session.scalars(for_update(query)).all())


def _keep_an_admin(user: User, role: str, active: bool) -> None:
    """Refuse to deactivate or demote the last active administrator: nobody could manage people,
    units and stages in the app any more (admin form and CLI alike)."""
    if user.role != Role.ADMIN or not user.active or (role == Role.ADMIN and active):
        return
    if _other_active_admins(user) == 0:
        if not active:
            raise Invalid(_l("This is the last active administrator: make someone else an "
                             "administrator before deactivating this account."), "active")
        raise Invalid(_l("This is the last active administrator: make someone else an "
                         "administrator before changing this role."), "role")


def _check_role_and_unit(role: str, unit: Unit | None) -> None:
    if role not in {r.value for r in Role}:
        raise Invalid(_l("Unknown role."), "role")
    if role in (Role.STAFF, Role.MANAGER) and unit is None:
        raise Invalid(_l("Staff and managers belong to a unit."), "unit")


def create_user(
    email: str,
    name: str,
    role: str,
    unit: Unit | None = None,
    password: str | None = None,
    locale: str = "id",
    active: bool = True,
) -> User:
    if find_user_by_email(email) is not None:
        raise Invalid(_l("A user with this email already exists."), "email")
    _check_role_and_unit(role, unit)
    if locale not in LOCALES:
        raise Invalid(_l("Unknown language."), "locale")
    if password:
        check_password(password, email=email, name=name)
    user = User(email=email, name=name.strip(), role=role, unit=unit, locale=locale,
                active=active)
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    log.info("user %s created (%s)", user.email, role)
    return user


def update_user(user: User, *, email: str, name: str, role: str, unit: Unit | None,
                active: bool, locale: str) -> User:
    other = find_user_by_email(email)
    if other is not None and other.id != user.id:
        raise Invalid(_l("A user with this email already exists."), "email")
    _check_role_and_unit(role, unit)
    _keep_an_admin(user, role, active)
    deactivated = user.active and not active
    user.email, user.name, user.role, user.unit = email, name.strip(), role, unit
    user.active, user.locale = active, locale
    db.session.flush()
    log.info("user %s updated", user.email)
    if deactivated:
        end_all_sessions(user)
    return user


def set_user_password(user: User, password: str) -> User:
    """Give ``user`` a new password, after checking the rules (``passwords.py``).

    Every session and remember-me cookie of the user ends (``end_all_sessions``); the caller
    signs the current browser in again when it should stay."""
    check_password(password, email=user.email, name=user.name)
    user.set_password(password)
    db.session.flush()
    log.info("password of %s changed", user.email)
    return end_all_sessions(user)


def create_unit(code: str, name: str, head: User | None = None, active: bool = True) -> Unit:
    if find_unit(code) is not None:
        raise Invalid(_l("A unit with this code already exists."), "code")
    unit = Unit(code=code, name=name.strip(), head=head, active=active)
    db.session.add(unit)
    db.session.flush()
    log.info("unit %s created", unit.code)
    return unit


def update_unit(unit: Unit, *, code: str, name: str, head: User | None, active: bool) -> Unit:
    other = find_unit(code)
    if other is not None and other.id != unit.id:
        raise Invalid(_l("A unit with this code already exists."), "code")
    unit.code, unit.name, unit.head, unit.active = code, name.strip(), head, active
    db.session.flush()
    log.info("unit %s updated", unit.code)
    return unit
