"""iCalendar feeds of milestones at secret URLs."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from icalendar import Calendar

from quickwin_tracker.extensions import db
from quickwin_tracker.models import Milestone, User

BASE = "https://quickwin.example.go.id"


@pytest.fixture
def app_config():
    return {"BASE_URL": BASE}


@pytest.fixture
def city(make_unit, make_user, make_initiative):
    dinkes, dishub = make_unit("DINKES"), make_unit("DISHUB")
    me = make_user("staff", dinkes, name="Staf Dinkes")
    colleague = make_user("staff", dinkes, name="Rekan Dinkes")
    outsider = make_user("staff", dishub, name="Staf Dishub")
    owned = make_initiative(dinkes, title="Antrean online", owner_id=me.id)
    team = make_initiative(dishub, title="Bus listrik")  # another unit's; I am on its team
    team.members.append(me)
    unit_only = make_initiative(dinkes, title="Posyandu digital", owner_id=colleague.id)
    foreign = make_initiative(dishub, title="Parkir elektronik", owner_id=outsider.id)
    archived = make_initiative(dinkes, title="Lama", owner_id=me.id, archived=True)

    def milestone(initiative, title, due, **kw):
        m = Milestone(initiative=initiative, title=title, due_date=due, **kw)
        db.session.add(m)
        return m

    ms = SimpleNamespace(
        owned=milestone(owned, "Uji coba", date(2026, 4, 1)),
        owned_done=milestone(owned, "Rapat awal", date(2026, 3, 1), done_on=date(2026, 2, 27)),
        team=milestone(team, "Rute pertama", date(2026, 5, 1)),
        responsible=milestone(foreign, "Data parkir", date(2026, 6, 1), responsible=me),
        unit_only=milestone(unit_only, "Pelatihan kader", date(2026, 7, 1)),
        foreign=milestone(foreign, "Tarif", date(2026, 8, 1)),
        archived=milestone(archived, "Tidak lagi", date(2026, 9, 1)),
    )
    db.session.commit()
    return SimpleNamespace(me=me, colleague=colleague, outsider=outsider, ms=ms, owned=owned)


def feed_path(token, which):
    return f"/calendar/{token}/{which}.ics"


def token_of(user):
    db.session.refresh(user)
    return user.calendar_token


def parse(response):
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def events(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def uid(milestone):
    return f"milestone-{milestone.id}@quickwin.example.go.id"


def test_the_page_makes_a_token_and_shows_both_urls(city, auth, client):
    assert city.me.calendar_token is None
    auth.login(city.me)
    html = client.get("/calendar").get_data(as_text=True)
    token = token_of(city.me)
    assert token and len(token) >= 40
    assert f'value="{BASE}/calendar/{token}/mine.ics"' in html
    assert f'value="{BASE}/calendar/{token}/unit.ics"' in html
    assert f'href="webcal://quickwin.example.go.id/calendar/{token}/mine.ics"' in html
    client.get("/calendar")
    assert token_of(city.me) == token  # the same token on later visits
    account = client.get("/auth/account").get_data(as_text=True)
    assert 'href="/calendar"' in account


def test_my_feed_holds_my_milestones_only(city, auth, client):
    auth.login(city.me)
    client.get("/calendar")
    auth.logout()  # calendar apps cannot sign in
    cal = parse(client.get(feed_path(token_of(city.me), "mine")))
    found = events(cal)
    ms = city.ms
    assert set(found) == {uid(ms.owned), uid(ms.owned_done), uid(ms.team), uid(ms.responsible)}
    assert str(cal["X-WR-CALNAME"]).startswith("Quick-Win")
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Makassar"
    event = found[uid(ms.owned)]
    assert event.decoded("DTSTART") == date(2026, 4, 1)
    assert event["DTSTART"].params.get("VALUE") == "DATE"
    assert str(event["SUMMARY"]) == "Uji coba · Antrean online"
    assert f"{BASE}/initiatives/{city.owned.id}" in str(event["DESCRIPTION"])
    assert event.decoded("DTSTAMP").tzinfo is not None
    assert str(found[uid(ms.owned_done)]["SUMMARY"]).startswith("✔ Rapat awal")
    assert not str(event["SUMMARY"]).startswith("✔")


def test_the_unit_feed_holds_the_units_non_archived_milestones(city, auth, client):
    auth.login(city.me)
    client.get("/calendar")
    cal = parse(client.get(feed_path(token_of(city.me), "unit")))
    ms = city.ms
    assert set(events(cal)) == {uid(ms.owned), uid(ms.owned_done), uid(ms.unit_only)}
    assert "DINKES" in str(cal["X-WR-CALNAME"])


def test_uids_are_stable(city, auth, client):
    auth.login(city.me)
    client.get("/calendar")
    path = feed_path(token_of(city.me), "mine")
    first = events(parse(client.get(path)))
    city.ms.owned.title = "Uji coba diperluas"
    db.session.commit()
    second = events(parse(client.get(path)))
    assert set(second) == set(first)
    assert str(second[uid(city.ms.owned)]["SUMMARY"]).startswith("Uji coba diperluas")


def test_reset_revokes_the_old_urls(city, auth, client):
    auth.login(city.me)
    client.get("/calendar")
    old = token_of(city.me)
    response = client.post("/calendar/reset")
    assert response.status_code == 303 and response.headers["Location"].endswith("/calendar")
    new = token_of(city.me)
    assert new and new != old
    for which in ("mine", "unit"):
        assert client.get(feed_path(old, which)).status_code == 404
        assert client.get(feed_path(new, which)).status_code == 200
    assert new in client.get("/calendar").get_data(as_text=True)


def test_unknown_tokens_and_inactive_users_get_404(city, auth, client):
    assert client.get(feed_path("not-a-token", "mine")).status_code == 404
    assert client.get(feed_path("x" * 100, "unit")).status_code == 404
    auth.login(city.me)
    client.get("/calendar")
    token = token_of(city.me)
    auth.logout()
    db.session.get(User, city.me.id).active = False
    db.session.commit()
    assert client.get(feed_path(token, "mine")).status_code == 404


def test_without_a_unit_the_unit_feed_is_empty(make_user, auth, client):
    reviewer = make_user("reviewer")
    auth.login(reviewer)
    html = client.get("/calendar").get_data(as_text=True)
    assert "unit.ics" not in html
    cal = parse(client.get(feed_path(token_of(reviewer), "unit")))
    assert events(cal) == {}


def test_the_page_and_reset_need_a_sign_in(client):
    assert client.get("/calendar").status_code == 302
    assert client.post("/calendar/reset").status_code == 302
