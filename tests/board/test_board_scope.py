"""Issue 12, item 7 "My work first": the board opens on the reader's unit or on the whole city
(their remembered scope, ``board/settings.py``); a URL's own unit filter wins; the board, its
cells, its moves, its poll and its exports all see the same filters."""

from __future__ import annotations

import csv
import io

import pytest

from quickwin_tracker.board.filters import BoardFilters
from quickwin_tracker.board.settings import CITY, UNIT, settings_of
from quickwin_tracker.extensions import db
from quickwin_tracker.models import User
from tests.html_forms import forms_in, page_headers

pytestmark = pytest.mark.usefixtures("team_in_english")


@pytest.fixture
def cards(team, make_initiative):
    """One card of the team's unit (DINKES) and one of the outsider's (DISHUB), in one cell."""
    return {
        "own": make_initiative(team.unit, stage="approved", title="Antrean kilat"),
        "other": make_initiative(team.outsider.unit, stage="approved", title="Halte pintar"),
    }


def shown(client, url: str, cards, **kw) -> set[str]:
    response = client.get(url, **kw)
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    return {name for name, card in cards.items() if f'id="card-{card.id}"' in html}


def scope_form(html: str, url: str = "/board/"):
    return next(f for f in forms_in(html, url) if f.action == "/board/scope")


def stored_scope(user: User) -> str:
    db.session.expire_all()
    return settings_of(db.session.get(User, user.id)).scope


# --------------------------------------------------------------------------- defaults


@pytest.mark.parametrize("person, expected", [
    ("staff", {"own"}), ("manager", {"own"}),
    ("reviewer", {"own", "other"}), ("admin", {"own", "other"}),
])
def test_the_board_opens_on_the_role_default(team, auth, client, cards, person, expected):
    auth.login(getattr(team, person))
    assert shown(client, "/board/", cards) == expected
    html = client.get("/board/").get_data(as_text=True)
    bar = html[html.index('id="board-scope"'):html.index('class="board-summary"')]
    if expected == {"own"}:
        assert "Dinas Kesehatan" in bar and ">Whole city</button>" in bar
        assert "Only DINKES" not in bar
    else:
        assert "whole city" in bar
        assert "/board/scope" not in bar  # no unit of their own: nothing to switch to
    # The unit filter shows what the board shows.
    select = html[html.index('id="filter-unit"'):html.index("</select>", html.index('id="filter-unit"'))]
    chosen = "DINKES" if expected == {"own"} else "all"
    assert f'value="{chosen}" selected' in select


def test_someone_without_a_unit_opens_on_the_whole_city(auth, client, make_user, cards):
    loner = make_user("staff", locale="en")
    loner.unit = None
    db.session.commit()
    auth.login(loner)
    assert shown(client, "/board/", cards) == {"own", "other"}


# --------------------------------------------------------------------------- remembering


def test_whole_city_is_one_click_away_and_remembered_in_a_new_session(app, team, auth, client,
                                                                      cards):
    auth.login(team.staff)
    form = scope_form(client.get("/board/?status=at_risk&q=antre").get_data(as_text=True))
    assert form.is_action_button  # nothing to fill in: pressing it is the action
    submission = form.submission()  # presses the first button: "Whole city"
    response = client.post(submission.url, data=submission.data())
    assert response.status_code == 303
    # The other filters are kept; the unit is left to the new scope.
    assert response.location.endswith("/board/?q=antre&status=at_risk")
    assert stored_scope(team.staff) == CITY
    assert shown(client, "/board/", cards) == {"own", "other"}

    fresh = app.test_client()  # another browser: a new session
    fresh.post("/auth/login", data={"email": team.staff.email, "password": "correct-horse-battery"})
    assert shown(fresh, "/board/", cards) == {"own", "other"}
    html = fresh.get("/board/").get_data(as_text=True)
    assert ">Only DINKES</button>" in html

    # And back: "Only DINKES".
    back = scope_form(html).submission()
    assert dict(back.fields)["scope"] == UNIT
    assert fresh.post(back.url, data=back.data()).status_code == 303
    assert stored_scope(team.staff) == UNIT
    assert shown(fresh, "/board/", cards) == {"own"}


def test_the_scope_form_works_with_htmx_too(team, auth, client, cards, hx):
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    form = scope_form(html)
    assert form.hx_post == "/board/scope"
    submission = form.submission(htmx=True, page_headers=page_headers(html))
    response = client.post(submission.url, data=submission.data(), headers=submission.headers)
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/board/"
    assert stored_scope(team.staff) == CITY


@pytest.mark.parametrize("data", [{"scope": "galaxy"}, {}, {"scope": "city", "owner": "x"}])
def test_a_bad_scope_is_a_400_and_changes_nothing(team, auth, client, data):
    auth.login(team.staff)
    assert client.post("/board/scope", data=data).status_code == 400
    assert stored_scope(team.staff) == UNIT


# --------------------------------------------------------------------------- explicit filters win


def test_an_explicit_unit_or_all_units_wins_over_the_scope(team, auth, client, cards):
    auth.login(team.staff)  # scope: their unit
    assert shown(client, "/board/?unit=all", cards) == {"own", "other"}
    assert shown(client, "/board/?unit=ALL", cards) == {"own", "other"}
    assert shown(client, "/board/?unit=DISHUB", cards) == {"other"}
    html = client.get("/board/?unit=all").get_data(as_text=True)
    assert ">Only DINKES</button>" in html and "whole city" in html

    client.post("/board/scope", data={"scope": "city"})
    assert shown(client, "/board/?unit=DINKES", cards) == {"own"}
    html = client.get("/board/?unit=DISHUB").get_data(as_text=True)
    assert "Dinas Perhubungan" in html  # showing another unit: both ways out are offered
    assert ">Whole city</button>" in html and ">Only DINKES</button>" in html


def test_all_units_is_in_the_url_and_understood():
    assert BoardFilters.from_args({"unit": "all"}).as_args() == {"unit": "all"}
    assert BoardFilters.from_args({"unit": "all"}).active is False
    assert BoardFilters.from_args({}, default_unit="DINKES").as_args() == {"unit": "DINKES"}
    assert BoardFilters.from_args({}, default_unit="").as_args() == {"unit": "all"}
    assert BoardFilters.from_args({"unit": "dishub"}, default_unit="DINKES").unit == "DISHUB"
    assert BoardFilters.from_args({}).as_args() == {}  # no reader, no scope: as before


# --------------------------------------------------------------------------- one set of filters


def test_cells_moves_and_export_links_carry_the_resolved_unit(team, auth, client, cards):
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    assert f'href="/board/cards/{cards["own"].id}/move?unit=DINKES"' in html
    assert 'href="/transfer/initiatives.csv?unit=DINKES"' in html
    client.post("/board/scope", data={"scope": "city"})
    html = client.get("/board/").get_data(as_text=True)
    assert f'href="/board/cards/{cards["own"].id}/move?unit=all"' in html
    assert 'href="/transfer/initiatives.csv?unit=all"' in html


def exported(client, url: str, cards) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    ids = {int(row[0]) for row in list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))[1:]}
    return {name for name, card in cards.items() if card.id in ids}


def test_exports_hold_what_the_board_shows(team, auth, client, cards):
    auth.login(team.staff)
    assert exported(client, "/transfer/initiatives.csv", cards) == shown(client, "/board/", cards) \
        == {"own"}
    assert exported(client, "/transfer/initiatives.csv?unit=all", cards) == {"own", "other"}
    client.post("/board/scope", data={"scope": "city"})
    assert exported(client, "/transfer/initiatives.csv", cards) == shown(client, "/board/", cards) \
        == {"own", "other"}
    links = client.get("/transfer/links").get_data(as_text=True)
    assert 'href="/transfer/initiatives.csv?unit=all"' in links


def test_show_more_keeps_the_unit_the_board_showed(team, auth, client, hx, make_initiative, app):
    app.config["BOARD_PAGE_SIZE"] = 1
    own = [make_initiative(team.unit, stage="approved") for _ in range(2)]
    other = make_initiative(team.outsider.unit, stage="approved")
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    assert "/board/cells/governance/approved?offset=1&amp;unit=DINKES" in html
    more = client.get("/board/cells/governance/approved?offset=1&unit=DINKES", headers=hx)
    text = more.get_data(as_text=True)
    assert f'id="card-{own[1].id}"' in text and f'id="card-{other.id}"' not in text


def test_the_poll_takes_the_filters_form_and_checks_it(team, auth, client, cards):
    auth.login(team.staff)
    html = client.get("/board/").get_data(as_text=True)
    assert 'data-hx-include="#board-filters"' in html
    assert client.get("/board/version?unit=all&status=at_risk").status_code == 200
    assert client.get("/board/version?unit=DINKES").status_code == 200
    assert client.get("/board/version?status=nope").status_code == 400


def test_the_move_answer_shows_the_cells_of_the_same_filters(team, auth, client, hx, cards):
    """A drag sends the filter form's values: the answer's cells are those of that board."""
    auth.login(team.staff)
    own = cards["own"]

    def answer(**filters) -> str:
        db.session.refresh(own)
        data = {"stage": "approved", "from_stage": "approved", "after": "top",
                "version": own.version, **filters}
        response = client.post(f"/board/cards/{own.id}/move", data=data, headers=hx)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_data(as_text=True)

    assert f'id="card-{cards["other"].id}"' not in answer()  # no unit: the scope's (DINKES)
    assert f'id="card-{cards["other"].id}"' in answer(unit="all")
    # Without JavaScript, back to the board with the same filters.
    db.session.refresh(own)
    response = client.post(f"/board/cards/{own.id}/move",
                           data={"stage": "in_progress", "after": "keep", "version": own.version,
                                 "from_stage": "approved"})
    assert response.status_code == 303 and response.location.endswith("/board/?unit=DINKES")


def test_the_scope_changes_what_the_reader_sees_by_default_only(team, auth, client, cards):
    """Nothing is widened: whatever the scope, a URL shows what it shows to anyone."""
    auth.login(team.outsider)
    assert shown(client, "/board/", cards) == {"other"}
    assert shown(client, "/board/?unit=DINKES", cards) == {"own"}
