"""A board card: the row it is read from, and how it is presented (texts and links).

The board shows up to a thousand cards at once (``QUICKWIN_BOARD_FIRST_PAINT_CARDS``), so what a
card shows is computed once per card, in Python, and the template only places it
(``templates/board/_cards.html``). Two things make that cheap, each measured with the A/B runs
behind ``make bench`` (1,000 initiatives, 2026-12-03):

- **Links from templates.** ``CardLinks`` asks ``url_for`` once per board for a card page and a
  "move" link and fills in each card's id; ``url_for`` per card cost 22 % of the board.
- **Texts looked up once.** ``domain.texts.Texts`` binds the request's catalogue once, and the
  words repeated across cards ("12 days in stage", "Outcome 40 %") are made once per value;
  Flask-Babel's per-call lookup cost 42 % of a board whose cards are all assessed anew.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from flask import current_app, url_for
from jinja2.filters import do_truncate

from ..domain.clock import local_date
from ..domain.texts import Texts
from ..lifecycle.progress import bar_width
from ..lifecycle.status import STATUS_ICONS, Assessment, Status
from ..lifecycle.trajectory import Trajectory
from .filters import BoardFilters

PLACEHOLDER_ID = 2_000_000_000  # stands for the card's id while a link template is built


@dataclass(slots=True)
class Card:
    """What a card shows: a plain row, not an ORM object (the board reads thousands)."""

    id: int
    title: str
    version: int
    dimension_id: int
    stage_id: int
    position: int
    target_date: date | None
    stage_entered_at: datetime
    created_at: datetime
    unit_id: int
    unit_code: str
    owner_id: int | None
    owner_name: str | None
    facts_version: int = 0
    member_ids: frozenset[int] = frozenset()
    # The status rule's facts (``lifecycle.status.Facts``' fields): a card is assessed as it is.
    overdue: list[tuple[str, date]] = field(default_factory=list)
    next_milestone: tuple[str, date] | None = None  # (title, due date)
    indicator_progress: list[float | None] = field(default_factory=list)
    indicator_paths: list[Trajectory | None] = field(default_factory=list)
    entered_on: date | None = None
    progress: float | None = None  # outcome progress, percent; may pass 100 or go below 0
    status: Status | None = None
    status_text: str = ""  # the reasons, joined
    pending: int = 0  # measurements awaiting verification
    verified: int = 0  # indicators with a verified measurement (the status rule's facts)
    # What the template shows (``CardPresenter``, ``CardLinks``):
    movable: bool = False  # ``can_edit`` for the reader
    days_text: str = ""  # "12 days in stage"
    progress_text: str = ""  # "Outcome 40%"
    status_value: str = ""  # "at_risk", for the CSS class
    status_label: str = ""
    status_icon: str = ""
    target_text: str = ""  # the target date, formatted
    target_iso: str = ""
    next_text: str = ""  # "Overdue: <milestone>, <date>" or "Next: <milestone>, <date>"
    next_overdue: bool = False
    reason_text: str = ""  # at risk or off track: the status rule's first (worst) reason
    pending_text: str = ""  # "2 measurements awaiting verification"
    report_text: str = ""  # the latest progress update: "Reported on track 3 days ago"
    report_rosier: str = ""  # when rosier than the data: "the data says at risk"
    progress_bar: int = 0  # 0..100 for the bar; the text beside it shows the real value
    url: str = ""  # the initiative's page
    move_url: str = ""  # its "move" page (keeping the board's filters)
    meta: str = ""  # "UNIT · owner"


# What ``CardPresenter.present`` sets on a card (its texts), in this order (``board.looks``).
PRESENTED = ("entered_on", "progress", "status", "status_text", "status_value", "status_label",
             "status_icon", "days_text", "progress_text", "progress_bar", "target_text",
             "target_iso", "next_text", "next_overdue", "reason_text", "pending_text")


class CardPresenter:
    """The words of a card, in the request's language; one per page."""

    TITLE_LENGTH = 60  # a milestone's title in "Next: …", as Jinja's ``truncate`` cuts it

    def __init__(self, tz: tzinfo) -> None:
        self.texts = Texts()
        self.tz = tz
        self._days: dict[int, str] = {}
        self._progress: dict[int, str] = {}
        self._looks = {s: (s.value, s.label, STATUS_ICONS[s]) for s in Status}
        self._env = current_app.jinja_env

    def present(self, card: Card, assessment: Assessment, today: date) -> None:
        texts = self.texts
        card.status = status = assessment.status
        card.status_value, card.status_label, card.status_icon = self._looks[status]
        card.status_text = assessment.reasons_text
        card.reason_text = (assessment.reasons[0].text
                            if status in (Status.AT_RISK, Status.OFF_TRACK) and assessment.reasons
                            else "")
        entered = card.entered_on or local_date(card.stage_entered_at, self.tz)
        days = (today - entered).days
        if days not in self._days:
            self._days[days] = texts.ngettext("%(num)d day in stage", "%(num)d days in stage", days)
        card.days_text = self._days[days]
        card.progress_text, card.progress_bar = "", 0
        if card.progress is not None:
            percent = int(round(card.progress))
            if percent not in self._progress:
                self._progress[percent] = texts.gettext("Outcome %(percent)s",
                                                        percent=texts.percent(percent))
            card.progress_text = self._progress[percent]
            card.progress_bar = bar_width(card.progress)
        card.target_text = card.target_iso = ""
        if card.target_date:
            card.target_text = texts.date(card.target_date)
            card.target_iso = card.target_date.isoformat()
        self._next(card)
        card.pending_text = (texts.ngettext("%(num)d measurement awaiting verification",
                                            "%(num)d measurements awaiting verification",
                                            card.pending) if card.pending else "")

    def report(self, card: Card, latest: Any, today: date) -> None:
        """The latest progress update's health and age (``updates.services.Latest``), and the
        flag when it is rosier than the card's status (``updates.services.rosier``)."""
        from ..updates.services import rosier

        texts = self.texts
        label = latest.reported.label
        days = (today - local_date(latest.created_at, self.tz)).days
        card.report_text = (texts.gettext("Reported %(health)s today", health=label) if days <= 0
                            else texts.ngettext("Reported %(health)s %(num)d day ago",
                                                "Reported %(health)s %(num)d days ago", days,
                                                health=label))
        card.report_rosier = (texts.gettext("the data says %(status)s", status=card.status_label)
                              if rosier(latest.health, card.status) else "")

    def _next(self, card: Card) -> None:
        """The milestone that matters next: the oldest overdue one, else the earliest due."""
        texts = self.texts
        card.next_overdue = bool(card.overdue)
        card.next_text = ""
        if card.overdue:
            title, due = card.overdue[0]
            card.next_text = texts.gettext("Overdue: %(title)s, %(date)s",
                                           title=self._short(title), date=texts.date(due))
        elif card.next_milestone:
            title, due = card.next_milestone
            card.next_text = texts.gettext("Next: %(title)s, %(date)s", title=self._short(title),
                                           date=texts.date(due))

    def _short(self, text: str) -> str:
        if len(text) <= self.TITLE_LENGTH:
            return text
        return do_truncate(self._env, text, self.TITLE_LENGTH)


@dataclass(frozen=True)
class CardLinks:
    """The links every card and cell of one board share: a card's page and its "move" page
    (keeping the board's filters) as templates around the card's id, a cell's "show more", and
    the words for a card without owner. Built once per board (``for_board``)."""

    detail: tuple[str, str]  # ("/initiatives/", "")
    move: tuple[str, str]  # ("/board/cards/", "/move?unit=…")
    more: str  # "/board/cells/{dimension}/{stage}?offset={offset}&unit=…"
    no_owner: str
    move_text: str

    @classmethod
    def for_board(cls, filters: BoardFilters, no_owner: str, move_text: str) -> CardLinks:
        """Each link is built once by ``url_for`` with a placeholder id, which stands in the
        path, before any filter text in the query string."""
        marker = str(PLACEHOLDER_ID)
        detail = url_for("initiatives.detail", initiative_id=PLACEHOLDER_ID).split(marker, 1)
        move = url_for("board.move_form", initiative_id=PLACEHOLDER_ID,
                       **filters.as_args()).split(marker, 1)
        more = (url_for("board.cell_more", dimension="DIMENSION", stage="STAGE")
                .replace("DIMENSION", "{dimension}", 1).replace("STAGE", "{stage}", 1)
                + "?offset={offset}")
        if args := filters.cell_args():  # url-encoded: no braces left to clash with format()
            more += "&" + urlencode(args)
        return cls((detail[0], detail[1]), (move[0], move[1]), more, no_owner, move_text)

    def more_url(self, dimension: str, stage: str, offset: int) -> str:
        """The next cards of a cell (codes are lowercase letters, digits and underscores)."""
        return self.more.format(dimension=dimension, stage=stage, offset=offset)

    def dress(self, card: Card) -> None:
        card.url = f"{self.detail[0]}{card.id}{self.detail[1]}"
        card.move_url = f"{self.move[0]}{card.id}{self.move[1]}"
        card.meta = f"{card.unit_code} · {card.owner_name or self.no_owner}"
