"""Issue 15 items 1 and 2: the API at /api/v1 answers with the web's rules, through the web's
services, as the bearer token's owner; errors are problem+json with the web's reasons."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.domain.clock import local_today, utcnow
from quickwin_tracker.extensions import db
from quickwin_tracker.models import (
    AccessToken,
    Activity,
    Comment,
    Indicator,
    Initiative,
    Measurement,
    ProgressUpdate,
    Tag,
    TokenScope,
)
from quickwin_tracker.tokens import services as tokens
from tests.api.conftest import bearer

PROBLEM = "application/problem+json"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def activity_count() -> int:
    return count(Activity)


# --------------------------------------------------------------------------- tokens


def test_no_token_is_401_with_a_bearer_challenge(client, team):
    response = client.get("/api/v1/initiatives", headers={"Accept-Language": "en"})
    assert response.status_code == 401
    assert response.mimetype == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json(force=True)
    assert body["status"] == 401 and body["type"] == "about:blank" and "Bearer" in body["detail"]


def test_a_session_cookie_opens_nothing_on_the_api(auth, team):
    """The API ignores browser sessions: signed in on the web, still 401 without a token."""
    client = auth.sign_in(team.staff)
    assert client.get("/board/").status_code == 200
    response = client.get("/api/v1/initiatives")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("change, reason", [
    ("revoke", "This access token has been revoked."),
    ("expire", "This access token has expired. Make a new one on your account page."),
    ("deactivate", "The account this access token belongs to is not active."),
])
def test_a_revoked_expired_or_inactive_token_is_refused(client, team, make_token, change, reason):
    secret = make_token(team.staff)
    headers = bearer(secret, **{"Accept-Language": "en"})
    assert client.get("/api/v1/users/me", headers=headers).status_code == 200
    token = db.session.scalar(sa.select(AccessToken))
    if change == "revoke":
        tokens.revoke(token, team.admin)
    elif change == "expire":
        token.expires_at = utcnow() - timedelta(seconds=1)
    else:
        team.staff.active = False
    db.session.commit()
    response = client.get("/api/v1/users/me", headers=headers)
    assert response.status_code == 401
    assert response.get_json(force=True)["detail"] == reason
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_expiring_today_works_until_the_end_of_the_day(client, team, make_token):
    secret = make_token(team.staff, expires_on=local_today())
    assert client.get("/api/v1/users/me", headers=bearer(secret)).get_json()["id"] == team.staff.id


def test_a_malformed_token_is_refused_in_indonesian_by_default(client, team):
    response = client.get("/api/v1/initiatives", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    from tests.conftest import t

    assert response.get_json(force=True)["detail"] == t(
        "The access token is not in the right form: it starts with \"qwt_\".")
    assert response.get_json(force=True)["detail"] != (
        "The access token is not in the right form: it starts with \"qwt_\".")


def test_throttled_tokens_get_429_with_retry_after(app, client, team, make_token):
    app.config["API_RATE_LIMIT"] = 2
    headers = bearer(make_token(team.staff))
    assert [client.get("/api/v1/users/me", headers=headers).status_code
            for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/users/me", headers=headers)
    assert response.status_code == 429 and response.mimetype == PROBLEM
    assert 1 <= int(response.headers["Retry-After"]) <= 60


def test_a_read_only_token_reads_but_writes_nothing(api, team, make_initiative):
    initiative = make_initiative(unit=team.unit)
    call = api(team.staff, TokenScope.READ)
    read = call("GET", f"/api/v1/initiatives/{initiative.id}")
    assert read.status_code == 200
    before = activity_count()
    response = call("PATCH", f"/api/v1/initiatives/{initiative.id}", json={"title": "Changed"},
                    headers={"If-Match": read.headers["ETag"]})
    assert response.status_code == 403 and response.mimetype == PROBLEM
    assert response.get_json(force=True)["detail"] == (
        "This access token is read only; this request changes data.")
    response = call("POST", f"/api/v1/initiatives/{initiative.id}/comments", json={"body": "hi"})
    assert response.status_code == 403
    assert db.session.get(Initiative, initiative.id).title != "Changed"
    assert count(Comment) == 0 and activity_count() == before


def test_the_api_needs_no_csrf_token(app, api, team, make_initiative):
    """Bearer tokens only: CSRF protection (on for the web) does not apply to /api."""
    app.config["WTF_CSRF_ENABLED"] = True
    initiative = make_initiative(unit=team.unit)
    call = api(team.staff)
    response = call("POST", f"/api/v1/initiatives/{initiative.id}/comments",
                    json={"body": "Lewat API"})
    assert response.status_code == 201, response.data
    # ... while the web still asks for it.
    assert app.test_client().post("/auth/login", data={"email": "x", "password": "y"}
                                  ).status_code == 400


# --------------------------------------------------------------------------- initiatives


def test_list_filters_and_link_headers(api, team, make_initiative, make_unit):
    other = make_unit("DISDIK", "Dinas Pendidikan")
    mine = [make_initiative(unit=team.unit, title=f"Posyandu {n}") for n in range(5)]
    make_initiative(unit=other, title="Sekolah digital")
    archived = make_initiative(unit=team.unit, title="Arsip lama", archived=True)
    call = api(team.reviewer)
    response = call("GET", "/api/v1/initiatives?unit=DINKES&per_page=2&page=2")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 5 and response.headers["X-Total-Count"] == "5"
    assert [i["id"] for i in body["items"]] == [mine[2].id, mine[3].id]
    links = response.headers["Link"]
    for rel, page in (("first", 1), ("prev", 1), ("next", 3), ("last", 3)):
        assert f'page={page}>; rel="{rel}"' in links
    assert "unit=DINKES" in links and "per_page=2" in links
    assert call("GET", "/api/v1/initiatives?q=sekolah").get_json()["total"] == 1
    assert call("GET", "/api/v1/initiatives?stage=approved").get_json()["total"] == 0
    only_archived = call("GET", "/api/v1/initiatives?archived=true").get_json()
    assert [i["id"] for i in only_archived["items"]] == [archived.id]
    assert only_archived["items"][0]["status"] is None
    on_track = call("GET", "/api/v1/initiatives?status=on_track").get_json()["total"]
    at_risk = call("GET", "/api/v1/initiatives?status=at_risk").get_json()["total"]
    assert on_track + at_risk <= 6
    # The board's own refusal of a bad filter, as a problem.
    bad = call("GET", "/api/v1/initiatives?tag=nonsense")
    assert bad.status_code == 400 and bad.mimetype == PROBLEM
    assert bad.get_json(force=True)["detail"] == "The plan filter must look like “sdg:11.2”."


def test_the_tag_and_owner_filters(api, team, make_initiative):
    tag = Tag(kind="sdg", code="3.8", name="Kesehatan")
    db.session.add(tag)
    tagged = make_initiative(unit=team.unit, owner=team.staff)
    tagged.tags = [tag]
    make_initiative(unit=team.unit)
    db.session.commit()
    call = api(team.staff)
    assert [i["id"] for i in call("GET", "/api/v1/initiatives?tag=sdg:3.8").get_json()["items"]
            ] == [tagged.id]
    owned = call("GET", f"/api/v1/initiatives?owner={team.staff.id}").get_json()["items"]
    assert [i["id"] for i in owned] == [tagged.id]
    assert owned[0]["tags"] == ["sdg:3.8"] and owned[0]["owner"]["name"] == "Staf Dinkes"


def test_create_answers_201_with_location_and_etag(api, team, dimensions):
    call = api(team.staff)
    response = call("POST", "/api/v1/initiatives", json={
        "title": "Antrean online", "benefit": "Warga tidak antre lama.",
        "dimension": "governance", "target_date": (local_today() + timedelta(days=60)).isoformat()})
    assert response.status_code == 201, response.data
    body = response.get_json()
    assert body["unit"] == "DINKES" and body["stage"] == "proposed"
    assert response.headers["ETag"] == f'"{body["version"]}"'
    assert response.headers["Location"].endswith(f"/api/v1/initiatives/{body['id']}")
    assert db.session.get(Initiative, body["id"]).created_by_id == team.staff.id


def test_bad_input_is_a_problem_with_the_web_forms_reasons(api, team):
    call = api(team.staff)
    before = count(Initiative)
    response = call("POST", "/api/v1/initiatives", json={
        "title": "x" * 201, "dimension": "governance", "extra": 1})
    assert response.status_code == 422 and response.mimetype == PROBLEM
    errors = response.get_json(force=True)["errors"]
    assert errors["title"] == ["Field cannot be longer than 200 characters."]
    assert errors["benefit"] == ["This field is required."]
    assert "extra" in errors
    # A service's refusal names its field, with the service's own words.
    response = call("POST", "/api/v1/initiatives", json={
        "title": "Ok", "benefit": "Ok", "dimension": "governance", "unit": "DISHUB"})
    assert response.status_code == 403
    assert response.get_json(force=True)["errors"] == {
        "unit": ["You can only add initiatives for your own unit."]}
    # A past target date needs the form's confirmation.
    past = (local_today() - timedelta(days=3)).isoformat()
    response = call("POST", "/api/v1/initiatives", json={
        "title": "Ok", "benefit": "Ok", "dimension": "governance", "target_date": past})
    assert response.status_code == 422
    assert response.get_json(force=True)["errors"]["target_date"] == [
        "This date is in the past. Check the date, or confirm below that it is right."]
    # An implausible date, as the web's date fields say.
    response = call("POST", "/api/v1/initiatives", json={
        "title": "Ok", "benefit": "Ok", "dimension": "governance", "target_date": "1900-01-01"})
    assert response.status_code == 422
    assert response.get_json(force=True)["errors"]["target_date"][0].startswith(
        "Enter a date between")
    # Malformed JSON: 400, not 500.
    response = call("POST", "/api/v1/initiatives", data="{", content_type="application/json")
    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert count(Initiative) == before


def test_problems_are_translated_by_accept_language(api, team):
    from flask_babel import force_locale, gettext

    call = api(team.staff, language="id")
    response = call("POST", "/api/v1/initiatives", json={"title": "Ok", "dimension": "governance"})
    with force_locale("id"):
        required = gettext("This field is required.")
    assert required != "This field is required."
    assert response.get_json(force=True)["errors"]["benefit"] == [required]
    english = call("POST", "/api/v1/initiatives", json={"title": "Ok", "dimension": "governance"},
                   headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.get_json(force=True)["errors"]["benefit"] == ["This field is required."]
    assert {"Accept-Language", "Authorization"} <= set(english.vary)


def test_edit_needs_if_match_and_a_stale_one_changes_nothing(api, team, make_initiative):
    initiative = make_initiative(unit=team.unit, title="Lama")
    call = api(team.staff)
    etag = call("GET", f"/api/v1/initiatives/{initiative.id}").headers["ETag"]
    assert etag == f'"{initiative.version}"'
    missing = call("PATCH", f"/api/v1/initiatives/{initiative.id}", json={"title": "Baru"})
    assert missing.status_code == 428 and missing.mimetype == PROBLEM
    done = call("PATCH", f"/api/v1/initiatives/{initiative.id}", json={"title": "Baru"},
                headers={"If-Match": etag})
    assert done.status_code == 200 and done.get_json()["title"] == "Baru"
    assert done.headers["ETag"] != etag
    before = activity_count()
    stale = call("PATCH", f"/api/v1/initiatives/{initiative.id}", json={"title": "Lagi"},
                 headers={"If-Match": etag})
    assert stale.status_code == 412 and stale.mimetype == PROBLEM
    assert stale.headers["ETag"] == done.headers["ETag"]
    db.session.expire_all()
    assert db.session.get(Initiative, initiative.id).title == "Baru"
    assert activity_count() == before
    moved = call("POST", f"/api/v1/initiatives/{initiative.id}/move", json={"stage": "approved"},
                 headers={"If-Match": etag})
    assert moved.status_code == 412
    assert db.session.get(Initiative, initiative.id).stage.code == "proposed"


def test_a_team_member_edits_content_but_not_ownership(api, team, make_initiative, make_user):
    initiative = make_initiative(unit=team.unit)
    initiative.members = [team.outsider]
    db.session.commit()
    call = api(team.outsider)
    etag = call("GET", f"/api/v1/initiatives/{initiative.id}").headers["ETag"]
    refused = call("PATCH", f"/api/v1/initiatives/{initiative.id}",
                   json={"owner_id": team.outsider.id}, headers={"If-Match": etag})
    assert refused.status_code == 403
    assert refused.get_json(force=True)["errors"] == {"owner_id": [
        "Only the owning unit can change the unit, owner, team or archive state of an "
        "initiative."]}
    ok = call("PATCH", f"/api/v1/initiatives/{initiative.id}", json={"benefit": "Lebih jelas."},
              headers={"If-Match": etag})
    assert ok.status_code == 200
    assert call("POST", f"/api/v1/initiatives/{initiative.id}/archive").status_code == 403


def test_a_move_goes_through_the_approval_and_the_gates(api, team, make_initiative):
    initiative = make_initiative(unit=team.unit)
    staff = api(team.staff)
    etag = staff("GET", f"/api/v1/initiatives/{initiative.id}").headers["ETag"]
    refused = staff("POST", f"/api/v1/initiatives/{initiative.id}/move",
                    json={"stage": "approved"}, headers={"If-Match": etag})
    assert refused.status_code == 403
    assert refused.get_json(force=True)["detail"] == (
        "Only the owning unit's head (manager) can approve a proposal.")
    manager = api(team.manager)
    gate = manager("POST", f"/api/v1/initiatives/{initiative.id}/move",
                   json={"stage": "approved"}, headers={"If-Match": etag})
    assert gate.status_code == 422 and gate.mimetype == PROBLEM
    problem = gate.get_json(force=True)
    assert [m["check"] for m in problem["missing"]] == ["has_owner", "has_measurable_indicator"]
    assert "an owner" in problem["detail"]
    assert db.session.get(Initiative, initiative.id).stage.code == "proposed"
    # Meet the gates, then the move is made and recorded.
    initiative.owner = team.staff
    db.session.add(Indicator(initiative=initiative, name="Warga", unit_of_measure="orang",
                             baseline=0, target=100))
    db.session.commit()
    etag = manager("GET", f"/api/v1/initiatives/{initiative.id}").headers["ETag"]  # a new owner
    moved = manager("POST", f"/api/v1/initiatives/{initiative.id}/move",
                    json={"stage": "approved"}, headers={"If-Match": etag})
    assert moved.status_code == 200, moved.data
    assert moved.get_json()["stage"] == "approved"
    assert db.session.scalar(sa.select(Activity.verb).order_by(Activity.id.desc())) == "moved"


def test_archive_and_unarchive(api, team, make_initiative):
    initiative = make_initiative(unit=team.unit)
    call = api(team.staff)
    assert call("POST", f"/api/v1/initiatives/{initiative.id}/archive").get_json()["archived"]
    again = call("POST", f"/api/v1/initiatives/{initiative.id}/archive")
    assert again.status_code == 409
    assert again.get_json(force=True)["detail"] == "This initiative is already archived."
    back = call("POST", f"/api/v1/initiatives/{initiative.id}/unarchive")
    assert back.status_code == 200 and not back.get_json()["archived"]


def test_a_reviewer_reads_everything_and_changes_nothing(api, team, make_initiative):
    initiative = make_initiative(unit=team.unit)
    call = api(team.reviewer)
    etag = call("GET", f"/api/v1/initiatives/{initiative.id}").headers["ETag"]
    response = call("PATCH", f"/api/v1/initiatives/{initiative.id}", json={"title": "x"},
                    headers={"If-Match": etag})
    assert response.status_code == 403
    assert response.get_json(force=True)["detail"] == (
        "Reviewers can read everything but change nothing.")


def test_unknown_ids_are_404_problems(api, team):
    call = api(team.staff)
    for path in ("/api/v1/initiatives/999999", "/api/v1/users/999999", "/api/v1/nothing-here",
                 "/api/v1/initiatives/99999999999"):
        response = call("GET", path)
        assert response.status_code == 404 and response.mimetype == PROBLEM, path


# --------------------------------------------------------------------------- parts


def test_milestones_through_the_api(api, team, make_initiative):
    initiative = make_initiative(unit=team.unit, owner=team.staff)
    call = api(team.staff)
    due = (local_today() + timedelta(days=10)).isoformat()
    made = call("POST", f"/api/v1/initiatives/{initiative.id}/milestones",
                json={"title": "Survei lokasi", "due_date": due})
    assert made.status_code == 201, made.data
    milestone = made.get_json()
    assert milestone["responsible"]["id"] == team.staff.id  # the owner, as the web suggests
    path = f"/api/v1/initiatives/{initiative.id}/milestones/{milestone['id']}"
    assert call("PATCH", path, json={"title": "Survei"}).get_json()["title"] == "Survei"
    assert call("POST", path + "/complete").get_json()["done"] is True
    assert call("POST", path + "/complete").status_code == 409
    assert call("POST", path + "/reopen").get_json()["done"] is False
    listed = call("GET", f"/api/v1/initiatives/{initiative.id}/milestones").get_json()
    assert [m["title"] for m in listed["items"]] == ["Survei"]
    # Another unit's staff may not; a milestone of another initiative is not there.
    outsider = api(team.outsider)
    assert outsider("POST", path + "/complete").status_code == 403
    other = make_initiative(unit=team.unit)
    assert call("POST", f"/api/v1/initiatives/{other.id}/milestones/{milestone['id']}/complete"
                ).status_code == 404


def test_measurements_recorded_and_verified_with_four_eyes(api, team, make_initiative):
    initiative = make_initiative(unit=team.unit)
    indicator = Indicator(initiative=initiative, name="Warga terlayani", unit_of_measure="orang",
                          baseline=0, target=100)
    db.session.add(indicator)
    db.session.commit()
    staff = api(team.staff)
    base = f"/api/v1/initiatives/{initiative.id}"
    assert staff("GET", f"{base}/indicators/{indicator.id}").get_json()["name"] == "Warga terlayani"
    future = (local_today() + timedelta(days=1)).isoformat()
    refused = staff("POST", f"{base}/indicators/{indicator.id}/measurements",
                    json={"value": 5, "measured_on": future})
    assert refused.status_code == 422
    assert refused.get_json(force=True)["errors"] == {
        "measured_on": ["The date of a measurement cannot be in the future."]}
    recorded = staff("POST", f"{base}/indicators/{indicator.id}/measurements",
                     json={"value": 42, "measured_on": local_today().isoformat(),
                           "note": "Data puskesmas"})
    assert recorded.status_code == 201, recorded.data
    measurement = recorded.get_json()
    assert measurement["status"] == "submitted"
    verify = f"{base}/measurements/{measurement['id']}/verify"
    assert staff("POST", verify).get_json(force=True)["detail"] == (
        "Only reviewers verify measurements.")
    no_reason = api(team.reviewer)("POST", f"{base}/measurements/{measurement['id']}/return",
                                   json={"reason": "  "})
    assert no_reason.status_code == 422
    assert no_reason.get_json(force=True)["errors"] == {
        "reason": ["Say why it is returned, so the unit can correct it."]}
    verified = api(team.reviewer)("POST", verify)
    assert verified.status_code == 200 and verified.get_json()["status"] == "verified"
    listed = staff("GET", f"{base}/indicators/{indicator.id}/measurements").get_json()
    assert [m["status"] for m in listed["items"]] == ["verified"]


def test_a_reviewer_does_not_verify_their_own_measurement(api, team, make_initiative):
    initiative = make_initiative(unit=team.unit)
    indicator = Indicator(initiative=initiative, name="X", baseline=0, target=1)
    db.session.add(indicator)
    db.session.flush()
    measurement = Measurement(indicator=indicator, value=1, measured_on=date(2026, 11, 1),
                              recorded_by=team.admin)
    db.session.add(measurement)
    db.session.commit()
    response = api(team.admin)(
        "POST", f"/api/v1/initiatives/{initiative.id}/measurements/{measurement.id}/verify")
    assert response.status_code == 403
    assert response.get_json(force=True)["detail"] == (
        "Nobody reviews their own measurement: another reviewer must.")


def test_comments_updates_and_activity(api, team, make_initiative):
    initiative = make_initiative(unit=team.unit)
    base = f"/api/v1/initiatives/{initiative.id}"
    outsider = api(team.outsider)
    assert outsider("POST", f"{base}/comments", json={"body": "Bagus"}).status_code == 201
    empty = outsider("POST", f"{base}/comments", json={"body": "   "})
    assert empty.status_code == 422 and "body" in empty.get_json(force=True)["errors"]
    refused = outsider("POST", f"{base}/updates", json={"health": "on_track", "moved": "x"})
    assert refused.status_code == 403
    staff = api(team.staff)
    posted = staff("POST", f"{base}/updates", json={"health": "at_risk", "moved": "Uji coba.",
                                                    "link": "ftp://x"})
    assert posted.status_code == 422
    assert posted.get_json(force=True)["errors"] == {"link": [
        "The link must be a web address starting with http:// or https://."]}
    posted = staff("POST", f"{base}/updates", json={"health": "at_risk", "moved": "Uji coba."})
    assert posted.status_code == 201
    assert count(ProgressUpdate) == 1 and count(Comment) == 1
    trail = staff("GET", f"{base}/activity").get_json()
    assert [a["verb"] for a in trail["items"]] == ["update_posted", "commented"]
    assert all(a["text"] for a in trail["items"])
    city = staff("GET", "/api/v1/activity?unit=DINKES").get_json()
    assert city["total"] == 2
    assert staff("GET", "/api/v1/activity?unit=DISHUB").get_json()["total"] == 0


def test_the_summary_is_for_those_who_may_read_it(api, team, make_initiative):
    make_initiative(unit=team.unit)
    assert api(team.staff)("GET", "/api/v1/summary").status_code == 403
    manager = api(team.manager)("GET", "/api/v1/summary").get_json()
    assert manager["unit"] == "DINKES"
    city = api(team.reviewer)("GET", "/api/v1/summary?period=year").get_json()
    assert city["unit"] is None and city["period"]["kind"] == "year"
    assert sum(cell["initiatives"] for cell in city["matrix"]) == 1
    bad = api(team.reviewer)("GET", "/api/v1/summary?period=custom&start=2026-05-01&end=x")
    assert bad.status_code == 400
    assert bad.get_json(force=True)["detail"] == "Custom dates must be given as YYYY-MM-DD."


def test_nul_bytes_in_a_body_are_a_400_not_a_500(api, team, make_initiative):
    initiative = make_initiative(unit=team.unit)
    response = api(team.staff)("POST", f"/api/v1/initiatives/{initiative.id}/comments",
                               json={"body": "a\x00b"})
    assert response.status_code == 400 and response.mimetype == PROBLEM
    assert count(Comment) == 0


def test_the_list_costs_the_same_queries_at_5_and_40_initiatives(api, team, make_initiative,
                                                                 count_queries, make_user):
    tag = Tag(kind="sdg", code="11.2", name="Transport")
    db.session.add(tag)
    member = make_user("staff")

    def grow(n: int) -> None:
        for _ in range(n):
            initiative = make_initiative(unit=team.unit, owner=team.staff)
            initiative.members = [member]
            initiative.tags = [tag]
        db.session.commit()

    call = api(team.reviewer)
    counts = []
    for n in (5, 35):
        grow(n)
        call("GET", "/api/v1/initiatives?per_page=100")  # the kept statuses, refreshed
        with count_queries() as counter:
            response = call("GET", "/api/v1/initiatives?per_page=100")
        assert response.status_code == 200
        counts.append(counter.count)
    assert response.get_json()["total"] == 40
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("change, field", [
    ({"measured_on": "FUTURE"}, "measured_on"),  # the service's refusal
    ({"value": None}, "value"),  # WTForms' InputRequired / the schema's "required"
    ({"note": "x" * 2001}, "note"),  # WTForms' Length(max=2000)
])
def test_the_api_and_the_web_form_refuse_bad_input_in_the_same_words(auth, api, team,
                                                                      make_initiative, change,
                                                                      field):
    """The same bad measurement, through the web's form and through the API (both in
    Indonesian, the default): the same reason next to the same field."""
    import re

    initiative = make_initiative(unit=team.unit)
    indicator = Indicator(initiative=initiative, name="Warga", baseline=0, target=10)
    db.session.add(indicator)
    db.session.commit()
    values = {"value": 3, "measured_on": local_today().isoformat(), "note": ""}
    values.update({k: (local_today() + timedelta(days=1)).isoformat() if v == "FUTURE" else v
                   for k, v in change.items()})
    prefix = f"measurement-{indicator.id}"
    web = auth.sign_in(team.staff).post(
        f"/initiatives/{initiative.id}/indicators/{indicator.id}/measurements",
        data={f"{prefix}-{k}": "" if v is None else str(v) for k, v in values.items()})
    assert web.status_code == 422
    shown = re.search(rf'id="{prefix}-{field}-error">\s*([^<]*?)\s*<', web.get_data(as_text=True))
    assert shown, web.get_data(as_text=True)[:500]
    body = {k: v for k, v in values.items() if v is not None}
    answer = api(team.staff, language="id")(
        "POST", f"/api/v1/initiatives/{initiative.id}/indicators/{indicator.id}/measurements",
        json=body)
    assert answer.status_code == 422
    assert answer.get_json(force=True)["errors"][field] == [shown.group(1)]
    assert count(Measurement) == 0


def test_a_move_within_its_cell_places_the_card_as_a_drag_does(api, team, make_initiative):
    first = make_initiative(unit=team.unit)
    second = make_initiative(unit=team.unit)
    call = api(team.staff)
    etag = call("GET", f"/api/v1/initiatives/{second.id}").headers["ETag"]
    elsewhere = call("POST", f"/api/v1/initiatives/{second.id}/move",
                     json={"stage": "proposed", "after": 2**31 - 1}, headers={"If-Match": etag})
    assert elsewhere.status_code == 422
    assert elsewhere.get_json(force=True)["errors"] == {"after": ["Not a valid choice."]}
    top = call("POST", f"/api/v1/initiatives/{second.id}/move",
               json={"stage": "proposed", "after": None}, headers={"If-Match": etag})
    assert top.status_code == 200, top.data
    listed = call("GET", "/api/v1/initiatives?stage=proposed").get_json()["items"]
    assert [i["id"] for i in listed] == [second.id, first.id]
    assert db.session.scalar(sa.select(Activity.verb).order_by(Activity.id.desc())) == "reordered"


def test_out_of_range_and_unknown_choices_in_the_web_forms_words(api, team, make_initiative):
    call = api(team.staff)
    too_many = call("GET", "/api/v1/initiatives?per_page=1000")
    assert too_many.status_code == 422
    assert too_many.get_json(force=True)["errors"] == {
        "per_page": ["Number must be between 1 and 100."]}
    status = call("GET", "/api/v1/initiatives?status=great")
    assert status.get_json(force=True)["errors"] == {"status": ["Not a valid choice."]}
    initiative = make_initiative(unit=team.unit)
    health = call("POST", f"/api/v1/initiatives/{initiative.id}/updates",
                  json={"health": "fine", "moved": "x"})
    assert health.get_json(force=True)["errors"] == {"health": ["Not a valid choice."]}
    # The document still says the bounds and the choices.
    document = call("GET", "/api/v1/openapi.json").get_json()
    params = {p["name"]: p["schema"] for p in
              document["paths"]["/api/v1/initiatives"]["get"]["parameters"]}
    assert params["per_page"]["maximum"] == 100 and "at_risk" in params["status"]["enum"]
