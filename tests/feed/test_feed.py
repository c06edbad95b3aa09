"""The city's activity feed: the whole trail, newest first, filtered through the URL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from quickwin_tracker.domain import activity
from quickwin_tracker.extensions import db
from quickwin_tracker.feed.services import PER_PAGE
from quickwin_tracker.models import Activity

# The city is on WITA (UTC+8): 2026-03-01 16:00 UTC is midnight on 2 March, local time.
MIDNIGHT_2_MARCH = datetime(2026, 3, 1, 16, 0, tzinfo=UTC)


@pytest.fixture
def city(make_unit, make_user, make_initiative):
    dinkes, dishub = make_unit("DINKES"), make_unit("DISHUB")
    staff = make_user("staff", dinkes, name="Staf Dinkes")
    driver = make_user("staff", dishub, name="Staf Dishub")
    health = make_initiative(dinkes, dimension="living", title="Antrean online puskesmas")
    transport = make_initiative(dishub, dimension="environment", title="Bus listrik")
    return SimpleNamespace(staff=staff, driver=driver, health=health, transport=transport)


def record(actor, verb, initiative, when, **data):
    entry = activity.record(actor, verb, initiative, now=when, **data)
    db.session.commit()
    return entry


@pytest.fixture
def trail(city):
    return SimpleNamespace(
        late_1_march=record(city.staff, "created", city.health,
                            MIDNIGHT_2_MARCH - timedelta(minutes=1)),
        early_2_march=record(city.driver, "created", city.transport,
                             MIDNIGHT_2_MARCH + timedelta(minutes=1)),
        end_of_2_march=record(city.staff, "archived", city.health,
                              MIDNIGHT_2_MARCH + timedelta(hours=23, minutes=59)),
        on_3_march=record(city.driver, "archived", city.transport,
                          MIDNIGHT_2_MARCH + timedelta(days=1)),
    )


def ids_in(html):
    import re

    return [int(i) for i in re.findall(r'<li id="activity-(\d+)"', html)]


def test_the_whole_city_newest_first_with_actor_sentence_and_link(city, trail, auth, client):
    auth.login(city.staff)
    response = client.get("/activity")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ids_in(html) == [trail.on_3_march.id, trail.end_of_2_march.id, trail.early_2_march.id,
                            trail.late_1_march.id]
    assert f'href="/initiatives/{city.transport.id}"' in html and "Bus listrik" in html
    assert "Staf Dishub" in html and "(DISHUB)" in html
    assert 'id="feed-filters"' in html and 'data-hx-target="#feed-results"' in html
    assert 'aria-current="page"' in html and 'href="/activity"' in html


@pytest.mark.parametrize("query, expected", [
    ("unit=DINKES", ["end_of_2_march", "late_1_march"]),
    ("unit=dishub", ["on_3_march", "early_2_march"]),
    ("dimension=environment", ["on_3_march", "early_2_march"]),
    ("dimension=living&unit=DISHUB", []),
    ("from=2026-03-02", ["on_3_march", "end_of_2_march", "early_2_march"]),
    ("to=2026-03-02", ["end_of_2_march", "early_2_march", "late_1_march"]),
    ("from=2026-03-02&to=2026-03-02", ["end_of_2_march", "early_2_march"]),
    ("from=2026-03-01&to=2026-03-01", ["late_1_march"]),
    ("unit=NOPE", []),
])
def test_filters(city, trail, auth, client, query, expected):
    auth.login(city.staff)
    html = client.get(f"/activity?{query}").get_data(as_text=True)
    assert ids_in(html) == [getattr(trail, name).id for name in expected]


def test_filter_by_user(city, trail, auth, client):
    auth.login(city.staff)
    html = client.get(f"/activity?user={city.driver.id}").get_data(as_text=True)
    assert ids_in(html) == [trail.on_3_march.id, trail.early_2_march.id]
    assert f'<option value="{city.driver.id}" selected>' in html


@pytest.mark.parametrize("query", [
    "user=abc", "from=2026-13-01", "to=kemarin", "from=2026-03-03&to=2026-03-02",
    "from=0001-01-01", "to=9999-12-31",
])
def test_bad_filters_answer_400_with_a_reason(city, auth, client, query):
    auth.login(city.staff)
    response = client.get(f"/activity?{query}")
    assert response.status_code == 400
    assert 'class="error-reason"' in response.get_data(as_text=True)


def test_htmx_gets_the_results_alone(city, trail, auth, client, hx):
    auth.login(city.staff)
    response = client.get("/activity?unit=DINKES", headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="feed-results">') and 'id="feed-filters"' not in html
    assert ids_in(html) == [trail.end_of_2_march.id, trail.late_1_march.id]
    assert "HX-Request" in response.headers["Vary"]


def bulk(city, n, start):
    db.session.execute(sa.insert(Activity), [
        {"initiative_id": (city.health if i % 2 else city.transport).id,
         "actor_id": (city.staff if i % 3 else city.driver).id, "verb": "reordered",
         "data": {"stage": "proposed", "position": i}, "created_at": start + timedelta(minutes=i)}
        for i in range(n)
    ])
    db.session.commit()


def test_pagination_keeps_the_filters(city, auth, client, hx):
    bulk(city, PER_PAGE * 2 + 10, MIDNIGHT_2_MARCH)
    auth.login(city.staff)
    first = client.get("/activity?unit=DINKES").get_data(as_text=True)
    assert len(ids_in(first)) == PER_PAGE
    assert "/activity?page=2&amp;unit=DINKES" in first
    second = client.get("/activity?page=2&unit=DINKES", headers=hx).get_data(as_text=True)
    assert len(ids_in(second)) == 5  # 55 DINKES entries in all (the odd-numbered ones)
    assert not set(ids_in(first)) & set(ids_in(second))
    assert "page=3" not in second
    assert len(ids_in(client.get("/activity?page=99").get_data(as_text=True))) == 0


@pytest.mark.parametrize("headers", [{}, {"HX-Request": "true"}])
def test_query_count_does_not_grow_with_the_page(city, auth, client, count_queries, headers):
    auth.login(city.staff)
    bulk(city, 5, MIDNIGHT_2_MARCH)
    with count_queries() as few:
        assert client.get("/activity", headers=headers).status_code == 200
    bulk(city, 45, MIDNIGHT_2_MARCH + timedelta(hours=1))
    with count_queries() as many:
        html = client.get("/activity?unit=DINKES&dimension=living&from=2026-03-01",
                          headers=headers).get_data(as_text=True)
    assert len(ids_in(html)) == 2 + 22  # the odd-numbered rows are DINKES's
    assert few.count == many.count, many.statements
    assert many.count <= 8, many.statements


def test_the_feed_is_read_only_and_needs_a_sign_in(city, trail, auth, client):
    assert client.get("/activity").status_code == 302
    auth.login(city.staff)
    for method in ("post", "put", "patch", "delete"):
        assert getattr(client, method)("/activity").status_code == 405
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Activity)) == 4


def test_numbers_beyond_any_id_or_page_are_not_a_500(city, trail, auth, client):
    """Regression (tests/web/test_fuzz.py): ``user`` and ``page`` past the database's integers."""
    auth.login(city.staff)
    assert client.get("/activity?user=" + "9" * 40).status_code == 400
    assert client.get("/activity?page=" + "9" * 40).status_code == 200
