"""Issue 12, item 7: saved views. A person names the board's current filters, finds them listed
beside the filters as links, and deletes them; only their own (404 for anyone else's)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from quickwin_tracker.board.saved import MAX_VIEWS
from quickwin_tracker.extensions import db
from quickwin_tracker.models import SavedView
from tests.html_forms import forms_in, page_headers
from tests.web.test_forms_roundtrip import snapshot

pytestmark = pytest.mark.usefixtures("team_in_english")


def views_of(user) -> list[tuple[str, str]]:
    db.session.expire_all()
    return [(v.name, v.query) for v in db.session.scalars(
        sa.select(SavedView).where(SavedView.user_id == user.id).order_by(SavedView.id))]


def save(client, name: str, headers=None, **filters):
    return client.post("/board/views", data={"name": name, **filters}, headers=headers or {})


def save_form(html: str, url: str = "/board/"):
    return next(f for f in forms_in(html, url) if f.action == "/board/views")


def test_saving_listing_and_opening_a_view(team, auth, client, make_initiative):
    make_initiative(team.unit, stage="approved")
    auth.login(team.staff)
    response = save(client, "  Dinkes,   at risk ", unit="DINKES", status="at_risk",
                    invented="x")
    assert response.status_code == 303
    assert response.location.endswith("/board/?unit=DINKES&status=at_risk")
    # Spaces tidied; only filters the board understands are kept.
    assert views_of(team.staff) == [("Dinkes, at risk", "unit=DINKES&status=at_risk")]
    html = client.get("/board/?unit=DINKES&status=at_risk").get_data(as_text=True)
    assert 'View “Dinkes, at risk” kept.' in html  # the flash
    link = '<a href="/board/?unit=DINKES&amp;status=at_risk" aria-current="page">Dinkes, at risk</a>'
    assert link in html
    other = client.get("/board/").get_data(as_text=True)
    assert 'href="/board/?unit=DINKES&amp;status=at_risk">Dinkes, at risk</a>' in other
    assert client.get("/board/?unit=DINKES&status=at_risk").status_code == 200


def test_a_view_keeps_the_filters_the_board_showed(team, auth, client):
    """The board's filters are resolved for the reader: without a unit the view keeps the one
    their scope showed, so it opens the same cards later whatever their scope by then."""
    auth.login(team.staff)
    assert save(client, "Mine", q="antre").status_code == 303
    auth.logout()
    auth.login(team.reviewer)
    assert save(client, "City", status="off_track").status_code == 303
    assert views_of(team.staff) == [("Mine", "unit=DINKES&q=antre")]
    assert views_of(team.reviewer) == [("City", "unit=all&status=off_track")]


def test_the_save_form_as_rendered_holds_the_boards_filters(team, auth, client, hx):
    auth.login(team.staff)
    html = client.get("/board/?status=at_risk&q=antre").get_data(as_text=True)
    form = save_form(html)
    fields = dict(form.entries()[0])
    assert fields["unit"] == "DINKES" and fields["status"] == "at_risk" and fields["q"] == "antre"
    # The panel refreshes itself from the filter form (as the export links do).
    panel = client.get("/board/views?unit=all&dimension=living", headers=hx).get_data(as_text=True)
    fields = dict(save_form(panel, "/board/views").entries()[0])
    assert fields["unit"] == "all" and fields["dimension"] == "living" and "status" not in fields
    assert panel.lstrip().startswith('<details id="saved-views"')


@pytest.mark.parametrize("name, message", [
    ("", "Give the view a name."),
    ("   ", "Give the view a name."),
    ("x" * 61, "Field cannot be longer than 60 characters."),
])
def test_a_bad_name_is_refused_next_to_the_field(team, auth, client, hx, name, message):
    auth.login(team.staff)
    response = save(client, name, unit="DINKES")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert '<html' in html and f'<p class="error" id="view-name-error">{message}</p>' in html
    fragment = save(client, name, headers=hx, unit="DINKES")
    assert fragment.status_code == 422
    text = fragment.get_data(as_text=True)
    assert "<html" not in text and message in text
    assert views_of(team.staff) == []


def test_sixty_characters_are_enough(team, auth, client):
    auth.login(team.staff)
    assert save(client, "x" * 60).status_code == 303
    assert views_of(team.staff)[0][0] == "x" * 60


def test_names_are_unique_per_person_whatever_their_case(team, auth, client, hx):
    auth.login(team.staff)
    assert save(client, "At risk", status="at_risk").status_code == 303
    response = save(client, "AT RISK", headers=hx, status="off_track")
    assert response.status_code == 422
    assert "You already have a view called “AT RISK”." in response.get_data(as_text=True)
    assert views_of(team.staff) == [("At risk", "unit=DINKES&status=at_risk")]
    auth.logout()
    auth.login(team.manager)  # another person may use the same name
    assert save(client, "at risk").status_code == 303


def test_at_most_thirty_views(team, auth, client):
    db.session.add_all(SavedView(user_id=team.staff.id, name=f"View {i}", query="unit=all")
                       for i in range(MAX_VIEWS))
    db.session.commit()
    auth.login(team.staff)
    response = save(client, "One more")
    assert response.status_code == 422
    assert f"You can keep at most {MAX_VIEWS} views: delete one first." in response.get_data(
        as_text=True)
    assert len(views_of(team.staff)) == MAX_VIEWS


def test_a_bad_filter_is_a_400_with_its_reason(team, auth, client):
    auth.login(team.staff)
    response = save(client, "Broken", status="nope")
    assert response.status_code == 400 and b"Unknown status filter." in response.data
    assert views_of(team.staff) == []


def test_filters_too_long_to_keep_are_refused_with_a_reason(team, auth, client):
    auth.login(team.staff)
    response = save(client, "Long", q="é" * 200)  # 1,200 characters once in a URL
    assert response.status_code == 422
    assert "These filters are too long to keep" in response.get_data(as_text=True)


def test_deleting_ones_own_view(team, auth, client, hx):
    auth.login(team.staff)
    save(client, "First", status="at_risk")
    save(client, "Second", status="off_track")
    html = client.get("/board/?unit=all").get_data(as_text=True)
    deletes = [f for f in forms_in(html, "/board/") if f.action.endswith("/delete")]
    assert len(deletes) == 2 and all(f.is_action_button for f in deletes)
    first = deletes[0].submission()
    response = client.post(first.url, data=first.data())
    assert response.status_code == 303 and response.location.endswith("/board/?unit=all")
    assert [n for n, _ in views_of(team.staff)] == ["Second"]
    # With htmx: the panel again, with what happened.
    html = client.get("/board/").get_data(as_text=True)
    second = next(f for f in forms_in(html, "/board/") if f.action.endswith("/delete"))
    sub = second.submission(htmx=True, page_headers=page_headers(html))
    fragment = client.post(sub.url, data=sub.data(), headers=sub.headers)
    assert fragment.status_code == 200
    text = fragment.get_data(as_text=True)
    assert "View “Second” deleted." in text and "<html" not in text
    assert views_of(team.staff) == []


def test_someone_elses_view_is_not_found(team, auth, client):
    theirs = SavedView(user_id=team.manager.id, name="Rahasia kepala", query="unit=DINKES")
    db.session.add(theirs)
    db.session.commit()
    auth.login(team.staff)
    assert client.post(f"/board/views/{theirs.id}/delete").status_code == 404
    assert client.post("/board/views/999999/delete").status_code == 404
    assert views_of(team.manager) == [("Rahasia kepala", "unit=DINKES")]
    assert "Rahasia kepala" not in client.get("/board/").get_data(as_text=True)  # nor listed


def test_saving_needs_a_sign_in(client):
    response = client.post("/board/views", data={"name": "x"})
    assert response.status_code in (302, 303, 401)


def test_saving_with_htmx_answers_with_the_panel(team, auth, client, hx):
    auth.login(team.staff)
    response = save(client, "Quick", headers=hx, unit="DINKES", mine="1")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert text.lstrip().startswith('<details id="saved-views"')
    assert "View “Quick” kept." in text
    assert 'href="/board/?unit=DINKES&amp;mine=1" aria-current="page">Quick</a>' in text


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_forms_as_rendered_with_csrf_on(team, auth, client, app_config):
    """Render, submit: unchanged, the save form is refused next to its field and changes nothing;
    with a name it saves; the scope and delete forms are button-only actions that work as sent."""
    form_page = client.get("/auth/login").get_data(as_text=True)
    login = dict(forms_in(form_page, "/auth/login")[0].entries()[0])
    login.update(email=team.staff.email, password="correct-horse-battery")
    assert client.post("/auth/login", data=login).status_code == 303

    html = client.get("/board/").get_data(as_text=True)
    form = save_form(html)
    assert not form.is_action_button
    for submission in (form.submission(), form.submission(htmx=True, page_headers=page_headers(html))):
        before = snapshot()
        response = client.post(submission.url, data=submission.data(), headers=submission.headers)
        assert response.status_code == 422
        assert snapshot() == before
    named = {n: "Dinkes" if n == "name" else v for n, v in form.submission().fields}
    assert client.post("/board/views", data=named).status_code == 303
    assert views_of(team.staff) == [("Dinkes", "unit=DINKES")]
    # A post without the token is refused.
    assert client.post("/board/views", data={"name": "No token"}).status_code == 400

    html = client.get("/board/").get_data(as_text=True)
    delete = next(f for f in forms_in(html, "/board/") if f.action.endswith("/delete"))
    assert client.post(delete.action, data=delete.submission().data()).status_code == 303
    scope = next(f for f in forms_in(html, "/board/") if f.action == "/board/scope")
    assert client.post(scope.action, data=scope.submission().data()).status_code == 303
    assert views_of(team.staff) == []
