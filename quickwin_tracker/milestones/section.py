"""What the milestones section of an initiative page shows: the one builder for the page and for
every answer that re-renders the section (``templates/milestones/_section.html``)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_login import current_user

from ..domain.permissions import can_edit
from ..models import Initiative
from .forms import MilestoneForm, new_form
from .services import MilestoneRow, milestone_rows


@dataclass
class MilestonesSection:
    initiative: Initiative
    rows: list[MilestoneRow]
    editable: bool  # the current user may change them, and the initiative is not archived
    add_form: MilestoneForm | None  # None when not editable
    add_open: bool = False  # the add form came back with its messages: shown open
    edit_form: MilestoneForm | None = None  # the row being edited (``editing``), in place
    editing: int | None = None
    message: str | None = None  # a refusal to show at the top


def build_section(initiative: Initiative, *, add_form: MilestoneForm | None = None,
                  edit_form: MilestoneForm | None = None, editing: int | None = None,
                  message: str | None = None) -> MilestonesSection:
    """The section; ``add_form`` or ``edit_form`` (sent, with its messages) replace fresh ones."""
    editable = bool(can_edit(current_user, initiative)) and not initiative.archived
    add_open = add_form is not None
    if editable and add_form is None:
        add_form = new_form(initiative)
    return MilestonesSection(initiative, milestone_rows(initiative), editable,
                             add_form if editable else None, add_open and editable, edit_form,
                             editing, message)
