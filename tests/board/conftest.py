"""Fixtures the board's tests share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Initiative


@pytest.fixture
def add_bulk(team, dimensions, stages) -> Callable[[int], None]:
    """``add_bulk(n)``: n more initiatives of the team's unit, spread over every dimension and the
    first five stages, inserted in one statement (for boards of hundreds of cards)."""
    dimension_ids = [d.id for d in dimensions.values()]
    stage_ids = [s.id for s in stages.values()][:5]
    added = 0

    def add(n: int) -> None:
        nonlocal added
        now = datetime.now(UTC)
        db.session.execute(sa.insert(Initiative), [
            {"title": f"Bulk {i}", "benefit": "b", "description": "",
             "dimension_id": dimension_ids[i % 6], "unit_id": team.unit.id,
             "owner_id": team.staff.id, "stage_id": stage_ids[i % 5],
             "position": 1000 + i, "stage_entered_at": now, "created_at": now, "updated_at": now,
             "version": 1, "archived": False}
            for i in range(added, added + n)
        ])
        db.session.commit()
        added += n

    return add
