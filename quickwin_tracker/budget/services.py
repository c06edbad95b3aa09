"""Budget and realisation: an initiative's planned budget and code, spending recorded over time
with evidence, and absorption (penyerapan = realised ÷ planned).

- **Optional per deployment** (``QUICKWIN_BUDGET``, on by default; :func:`enabled`): when off,
  the blueprint answers 404, and neither the initiative page, the summary nor the stocktake pack
  shows anything of it. The tables stay (a switch, not a schema).
- **Amounts** are whole Rupiah (``int``; never floats). People type them as they write them:
  ``Rp 1.500.000``, ``1.500.000``, ``1500000``, ``1,500,000``, ``1.500.000,00``, ``1,5 juta``,
  ``2 M`` / ``2 miliar``, ``750 ribu`` / ``750 rb``: :func:`parse_rupiah` reads them all and
  refuses, next to the field, negatives, fractions of a Rupiah, ambiguous or empty input, and
  amounts beyond :data:`MAX_AMOUNT`.
- **The budget** (planned amount, 0 allowed, and the programme/activity code, e.g.
  ``1.02.02.2.01.0001``: dot-separated letters and digits, optional) is set by the initiative's
  editors (``permissions.can_edit_budget``); the trail keeps old → new. Sent unchanged, nothing
  is recorded.
- **Spending** (amount > 0, the date it was spent, not in the future; a note, a link, an evidence
  file) is recorded by the same people. It is never edited: a wrong entry is *withdrawn* with a
  reason (still listed, counted nowhere) and recorded again; the trail keeps both.
- **Absorption** is the standing (not withdrawn) spending's sum ÷ the planned amount, in percent
  points (it may pass 100); ``None`` without a budget or with a planned amount of 0.

Each operation checks permission, validates, records one Activity and flushes; the caller commits.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..domain import activity
from ..domain.clock import local_today, utcnow
from ..domain.errors import Conflict, Forbidden, Invalid
from ..domain.links import clean_link
from ..domain.permissions import can_edit, can_edit_budget
from ..domain.texts import number
from ..extensions import db
from ..models import Activity, Initiative, InitiativeBudget, Spending, User

log = logging.getLogger(__name__)

MAX_AMOUNT = 10**15  # Rp 1.000 triliun: far beyond any city's APBD, well within BIGINT
CODE_MAX = 60
NOTE_MAX = 2000
REASON_MAX = 1000
CODE_PATTERN = re.compile(r"[0-9A-Za-z]+(\.[0-9A-Za-z]+)*")
# Words for thousands, millions and billions, as Indonesians (and some English readers) write them.
MULTIPLIERS = {"rb": 10**3, "ribu": 10**3, "k": 10**3, "jt": 10**6, "juta": 10**6,
               "m": 10**9, "miliar": 10**9, "milyar": 10**9, "t": 10**12, "triliun": 10**12}
_GROUPED_ID = re.compile(r"\d{1,3}(\.\d{3})+(,\d+)?")  # 1.500.000 or 1.500.000,00
_GROUPED_EN = re.compile(r"\d{1,3}(,\d{3})+(\.\d+)?")  # 1,500,000 or 1,500,000.00
_PLAIN = re.compile(r"\d+([.,]\d+)?")  # 1500000, 1,5 (with a multiplier), 12.50


def enabled() -> bool:
    """Does this deployment track budgets (``QUICKWIN_BUDGET``)?"""
    return bool(current_app.config.get("BUDGET", True))


# --------------------------------------------------------------------------- amounts


def parse_rupiah(text: str | None, field: str = "amount", required: bool = True) -> int | None:
    """Whole Rupiah from what a person typed (see the module docstring); ``None`` for empty input
    when not ``required``. Raises :class:`Invalid` for ``field`` otherwise."""
    raw = (text or "").strip().lower().replace("\u00a0", " ").replace("\u202f", " ")
    raw = re.sub(r"^(rp\.?|idr)\s*", "", raw).strip()
    if not raw:
        if required:
            raise Invalid(_l("Enter an amount in Rupiah, e.g. 1.500.000."), field)
        return None
    if raw.startswith(("-", "−")):
        raise Invalid(_l("The amount cannot be negative."), field)
    multiplier = 1
    match = re.fullmatch(r"(.*?)\s*([a-z]+)\.?", raw)
    if match and match[2] in MULTIPLIERS:
        raw, multiplier = match[1].strip(), MULTIPLIERS[match[2]]
    raw = raw.replace(" ", "")
    if _GROUPED_ID.fullmatch(raw):
        decimal_text = raw.replace(".", "").replace(",", ".")
    elif _GROUPED_EN.fullmatch(raw):
        decimal_text = raw.replace(",", "")
    elif _PLAIN.fullmatch(raw):
        decimal_text = raw.replace(",", ".")
    else:
        raise Invalid(_l("Enter an amount in Rupiah, e.g. 1.500.000."), field)
    try:
        value = Decimal(decimal_text) * multiplier
    except InvalidOperation as exc:  # pragma: no cover - the patterns above admit only numbers
        raise Invalid(_l("Enter an amount in Rupiah, e.g. 1.500.000."), field) from exc
    if value != value.to_integral_value():
        raise Invalid(_l("Enter whole Rupiah, without sen."), field)
    if value > MAX_AMOUNT:
        raise Invalid(_l("That amount is too large; check the number of digits."), field)
    return int(value)


def rupiah(value: int | float | None) -> str:
    """``Rp 1.500.000`` (Indonesian) or ``Rp 1,500,000`` (English); "—" for ``None``."""
    if value is None:
        return number(None)
    return f"Rp {number(value, 0)}"


def rupiah_short(value: int | float | None) -> str:
    """An amount as a briefing reads it: "Rp 40,97 M" (miliar), "Rp 250 jt" (juta) in
    Indonesian, "Rp 40.97 bn", "Rp 250 m" in English; below a million, whole rupiah. The pack
    and the initiative page keep the whole amounts."""
    if value is None:
        return number(None)
    size = abs(value)
    if size >= 1_000_000_000:
        return _("Rp %(amount)s bn", amount=number(value / 1_000_000_000, 2))
    if size >= 1_000_000:
        return _("Rp %(amount)s m", amount=number(value / 1_000_000, 1))
    return rupiah(value)


def absorption(planned: int | None, realised: int | None) -> float | None:
    """Realised ÷ planned in percent points; ``None`` without a (non-zero) planned amount."""
    if not planned:
        return None
    return (realised or 0) * 100 / planned


# --------------------------------------------------------------------------- reading


def budget_of(initiative: Initiative) -> InitiativeBudget | None:
    return db.session.get(InitiativeBudget, initiative.id)


def list_spending(initiative: Initiative) -> list[Spending]:
    """The initiative's spending, newest first, with evidence and people (one query)."""
    return list(db.session.scalars(
        sa.select(Spending).where(Spending.initiative_id == initiative.id)
        .options(sa.orm.joinedload(Spending.evidence), sa.orm.joinedload(Spending.recorded_by),
                 sa.orm.joinedload(Spending.withdrawn_by))
        .order_by(Spending.spent_on.desc(), Spending.id.desc())))


def realised(spending: list[Spending]) -> int:
    """The standing entries' sum."""
    return sum(s.amount for s in spending if not s.withdrawn)


# --------------------------------------------------------------------------- changing


def _check(actor: User, initiative: Initiative) -> None:
    """Refuse unless ``actor`` may change the budget: 409 for an archived initiative its editors
    could otherwise change, else 403."""
    decision = can_edit_budget(actor, initiative)
    if decision:
        return
    if initiative.archived and can_edit(actor, initiative):
        raise Conflict(decision.reason)
    raise Forbidden(decision.reason)


def _clean_code(code: str | None) -> str:
    code = (code or "").strip()
    if not code:
        return ""
    if len(code) > CODE_MAX:
        raise Invalid(_l("At most %(max)d characters.", max=CODE_MAX), "program_code")
    if not CODE_PATTERN.fullmatch(code):
        raise Invalid(_l("Write the code as in the DPA: numbers separated by dots, e.g. "
                         "1.02.02.2.01.0001."), "program_code")
    return code


def _clean_text(text: str | None, field: str, limit: int) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > limit:
        raise Invalid(_l("At most %(max)d characters.", max=limit), field)
    return text


def set_budget(actor: User, initiative: Initiative, planned: str | None, program_code: str | None,
               now: datetime | None = None) -> bool:
    """Set the planned amount (required, 0 allowed) and code; False (nothing recorded) when both
    are as stored."""
    now = now or utcnow()
    _check(actor, initiative)
    amount = parse_rupiah(planned, "planned")
    code = _clean_code(program_code)
    budget = budget_of(initiative)
    before = (budget.planned, budget.program_code) if budget is not None else (None, "")
    if before == (amount, code):
        return False
    if budget is None:
        budget = InitiativeBudget(initiative_id=initiative.id)
        db.session.add(budget)
    budget.planned, budget.program_code = amount, code
    budget.updated_by_id, budget.updated_at = actor.id, now
    activity.record(actor, "budget_set", initiative, now=now, planned=amount,
                    old_planned=before[0], program_code=code, old_program_code=before[1])
    db.session.flush()
    log.info("%s set the budget of initiative %s to %s (%s)", actor.email, initiative.id, amount,
             code or "no code")
    return True


@dataclass
class SpendingData:
    amount: str | None
    spent_on: date | None
    note: str | None = ""
    link: str | None = ""


def record_spending(actor: User, initiative: Initiative, data: SpendingData, upload: Any = None,
                    now: datetime | None = None) -> Spending:
    """Record money realised, with an optional evidence file (a ``FileStorage``)."""
    now = now or utcnow()
    _check(actor, initiative)
    amount = parse_rupiah(data.amount, "amount")
    if amount == 0:
        raise Invalid(_l("Enter the amount spent; it must be more than 0."), "amount")
    if data.spent_on is None:
        raise Invalid(_l("Enter the date the money was spent."), "spent_on")
    if data.spent_on > local_today(now):
        raise Invalid(_l("The date cannot be in the future."), "spent_on")
    note = _clean_text(data.note, "note", NOTE_MAX)
    link = clean_link(data.link)
    # (imported here: the outcomes package loads the initiative page, which loads this module)
    from ..outcomes.evidence import check_upload, save_evidence

    checked = check_upload(upload)  # nothing is written before every check passed
    evidence = save_evidence(actor, checked, now=now) if checked is not None else None
    entry = Spending(initiative_id=initiative.id, spent_on=data.spent_on, amount=amount, note=note,
                     link=link, evidence=evidence, recorded_by=actor, recorded_at=now)
    db.session.add(entry)
    db.session.flush()
    activity.record(actor, "spending_recorded", initiative, now=now, spending_id=entry.id,
                    amount=amount, spent_on=data.spent_on.isoformat(),
                    evidence=evidence is not None)
    log.info("%s recorded spending %s (%s) on initiative %s", actor.email, entry.id, amount,
             initiative.id)
    return entry


def withdraw_spending(actor: User, entry: Spending, reason: str | None,
                      now: datetime | None = None) -> None:
    """Withdraw an entry, with a reason: it stays listed, counted nowhere."""
    now = now or utcnow()
    initiative = entry.initiative
    _check(actor, initiative)
    if entry.withdrawn:
        raise Conflict(_l("This entry has already been withdrawn."))
    reason = _clean_text(reason, "reason", REASON_MAX)
    if not reason:
        raise Invalid(_l("Say why it is withdrawn: the trail keeps the reason."), "reason")
    entry.withdrawn_at, entry.withdrawn_by_id, entry.withdrawn_reason = now, actor.id, reason
    activity.record(actor, "spending_withdrawn", initiative, now=now, spending_id=entry.id,
                    amount=entry.amount, spent_on=entry.spent_on.isoformat(), reason=reason)
    db.session.flush()
    log.info("%s withdrew spending %s of initiative %s", actor.email, entry.id, initiative.id)


# --------------------------------------------------------------------------- the trail


@activity.describer("budget_set")
def _budget_set(entry: Activity) -> str:
    data = entry.data
    if data.get("old_planned") is None:
        return _("set the budget to %(amount)s", amount=rupiah(data.get("planned")))
    if data.get("old_planned") != data.get("planned"):
        return _("changed the budget from %(old)s to %(new)s",
                 old=rupiah(data.get("old_planned")), new=rupiah(data.get("planned")))
    return _("changed the budget's programme code to “%(code)s”",
             code=data.get("program_code") or "—")


@activity.describer("spending_recorded")
def _spending_recorded(entry: Activity) -> str:
    return _("recorded spending of %(amount)s (%(date)s)", amount=rupiah(entry.data.get("amount")),
             date=activity.trail_date(entry.data.get("spent_on")))


@activity.describer("spending_withdrawn")
def _spending_withdrawn(entry: Activity) -> str:
    return _("withdrew spending of %(amount)s (%(date)s): %(reason)s",
             amount=rupiah(entry.data.get("amount")),
             date=activity.trail_date(entry.data.get("spent_on")),
             reason=entry.data.get("reason", ""))
