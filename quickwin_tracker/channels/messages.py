"""The short form of each kind of message, for chat channels (Telegram today).

A few lines of Telegram HTML (everything from the data escaped), in the recipient's language,
ending with one link back to the app: ``short_text(plan)``. The email of the same plan stays the
long form. A kind without its own short form gets its subject and a link to the board.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from flask_babel import force_locale, ngettext
from flask_babel import gettext as _

from ..mail.planning import PlannedEmail
from ..mail.urls import app_url
from ..models import REVIEW_DECISION_LABELS

EXCERPT = 200  # characters of a comment or note
LIST_MAX = 5  # milestones listed; the rest counted


def _cut(text: str, limit: int = EXCERPT) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link(url: str) -> str:
    return f"→ {escape(url)}"


def _mention(plan: PlannedEmail) -> tuple[str, str]:
    c = plan.context
    head = _("%(actor)s mentioned you on “%(title)s”:", actor=c["actor_name"],
             title=c["initiative_title"])
    return f"{escape(head)} {escape(_cut(c.get('comment_body', '')))}", c["url"]


def _milestones(plan: PlannedEmail) -> tuple[str, str]:
    from flask_babel import format_date

    items = [*plan.context.get("overdue", []), *plan.context.get("upcoming", [])]
    lines = [f"<b>{escape(plan.subject)}</b>"]
    for item in items[:LIST_MAX]:
        if item.days < 0:
            when = ngettext("%(num)d day overdue", "%(num)d days overdue", item.days_overdue)
        elif item.days == 0:
            when = _("due today")
        else:
            when = ngettext("due in %(num)d day", "due in %(num)d days", item.days)
        lines.append(f"• {escape(item.title)} ({escape(item.initiative_title)}): "
                     f"{escape(format_date(item.due_date, 'medium'))}, {escape(when)}")
    if len(items) > LIST_MAX:
        lines.append(escape(ngettext("and %(num)d more", "and %(num)d more",
                                     len(items) - LIST_MAX)))
    url = items[0].url if len(items) == 1 else app_url("calendar.index")
    return "\n".join(lines), url


def _update(plan: PlannedEmail) -> tuple[str, str]:
    return f"<b>{escape(plan.subject)}</b>", plan.context["item"].url


def _digest(plan: PlannedEmail) -> tuple[str, str]:
    text = _("Your weekly digest is ready: the full version is in your email, or open the board.")
    return f"<b>{escape(plan.subject)}</b>\n{escape(text)}", app_url("board.index")


def _review(plan: PlannedEmail) -> tuple[str, str]:
    c = plan.context
    decision = str(REVIEW_DECISION_LABELS.get(c["decision"], c["decision"]))
    head = _("Review “%(review)s” decided “%(decision)s” for “%(title)s”.", review=c["review_title"],
             decision=decision, title=c["initiative_title"])
    text = escape(head)
    if c.get("note"):
        text += "\n" + escape(_cut(c["note"]))
    return text, c["url"]


SHORT_FORMS: dict[str, Callable[[PlannedEmail], tuple[str, str]]] = {
    "mention": _mention,
    "reminder": _milestones,
    "update_due": _update,
    "update_missed": _update,
    "digest": _digest,
    "review_decision": _review,
}


def short_text(plan: PlannedEmail) -> str:
    """``plan`` as a short Telegram HTML message in its recipient's language, with one link."""
    with force_locale(plan.to.locale):
        form = SHORT_FORMS.get(plan.kind)
        body, url = form(plan) if form else (f"<b>{escape(plan.subject)}</b>",
                                             app_url("board.index"))
    return f"{body}\n{_link(url)}"
