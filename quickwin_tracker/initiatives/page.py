"""The initiative page: what each of its parts shows, built here and passed to
``templates/initiatives/detail.html`` explicitly; the template and the section partials it
includes render only what they are given.

Each section has one builder (``updates.section``, ``milestones.section``,
``outcomes.section``, ``budget.section``, ``comments.section``), which the section's own htmx
answers use too, so page and fragment cannot drift. The status line and the trail refresh
themselves after an in-place change (``?part=status``, ``?part=trail``) from :data:`PARTS`.
"""

from __future__ import annotations

from typing import Any

from ..budget import section as budget
from ..budget.services import enabled as budget_enabled
from ..comments import section as comments
from ..domain.clock import local_date
from ..lifecycle.stages import active_stages
from ..lifecycle.status import assess_many
from ..milestones import section as milestones
from ..models import Initiative
from ..outcomes import section as outcomes
from ..review.cycle import decisions_for
from ..updates import section as updates
from ..web.pages import render_page
from . import services

TEMPLATE = "initiatives/detail.html"


def status_context(initiative: Initiative) -> dict[str, Any]:
    """The status line: the initiative's status and its reasons."""
    assessment, _facts = assess_many([initiative], active_stages())[initiative.id]
    return {"initiative": initiative, "assessment": assessment}


def trail_context(initiative: Initiative) -> dict[str, Any]:
    """The activity trail, newest first."""
    return {"initiative": initiative, "trail": services.trail(initiative)}


# ``?part=…``: the template's block, and what it shows.
PARTS = {"status": ("status_line", status_context), "trail": ("trail", trail_context)}


def page_context(initiative: Initiative,
                 outcomes_section: outcomes.OutcomesSection | None = None,
                 budget_section: budget.BudgetSection | None = None) -> dict[str, Any]:
    """Everything the page shows; ``outcomes_section`` and ``budget_section`` replace fresh ones
    (a form sent without JavaScript, shown again with its messages). No budget section when the
    deployment does not track budgets (``QUICKWIN_BUDGET``)."""
    status = status_context(initiative)
    return {
        **status,
        **trail_context(initiative),
        "updates_section": updates.build_section(initiative, assessment=status["assessment"]),
        "review_decisions": decisions_for(initiative),
        "started_on": local_date(initiative.created_at),
        "milestones_section": milestones.build_section(initiative),
        "outcomes_section": outcomes_section or outcomes.build_section(initiative),
        "comments_section": comments.build_section(initiative),
        "budget_section": ((budget_section or budget.build_section(initiative))
                           if budget_enabled() else None),
    }


def render_initiative_page(initiative: Initiative,
                           outcomes_section: outcomes.OutcomesSection | None = None,
                           budget_section: budget.BudgetSection | None = None) -> str:
    return render_page(TEMPLATE, **page_context(initiative, outcomes_section, budget_section))
