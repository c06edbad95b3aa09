"""Kept card looks: what the status rule and the presenter made of each card, kept in the
process and reused while nothing it depends on changed.

What it buys (A/B runs at 1,000 initiatives, 2026-12-03): a board whose cards were all seen
before costs 28 % less than one whose cards are all assessed anew. Most boards are of the first
kind: after a move every open board refreshes, and only the moved cards are assessed again.

What a kept look depends on:

- the card's own inputs: its ``facts_version`` (bumped by the database whenever one of its
  milestones, indicators or measurements changes, see migration 0008: imports, the CLI and
  hand-written SQL are covered too), stage, stage entry, target date and creation;
- the generation: the city's date, the language, and the stages' settings (names, order,
  expected days, which is the rollout stage). The latest ``GENERATIONS`` are kept (both languages
  of the day, say); an older one is dropped whole.

At most one entry per initiative shown, per generation. Safe under threads: a request works on
its generation's own dict. A migration that rebuilds ``milestone``, ``indicator`` or
``measurement`` on SQLite must create 0008's triggers again.
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict
from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import current_app

from ..models import Stage
from .cards import PRESENTED, Card

# What is kept of a card: its facts (from the status queries) and what was presented.
KEPT = ("overdue", "next_milestone", "indicator_progress", "indicator_paths", "pending",
        *PRESENTED)
_kept_of = operator.attrgetter(*KEPT)


class CardLooks:
    """The kept looks of one app (``app.extensions``), by generation."""

    GENERATIONS = 4

    def __init__(self) -> None:
        self._generations: OrderedDict[tuple[Any, ...], Looks] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def of_app(cls) -> CardLooks:
        looks = current_app.extensions.get("quickwin_card_looks")
        if looks is None:
            looks = current_app.extensions.setdefault("quickwin_card_looks", cls())
        return looks

    def generation(self, today: date, language: str, stages: Sequence[Stage]) -> Looks:
        key = (today, language, tuple((s.id, s.position, s.retired, s.rollout, s.expected_days,
                                       s.name_id, s.name_en) for s in stages))
        with self._lock:
            looks = self._generations.get(key)
            if looks is None:
                looks = self._generations[key] = Looks()
                while len(self._generations) > self.GENERATIONS:
                    self._generations.popitem(last=False)
            else:
                self._generations.move_to_end(key)
            return looks


class Looks(dict[int, tuple[tuple[Any, ...], tuple[Any, ...]]]):
    """One generation: card id -> (the card's inputs, what was made of them)."""

    @staticmethod
    def key(card: Card) -> tuple[Any, ...]:
        return (card.facts_version, card.stage_id, card.stage_entered_at, card.target_date,
                card.created_at)

    def restore(self, card: Card) -> bool:
        entry = self.get(card.id)
        if entry is None or entry[0] != self.key(card):
            return False
        for name, value in zip(KEPT, entry[1], strict=True):
            setattr(card, name, value)
        return True

    def keep(self, card: Card) -> None:
        self[card.id] = (self.key(card), _kept_of(card))
