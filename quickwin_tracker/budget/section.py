"""What the budget section of an initiative page shows (``templates/budget/_section.html``): the
planned budget and code, realised to date, absorption, the spending with its evidence, and the
forms the current user may use. :func:`build_section` is the one builder, for the page and for
every answer that re-renders the section (as ``outcomes.section``).

Forms carry prefixes (``budget-planned``, ``spending-amount``, ``withdraw-spending-12-reason``); a
form sent with errors comes back in place of its fresh twin, keyed by its prefix, and open."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_login import current_user
from flask_wtf import FlaskForm

from ..domain.clock import local_today
from ..domain.permissions import can_edit_budget
from ..models import Initiative, InitiativeBudget, Spending
from . import services
from .forms import BudgetForm, SpendingForm, WithdrawSpendingForm

BUDGET = "budget"
SPENDING = "spending"

Forms = dict[str, FlaskForm]


def withdraw_prefix(spending_id: int) -> str:
    return f"withdraw-spending-{spending_id}"


@dataclass
class BudgetSection:
    initiative: Initiative
    budget: InitiativeBudget | None
    spending: list[Spending]  # newest first, withdrawn ones too
    can_edit: bool
    budget_form: BudgetForm | None = None
    spending_form: SpendingForm | None = None
    withdraw_forms: dict[int, WithdrawSpendingForm] = field(default_factory=dict)
    open: set[str] = field(default_factory=set)  # prefixes of forms sent with errors
    message: str | None = None
    message_kind: str = "success"

    @property
    def realised(self) -> int:
        return services.realised(self.spending)

    @property
    def planned(self) -> int | None:
        return self.budget.planned if self.budget is not None else None

    @property
    def absorption(self) -> float | None:
        return services.absorption(self.planned, self.realised)


def build_section(initiative: Initiative, forms: Forms | None = None, message: str | None = None,
                  message_kind: str = "success") -> BudgetSection:
    """Everything the section shows; ``forms`` (sent, with errors) replace fresh ones."""
    forms = forms or {}
    budget = services.budget_of(initiative)
    spending = services.list_spending(initiative)
    editable = bool(can_edit_budget(current_user, initiative))
    section = BudgetSection(initiative, budget, spending, editable, open=set(forms),
                            message=message, message_kind=message_kind)
    if not editable:
        return section
    section.budget_form = forms.get(BUDGET) or BudgetForm(
        formdata=None, prefix=BUDGET,
        data={"planned": str(budget.planned) if budget is not None else "",
              "program_code": budget.program_code if budget is not None else ""})
    section.spending_form = forms.get(SPENDING) or SpendingForm(
        formdata=None, prefix=SPENDING, data={"spent_on": local_today()})
    for entry in spending:
        if not entry.withdrawn:
            key = withdraw_prefix(entry.id)
            section.withdraw_forms[entry.id] = forms.get(key) or WithdrawSpendingForm(
                formdata=None, prefix=key)
    return section


TEMPLATE_HELPERS = {"rupiah": services.rupiah, "rupiah_short": services.rupiah_short}
