"""What the progress-update section of an initiative page shows (``templates/updates/_section.html``):
the one builder for the page and for every answer that re-renders the section."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_login import current_user

from ..domain.permissions import can_edit
from ..lifecycle.stages import active_stages
from ..lifecycle.status import Assessment, Status, assess_many
from ..models import Initiative, ProgressUpdate
from .forms import NewUpdateForm
from .services import Due, Latest, disagreement, list_updates, next_due

ADD_PREFIX = "update"


@dataclass
class UpdatesSection:
    initiative: Initiative
    updates: list[ProgressUpdate]  # newest first
    due: Due | None  # None: rolled out, no update owed
    grace_days: int
    flag: str | None  # the latest update is rosier than the data
    add_form: NewUpdateForm | None  # None when the current user may not post

    @property
    def latest(self) -> ProgressUpdate | None:
        return self.updates[0] if self.updates else None


def add_form() -> NewUpdateForm:
    return NewUpdateForm(formdata=None, prefix=ADD_PREFIX)


def build_section(initiative: Initiative, form: NewUpdateForm | None = None,
                  assessment: Assessment | None = None) -> UpdatesSection:
    """``form``: the add form as sent (shown again with its messages); ``assessment``: the
    initiative's status when the caller has it."""
    updates = list_updates(initiative)
    if assessment is None:
        assessment = assess_many([initiative], active_stages())[initiative.id][0]
    latest = (Latest(initiative.id, updates[0].health, updates[0].created_at)
              if updates else None)
    rolled_out = assessment.status == Status.DONE
    may_post = bool(can_edit(current_user, initiative))
    return UpdatesSection(
        initiative, updates,
        None if rolled_out else next_due(initiative.created_at, latest, initiative.stage),
        int(current_app.config["UPDATE_GRACE_DAYS"]),
        disagreement(latest, assessment),
        (form or add_form()) if may_post else None,
    )
