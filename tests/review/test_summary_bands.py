"""Issue 14 items 4 and 5 on the summary: indicators by achievement band and the variance against
the plan, per OPD and per dimension, counted in SQL over the kept rows; the band settings are
part of the kept basis; the stocktake pack carries both."""

import io

from openpyxl import load_workbook

from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle import kept
from quickwin_tracker.models import InitiativeStatus
from quickwin_tracker.review.pack import summary_pack
from quickwin_tracker.review.pack_xlsx import workbook_bytes
from quickwin_tracker.review.periods import preset
from quickwin_tracker.review.services import build_summary
from tests.review.test_summary import NOW, TODAY, city  # noqa: F401 (the fixture)


def test_bands_per_unit_and_dimension(city, dimensions):  # noqa: F811
    s = build_summary(city["users"]["reviewer"], preset("year", TODAY), now=NOW)
    dukcapil, dinkes = city["units"]
    # Lower is better, 60 → 10 minutes, both past their target date (10 planned): c (DUKCAPIL,
    # living) verified 10, (2×10 − 10)/10 = 100 %: very good; d (DINKES, living) verified 50,
    # (2×10 − 50)/10 = −300 %: very poor; e (DINKES, society) nothing verified: not banded.
    assert s.bands_by_unit[dukcapil.id] == {"very_good": 1}
    assert s.bands_by_unit[dinkes.id] == {"very_poor": 1, None: 1}
    assert s.bands_by_dimension[dimensions["living"].id] == {"very_good": 1, "very_poor": 1}
    assert s.bands_by_dimension[dimensions["society"].id] == {None: 1}
    assert [b.key for b in s.bands] == ["very_good", "good", "fair", "poor", "very_poor"]
    # Variance against the plan: c at 100 planned 100 (0), d at 20 % planned 100 % (−80).
    rows = {r.unit.code: r for r in s.unit_rows}
    assert rows["DUKCAPIL"].average_variance == 0.0
    assert round(rows["DINKES"].average_variance) == -80


def test_changing_the_band_settings_recomputes_the_kept_bands(app, city):  # noqa: F811
    build_summary(city["users"]["reviewer"], preset("year", TODAY), now=NOW)
    db.session.commit()
    app.config["ACHIEVEMENT_BANDS"] = "100:met,0:not_met"
    from quickwin_tracker.lifecycle.bands import parse_bands
    app.config["ACHIEVEMENT_BAND_LIST"] = parse_bands(app.config["ACHIEVEMENT_BANDS"])
    assert kept.refresh(TODAY) > 0  # the basis changed: every row again
    met, not_met, unbanded = (db.session.scalar(db.select(db.func.sum(column))) for column in (
        InitiativeStatus.band_1, InitiativeStatus.band_2, InitiativeStatus.unbanded))
    assert (met, not_met, unbanded) == (1, 1, 1)  # c met its plan, d did not, e has no value


def test_the_pack_has_band_sheets_equal_to_the_summary(city, dimensions):  # noqa: F811
    s = build_summary(city["users"]["reviewer"], preset("year", TODAY), now=NOW)
    pack = summary_pack(s)
    units = pack.table("bands_units")
    assert [c.header for c in units.columns][-2:] and len(units.columns) == 2 + 5 + 2
    by_code = {row[0]: row for row in units.rows}
    assert by_code["DINKES"][2:] == [0, 0, 0, 0, 1, 1, 2]
    dims = {row[0]: row[1:] for row in pack.table("bands_dimensions").rows}
    assert dims[dimensions["living"].name] == [1, 0, 0, 0, 1, 0, 2]
    book = load_workbook(io.BytesIO(workbook_bytes(pack)))
    assert len(book.sheetnames) == len(pack.tables)
