"""The user an external sign-in stands for, and the role and unit the rules give them.

``sign_in_external`` is called inside the sign-in's one transaction (the view's
``user_action``): it finds the user by their external identity, else by the (verified) email,
links or creates them, applies the mapping rules, and returns the user; it raises ``Refused``
(an ``Invalid``: the transaction rolls back) with a message for the person signing in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..auth import services as people
from ..domain.clock import utcnow
from ..domain.errors import Invalid
from ..extensions import db
from ..models import User

log = logging.getLogger(__name__)


class Refused(Invalid):
    """An external sign-in that proved who the person is but cannot let them in."""


@dataclass(frozen=True)
class ExternalIdentity:
    """Who the provider or the directory says signed in."""

    source: str  # AUTH_OIDC or AUTH_LDAP
    subject: str  # "<issuer> <sub>" or the entry's DN
    email: str  # verified by the provider, or read from the directory
    name: str
    groups: tuple[str, ...] = ()
    claims: Mapping[str, Any] = field(default_factory=dict)


def _by_subject(source: str, subject: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.auth_source == source,
                                                   User.external_id == subject))


def _may_create(source: str) -> bool:
    return bool(current_app.config[f"{source.upper()}_CREATE_USERS"])


def sign_in_external(identity: ExternalIdentity) -> User:
    """The active user ``identity`` stands for, with the mapping applied (see the module)."""
    if len(identity.email) > 254 or "@" not in identity.email:
        raise Refused(_l("The email address the sign-in brings is not one this application can "
                         "use; ask an administrator."))
    user = _by_subject(identity.source, identity.subject)
    if user is None:
        user = people.find_user_by_email(identity.email)
        # A local account is linked on its first external sign-in; one that signed in with the
        # other external source moves over (both are the city's own systems).
        if user is not None and user.auth_source == identity.source and user.external_id:
            # Same email, another subject at the same provider: a reused address.
            log.warning("%s sign-in refused: %s belongs to another %s identity",
                        identity.source, identity.email, identity.source)
            raise Refused(_l("The account for %(email)s belongs to another identity at the "
                             "provider; ask an administrator.", email=identity.email))
    rule = current_app.config["IDENTITY_RULE_SET"].match(identity.groups, identity.claims)
    if user is None:
        if not _may_create(identity.source):
            raise Refused(_l("There is no account for %(email)s here yet; ask an "
                             "administrator to create one.", email=identity.email))
        if rule is None:
            raise Refused(_l("No rule gives %(email)s a role here; ask an administrator.",
                             email=identity.email))
        user = people.create_user(identity.email, identity.name or identity.email, rule.role,
                                  unit=_unit(rule.unit))
        log.info("%s sign-in created user %s", identity.source, user.email)
    elif not user.active:
        raise Refused(_l("This account is inactive; ask an administrator."))
    if user.auth_source != identity.source or user.external_id != identity.subject:
        log.info("user %s now signs in with %s", user.email, identity.source)
        user.auth_source, user.external_id = identity.source, identity.subject
    apply_rule(user, rule)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def _unit(code: str | None):
    if code is None:
        return None
    unit = people.find_unit(code)
    if unit is None:
        log.warning("identity rule names unit %s, which does not exist", code)
        raise Refused(_l("The sign-in rules name the unit %(code)s, which does not exist here; "
                         "ask an administrator.", code=code))
    return unit


def apply_rule(user: User, rule) -> None:  # noqa: ANN001 (mapping.Rule | None)
    """Give ``user`` the rule's role and unit (none: keep what an administrator set), and
    remember which rule did it and when (the user's admin page shows it)."""
    now = utcnow()
    if rule is None:
        user.identity_rule, user.identity_applied_at = "no rule matched: role and unit kept", now
        return
    try:
        people.update_user(user, email=user.email, name=user.name, role=rule.role,
                           unit=_unit(rule.unit), active=user.active, locale=user.locale)
    except Refused:
        raise
    except Invalid as exc:  # e.g. the last administrator would lose the role
        raise Refused(_l("The sign-in rules cannot be applied to this account (%(reason)s); "
                         "ask an administrator.", reason=exc.message)) from exc
    user.identity_rule, user.identity_applied_at = rule.describe()[:300], now


def group_names(values: Iterable[Any]) -> tuple[str, ...]:
    """Group values as strings, without empties or repeats, in their order."""
    seen: dict[str, None] = {}
    for value in values:
        text = str(value).strip()
        if text:
            seen.setdefault(text, None)
    return tuple(seen)
