"""Every permission rule, in one place.

Each predicate returns a :class:`Decision`: truthy when allowed, falsy with a translated reason
when not. Views call :func:`require`, which answers 403 with that reason; templates get the same
predicates (see ``register_template_context``) so a control is shown only when it would work.

The rules (issue #2):
- staff create, edit and move initiatives of their own unit;
- managers do the same for their unit, and only they (and admins) approve: move an initiative
  out of the first stage;
- reviewers (the Sekda's office) see everything and change nothing;
- admins do everything, including people, units and stages.
Every signed-in, active user may view the whole city's board and initiatives.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from flask_babel import lazy_gettext as _l

from .models import Initiative, Role, Stage, Unit, User


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def deny(reason) -> Decision:
    return Decision(False, str(reason))


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and user.active


def can_view(user: User | None) -> Decision:
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    return ALLOW


def can_create_in(user: User | None, unit: Unit | None) -> Decision:
    """May ``user`` create an initiative owned by ``unit`` (None: in some unit)?"""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if user.role == Role.ADMIN:
        return ALLOW
    if user.role == Role.REVIEWER:
        return deny(_l("Reviewers can read everything but change nothing."))
    if user.unit_id is None:
        return deny(_l("Your account belongs to no unit; ask an administrator."))
    if unit is not None and unit.id != user.unit_id:
        return deny(_l("You can only add initiatives for your own unit."))
    return ALLOW


def can_edit(user: User | None, initiative: Initiative) -> Decision:
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if user.role == Role.ADMIN:
        return ALLOW
    if user.role == Role.REVIEWER:
        return deny(_l("Reviewers can read everything but change nothing."))
    if user.unit_id is None or user.unit_id != initiative.unit_id:
        return deny(_l("Only the owning unit can change this initiative."))
    return ALLOW


def can_move(user: User | None, initiative: Initiative, to_stage: Stage, first_stage: Stage) -> Decision:
    """May ``user`` move ``initiative`` into ``to_stage``? ``first_stage`` is the approval stage."""
    decision = can_edit(user, initiative)
    if not decision:
        return decision
    leaving_first = initiative.stage_id == first_stage.id and to_stage.id != first_stage.id
    if leaving_first and user.role not in (Role.MANAGER, Role.ADMIN):
        return deny(_l("Only the unit's head (manager) can approve a proposal."))
    return ALLOW


def can_administer(user: User | None) -> Decision:
    """People, units and stages."""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if user.role != Role.ADMIN:
        return deny(_l("Only administrators can do this."))
    return ALLOW


def require(decision: Decision) -> None:
    """Abort with 403 and the decision's reason unless it allows."""
    if not decision:
        abort(403, description=decision.reason)


TEMPLATE_PREDICATES = {
    "can_view": can_view,
    "can_create_in": can_create_in,
    "can_edit": can_edit,
    "can_move": can_move,
    "can_administer": can_administer,
}
