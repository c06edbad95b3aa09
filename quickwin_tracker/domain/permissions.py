"""Every permission rule, in one place.

Each predicate returns a :class:`Decision`: truthy when allowed, falsy with a translated reason
when not. Views call ``web.actions.require``, which answers 403 with that reason; templates get the same
predicates (see ``register_template_context``) so a control is shown only when it would work.

The rules (issues #2 and #3):
- staff create, edit and move initiatives of their own unit; an initiative's team members (from
  any unit) may edit its content and move it too, but only the owning unit (and admins) may change
  its owning unit, owner, team and archive state (``can_manage``);
- managers do the same for their unit, and only the owning unit's manager (and admins) approve:
  move an initiative out of the first stage (a manager of another unit on the team may not);
- reviewers (the Sekda's office) see everything and change no initiative (their one change is to
  outcome measurements, below);
- admins do everything, including people, units and stages.
- reviewers and admins verify or return submitted measurements (the one change reviewers make);
- a recorded measurement is corrected or withdrawn, with a reason, by the initiative's editors
  while it is not verified (submitted or returned); a verified one is the city's figure, so only
  reviewers and admins correct or withdraw it, and a correction always sends it back to
  "submitted" for another reviewer to verify (``can_amend_measurement``);
- every signed-in user may make personal access tokens for the API; a token acts as its owner,
  with their permissions, and a read-only token changes nothing (``can_use_token_for``); a token
  is revoked by its owner or an admin (``can_revoke_token``);
- every signed-in user may comment; authors edit their own comment for 15 minutes.
- an initiative's budget (planned amount and code) is set, and its spending recorded or withdrawn
  with a reason, by those who may edit it (``can_edit``), while it is not archived
  (``can_edit_budget``); everyone signed in reads it.
- webhook endpoints (issue 15) are registered and managed by admins (``can_manage_webhooks``).
- an OPD's quarterly report: reviewers and admins for any unit, a manager for their own
  (``can_read_unit_report``).
Every signed-in, active user may view the whole city's board and initiatives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from ..models import (
    AccessToken,
    Comment,
    Initiative,
    Measurement,
    MeasurementStatus,
    ProgressUpdate,
    Role,
    Stage,
    Unit,
    User,
)
from .clock import utcnow


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


def _writer_first(user: User | None) -> Decision | None:
    """The answer every change to an initiative starts with: sign in first, reviewers change
    nothing, admins change everything; None when the rule's own checks decide."""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if user.role == Role.REVIEWER:
        return deny(_l("Reviewers can read everything but change nothing."))
    if user.role == Role.ADMIN:
        return ALLOW
    return None


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
    """``initiative`` may be an ORM object or a board card row: both have ``unit_id`` and
    ``member_ids``."""
    if (first := _writer_first(user)) is not None:
        return first
    if user.unit_id is not None and user.unit_id == initiative.unit_id:
        return ALLOW
    if user.id in initiative.member_ids:
        return ALLOW
    return deny(_l("Only the owning unit and the initiative's team can change it."))


def can_manage(user: User | None, initiative: Initiative) -> Decision:
    """May ``user`` change who owns ``initiative``: its owning unit, owner and team, and whether it
    is archived? The owning unit's staff and manager, and admins; team members from other units
    edit its content only."""
    if (first := _writer_first(user)) is not None:
        return first
    if user.unit_id is not None and user.unit_id == initiative.unit_id:
        return ALLOW
    return deny(_l("Only the owning unit can change the unit, owner, team or archive state of "
                   "an initiative."))


def can_move(user: User | None, initiative: Initiative, to_stage: Stage, first_stage: Stage) -> Decision:
    """May ``user`` move ``initiative`` into ``to_stage``? ``first_stage`` is the approval stage:
    leaving it needs the owning unit's manager (or an admin)."""
    decision = can_edit(user, initiative)
    if not decision:
        return decision
    leaving_first = initiative.stage_id == first_stage.id and to_stage.id != first_stage.id
    if leaving_first and not can_approve(user, initiative):
        return deny(_l("Only the owning unit's head (manager) can approve a proposal."))
    return ALLOW


def can_approve(user: User | None, initiative: Initiative) -> bool:
    """The owning unit's manager, or an admin (the rule of ``can_move`` for leaving the first
    stage; templates use it to offer only the stages a move may reach)."""
    if not _signed_in(user):
        return False
    return user.role == Role.ADMIN or (
        user.role == Role.MANAGER and user.unit_id is not None and user.unit_id == initiative.unit_id)


def can_administer(user: User | None) -> Decision:
    """People, units and stages."""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if user.role != Role.ADMIN:
        return deny(_l("Only administrators can do this."))
    return ALLOW


def can_manage_webhooks(user: User | None) -> Decision:
    """Register, change, rotate, disable and delete webhook endpoints, read their delivery logs
    and send deliveries again: administrators (the payloads tell the whole city's changes)."""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if user.role != Role.ADMIN:
        return deny(_l("Only administrators manage webhooks."))
    return ALLOW


def can_read_summary(user: User | None) -> Decision:
    """The Sekda's summary: reviewers and admins (whole city), managers (their unit)."""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if user.role in (Role.REVIEWER, Role.ADMIN):
        return ALLOW
    if user.role == Role.MANAGER and user.unit_id is not None:
        return ALLOW
    return deny(_l("The summary is for reviewers, administrators and OPD heads."))


def can_read_unit_report(user: User | None, unit: Unit | None = None) -> Decision:
    """An OPD's quarterly report (``review.quarterly``) for ``unit`` (None: for some unit, the
    report page): reviewers and admins any unit, a manager (the OPD head, who signs it off to
    Bappeda) their own; staff read their initiatives' pages but do not issue the unit's report."""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if user.role in (Role.REVIEWER, Role.ADMIN):
        return ALLOW
    if user.role == Role.MANAGER and user.unit_id is not None:
        if unit is None or unit.id == user.unit_id:
            return ALLOW
        return deny(_l("An OPD head reads the quarterly report of their own unit only."))
    return deny(_l("The quarterly report is for reviewers, administrators and OPD heads."))


def can_revoke_token(user: User | None, token: AccessToken) -> Decision:
    """A personal access token is revoked by its owner, or by an admin."""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if user.role == Role.ADMIN or token.user_id == user.id:
        return ALLOW
    return deny(_l("Only the token's owner or an administrator can revoke it."))


def can_use_token_for(token: AccessToken, write: bool) -> Decision:
    """What a request made with ``token`` may attempt at all: a read-only token reads; what the
    person behind it may do is then decided by the rules above, as in the browser."""
    if write and not token.can_write():
        return deny(_l("This access token is read only; this request changes data."))
    return ALLOW


def can_review(user: User | None) -> Decision:
    """Start a review and record its decisions: the Sekda's office (reviewers) and admins."""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if user.role not in (Role.REVIEWER, Role.ADMIN):
        return deny(_l("Only reviewers hold reviews."))
    return ALLOW


def can_verify(user: User | None) -> Decision:
    """Verify or return a submitted measurement (Bappeda, the Smart City team)."""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if user.role not in (Role.REVIEWER, Role.ADMIN):
        return deny(_l("Only reviewers verify measurements."))
    return ALLOW


def can_amend_measurement(user: User | None, initiative: Initiative,
                          measurement: Measurement) -> Decision:
    """Correct or withdraw ``measurement`` (of ``initiative``), always with a reason.

    Not yet verified (submitted or returned): the initiative's editors (``can_edit``), as they
    recorded it. Verified: it counts toward the progress the Sekda and citizens see, so only
    reviewers and admins; the unit asks them. (A withdrawn one is final: the service refuses.)"""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if measurement.status == MeasurementStatus.VERIFIED.value:
        if user.role in (Role.REVIEWER, Role.ADMIN):
            return ALLOW
        return deny(_l("This measurement has been verified: only a reviewer can correct or "
                       "withdraw it now. Ask the Smart City team."))
    return can_edit(user, initiative)


def can_edit_budget(user: User | None, initiative: Initiative) -> Decision:
    """Set ``initiative``'s budget, record its spending or withdraw an entry (with a reason): its
    editors (``can_edit``), admins included; reviewers read only. Not once it is archived."""
    decision = can_edit(user, initiative)
    if not decision:
        return decision
    if initiative.archived:
        return deny(_l("This initiative is archived; bring it back to the board to change it."))
    return ALLOW


COMMENT_EDIT_WINDOW = timedelta(minutes=15)


def can_comment(user: User | None) -> Decision:
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    return ALLOW


def can_edit_comment(user: User | None, comment: Comment, now: datetime | None = None) -> Decision:
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if comment.author_id != user.id:
        return deny(_l("Only its author can edit a comment."))
    if (now or utcnow()) - comment.created_at > COMMENT_EDIT_WINDOW:
        return deny(_l("Comments can be edited for 15 minutes only."))
    return ALLOW


UPDATE_EDIT_WINDOW = timedelta(minutes=15)


def can_edit_update(user: User | None, update: ProgressUpdate,
                    now: datetime | None = None) -> Decision:
    """May ``user`` change a progress update: its author, for 15 minutes; then it stands."""
    if not _signed_in(user):
        return deny(_l("Please sign in."))
    if update.author_id != user.id:
        return deny(_l("Only its author can edit a progress update."))
    if (now or utcnow()) - update.created_at > UPDATE_EDIT_WINDOW:
        return deny(_l("A progress update can be edited for 15 minutes only; post a new one."))
    return ALLOW


TEMPLATE_PREDICATES = {
    "can_view": can_view,
    "can_create_in": can_create_in,
    "can_edit": can_edit,
    "can_move": can_move,
    "can_manage": can_manage,
    "can_administer": can_administer,
    "can_verify": can_verify,
    "can_amend_measurement": can_amend_measurement,
    "can_read_summary": can_read_summary,
    "can_read_unit_report": can_read_unit_report,
    "can_review": can_review,
    "can_comment": can_comment,
    "can_edit_comment": can_edit_comment,
    "can_edit_update": can_edit_update,
    "can_edit_budget": can_edit_budget,
    "can_revoke_token": can_revoke_token,
    "can_manage_webhooks": can_manage_webhooks,
}
