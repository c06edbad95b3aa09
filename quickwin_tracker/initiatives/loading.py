"""Loading a part of an initiative (a milestone, a comment, an indicator, a measurement) named in
a URL: 404 unless it exists and belongs to the initiative the URL names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort

from ..extensions import db
from ..models import Initiative

Part = TypeVar("Part")


def part_of(initiative: Initiative, model: type[Part], part_id: int,
            owner: Callable[[Any], int] = lambda part: part.initiative_id) -> Part:
    """The ``model`` row ``part_id`` of ``initiative``; ``owner`` reads the id of the initiative
    a part belongs to (by default its ``initiative_id``)."""
    part = db.get_or_404(model, part_id)
    if owner(part) != initiative.id:
        abort(404)
    return part
