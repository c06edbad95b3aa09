"""Milestones: the services (rules, the order by due date, one Activity per change, the city's
days) and the endpoints, with htmx (the re-rendered section) and without (303 back to the initiative page)."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from quickwin_tracker.domain.activity import describe
from quickwin_tracker.domain.clock import local_today
from quickwin_tracker.domain.errors import Conflict, Forbidden, Invalid
from quickwin_tracker.extensions import db
from quickwin_tracker.lifecycle.status import Status, assess_many, load_facts
from quickwin_tracker.milestones import services
from quickwin_tracker.models import Activity, Milestone

pytestmark = pytest.mark.usefixtures("team_in_english")


@pytest.fixture
def initiative(team, make_initiative):
    return make_initiative(team.unit, stage="in_progress", owner=team.staff,
                           title="Bus sekolah gratis",
                           target_date=local_today() + timedelta(days=120))


def trail(initiative_id: int) -> list[Activity]:
    db.session.expire_all()
    return list(db.session.scalars(
        sa.select(Activity).where(Activity.initiative_id == initiative_id).order_by(Activity.id)))


def ordered(initiative_id: int) -> list[tuple[str, int]]:
    db.session.expire_all()
    return [(m.title, m.position) for m in db.session.scalars(
        sa.select(Milestone).where(Milestone.initiative_id == initiative_id)
        .order_by(Milestone.position, Milestone.id))]


def add(actor, initiative, title, due=date(2027, 1, 15), responsible=None, **kw):
    milestone = services.add_milestone(actor, initiative, title, due, responsible, **kw)
    db.session.commit()
    return milestone


# --------------------------------------------------------------------------- services


def test_add_appends_at_the_bottom_with_one_activity_each(team, initiative, make_user, make_unit):
    elsewhere = make_user("staff", make_unit("BAPPEDA"), name="Staf Bappeda")
    now = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
    a = add(team.staff, initiative, "  Survei rute  ", now=now)
    b = add(team.staff, initiative, "Kontrak operator", responsible=elsewhere)  # any unit
    assert ordered(initiative.id) == [("Survei rute", 0), ("Kontrak operator", 1)]
    assert b.responsible_id == elsewhere.id and a.created_at == now
    entries = trail(initiative.id)
    assert [e.verb for e in entries] == ["milestone_added", "milestone_added"]
    assert entries[0].data == {"milestone_id": a.id, "title": "Survei rute",
                               "due_date": "2027-01-15", "responsible": None}
    assert entries[0].created_at == now and entries[0].actor_id == team.staff.id
    assert entries[1].data["responsible"] == "Staf Bappeda"


@pytest.mark.parametrize("title, due, field", [
    ("", date(2027, 1, 1), "title"),
    ("   ", date(2027, 1, 1), "title"),
    ("x" * 201, date(2027, 1, 1), "title"),
    ("Survei", None, "due_date"),
])
def test_add_validates(team, initiative, title, due, field):
    with pytest.raises(Invalid) as refused:
        services.add_milestone(team.staff, initiative, title, due, None)
    assert refused.value.field == field
    db.session.rollback()
    assert ordered(initiative.id) == [] and trail(initiative.id) == []


def test_responsible_must_be_an_active_staff_manager_or_admin(team, initiative, make_user):
    gone = make_user("staff", team.unit, active=False)
    reviewer = make_user("reviewer")
    admin = make_user("admin")
    for person in (gone, reviewer):
        with pytest.raises(Invalid) as refused:
            services.add_milestone(team.staff, initiative, "Survei", date(2027, 1, 1), person)
        assert refused.value.field == "responsible"
        db.session.rollback()
    assert add(team.staff, initiative, "Survei", responsible=admin).responsible_id == admin.id


def test_only_editors_may_change_milestones(team, initiative, make_user, make_unit):
    milestone = add(team.staff, initiative, "Survei")
    outsider = make_user("staff", make_unit("DLH"))
    reviewer = make_user("reviewer")
    for actor in (outsider, reviewer):
        for call, args in (
            (services.add_milestone, (initiative, "X", date(2027, 1, 1), None)),
            (services.update_milestone, (milestone, "X", date(2027, 1, 1), None)),
            (services.complete_milestone, (milestone,)),
            (services.delete_milestone, (milestone,)),
        ):
            with pytest.raises(Forbidden):
                call(actor, *args)
            db.session.rollback()
    # a team member from another unit may
    initiative.members.append(outsider)
    db.session.commit()
    services.complete_milestone(outsider, milestone)
    db.session.commit()
    assert len(trail(initiative.id)) == 2


def test_archived_initiative_milestones_are_frozen(team, initiative):
    milestone = add(team.staff, initiative, "Survei")
    initiative.archived = True
    db.session.commit()
    with pytest.raises(Conflict):
        services.complete_milestone(team.staff, milestone)


def test_update_records_old_and_new_and_nothing_when_unchanged(team, initiative, make_user):
    other = make_user("manager", team.unit, name="Kepala Baru")
    milestone = add(team.staff, initiative, "Survei", responsible=team.staff)
    changes = services.update_milestone(team.manager, milestone, "Survei rute",
                                        date(2027, 2, 1), other)
    db.session.commit()
    assert changes == {"title": ["Survei", "Survei rute"],
                       "due_date": ["2027-01-15", "2027-02-01"],
                       "responsible": ["Staf Dinkes", "Kepala Baru"]}
    assert services.update_milestone(team.manager, milestone, "Survei rute",
                                     date(2027, 2, 1), other) == {}
    db.session.commit()
    entries = trail(initiative.id)
    assert [e.verb for e in entries] == ["milestone_added", "milestone_updated"]
    assert entries[1].data["changes"]["title"] == ["Survei", "Survei rute"]
    with force_locale("en"):
        text = describe(entries[1])
    assert "“Survei rute”" in text and "Survei → Survei rute" in text
    assert "Staf Dinkes → Kepala Baru" in text


def test_a_responsible_who_left_can_stay_while_other_fields_change(team, initiative, make_user):
    leaving = make_user("staff", team.unit)
    milestone = add(team.staff, initiative, "Survei", responsible=leaving)
    leaving.active = False
    db.session.commit()
    assert services.update_milestone(team.staff, milestone, "Survei ulang", date(2027, 1, 15),
                                     leaving) == {"title": ["Survei", "Survei ulang"]}


def test_complete_uses_the_citys_date_and_reopen_clears_it(team, initiative):
    milestone = add(team.staff, initiative, "Survei")
    # 16:30 UTC on the 10th is 00:30 WITA on the 11th.
    now = datetime(2026, 12, 10, 16, 30, tzinfo=UTC)
    services.complete_milestone(team.manager, milestone, now=now)
    db.session.commit()
    assert milestone.done_on == date(2026, 12, 11)
    assert milestone.done_by_id == team.manager.id
    with pytest.raises(Conflict):
        services.complete_milestone(team.manager, milestone)
    db.session.rollback()
    services.reopen_milestone(team.staff, milestone)
    db.session.commit()
    assert milestone.done_on is None and milestone.done_by_id is None
    with pytest.raises(Conflict):
        services.reopen_milestone(team.staff, milestone)
    db.session.rollback()
    entries = trail(initiative.id)
    assert [e.verb for e in entries] == ["milestone_added", "milestone_completed",
                                         "milestone_reopened"]
    assert entries[1].data["done_on"] == "2026-12-11"


def test_the_list_is_open_by_due_date_overdue_first_then_done(team, initiative):
    """Open milestones by due date (the overdue ones naturally first), then the done ones by due
    date; milestones due the same day keep the order they were added in (``position``)."""
    today = local_today()
    later = add(team.staff, initiative, "Later", due=today + timedelta(days=30))
    soon = add(team.staff, initiative, "Soon", due=today + timedelta(days=3))
    late = add(team.staff, initiative, "Late", due=today - timedelta(days=2))
    done_early = add(team.staff, initiative, "Done early", due=today - timedelta(days=40))
    same_day = add(team.staff, initiative, "Soon too", due=today + timedelta(days=3))
    very_late = add(team.staff, initiative, "Very late", due=today - timedelta(days=9))
    done_late = add(team.staff, initiative, "Done late", due=today + timedelta(days=60))
    for m in (done_late, done_early):
        services.complete_milestone(team.staff, m)
    db.session.commit()
    rows = services.milestone_rows(initiative, today)
    assert [r.milestone.title for r in rows] == [
        "Very late", "Late", "Soon", "Soon too", "Later", "Done early", "Done late"]
    assert [r.overdue_days for r in rows] == [9, 2, 0, 0, 0, 0, 0]
    assert {later.id, soon.id, late.id, same_day.id, very_late.id} == {
        r.milestone.id for r in rows if not r.milestone.done}


def test_the_page_lists_milestones_in_that_order(team, auth, client, initiative):
    today = local_today()
    add(team.staff, initiative, "Kontrak", due=today + timedelta(days=20))
    add(team.staff, initiative, "Survei", due=today - timedelta(days=1))
    add(team.staff, initiative, "Uji coba", due=today + timedelta(days=5))
    auth.login(team.staff)
    section = section_of(client.get(f"/initiatives/{initiative.id}").get_data(as_text=True))
    titles = re.findall(r'<span class="milestone-title">([^<]+)</span>', section)
    assert titles == ["Survei", "Uji coba", "Kontrak"]


def test_delete_leaves_the_others_in_place(team, initiative):
    a, b, c = (add(team.staff, initiative, t) for t in ("A", "B", "C"))
    services.delete_milestone(team.staff, b)
    db.session.commit()
    assert ordered(initiative.id) == [("A", 0), ("C", 2)]
    entry = trail(initiative.id)[-1]
    assert entry.verb == "milestone_deleted" and entry.data == {"milestone_id": b.id, "title": "B"}
    assert len(trail(initiative.id)) == 4


def test_every_verb_has_a_sentence(team, initiative):
    milestone = add(team.staff, initiative, "Survei")
    add(team.staff, initiative, "Uji coba")
    services.update_milestone(team.staff, milestone, "Survei rute", date(2027, 1, 15), None)
    services.complete_milestone(team.staff, milestone)
    services.reopen_milestone(team.staff, milestone)
    services.delete_milestone(team.staff, milestone)
    db.session.commit()
    with force_locale("en"):
        sentences = [describe(e) for e in trail(initiative.id)]
    assert sentences == [
        "added milestone “Survei”, due Jan 15, 2027",
        "added milestone “Uji coba”, due Jan 15, 2027",
        "edited milestone “Survei rute”: title: Survei → Survei rute",
        "marked milestone “Survei rute” done",
        "reopened milestone “Survei rute”",
        "deleted milestone “Survei rute”",
    ]


def test_reorders_recorded_before_the_list_followed_due_dates_still_read(team, initiative):
    from quickwin_tracker.domain import activity

    entry = activity.record(team.staff, "milestone_reordered", initiative, title="Survei",
                            from_position=1, to_position=2)
    with force_locale("en"):
        assert describe(entry) == "moved milestone “Survei” from place 1 to 2"


# --------------------------------------------------------------------------- overdue, in WITA


def test_overdue_starts_at_midnight_in_balikpapan(team, initiative, stages):
    """Due on D: not overdue at 23:59 WITA on D (15:59 UTC), overdue at 00:00 WITA on D+1
    (16:00 UTC on D)."""
    due = date(2026, 12, 10)
    add(team.staff, initiative, "Serah terima armada", due=due)
    late_evening = local_today(now=datetime(2026, 12, 10, 15, 59, tzinfo=UTC))
    midnight = local_today(now=datetime(2026, 12, 10, 16, 0, tzinfo=UTC))
    assert (late_evening, midnight) == (date(2026, 12, 10), date(2026, 12, 11))

    before = load_facts([initiative], today=late_evening)[initiative.id]
    assert before.overdue == [] and before.next_milestone == ("Serah terima armada", due)
    after = load_facts([initiative], today=midnight)[initiative.id]
    assert after.overdue == [("Serah terima armada", due)] and after.next_milestone is None

    stage_list = list(stages.values())
    assert assess_many([initiative], stage_list, today=late_evening)[initiative.id][0].status \
        == Status.ON_TRACK
    assert assess_many([initiative], stage_list, today=midnight)[initiative.id][0].status \
        == Status.AT_RISK

    # The section's "overdue by N days" uses the same local days.
    assert [r.overdue_days for r in services.milestone_rows(initiative, today=late_evening)] == [0]
    assert services.milestone_rows(initiative, today=late_evening)[0].due_today
    assert [r.overdue_days for r in services.milestone_rows(initiative, today=midnight)] == [1]


def test_done_milestones_are_never_overdue(team, initiative):
    milestone = add(team.staff, initiative, "Survei", due=date(2026, 1, 1))
    services.complete_milestone(team.staff, milestone)
    db.session.commit()
    assert load_facts([initiative])[initiative.id].overdue == []
    assert services.milestone_rows(initiative)[0].overdue_days == 0


# --------------------------------------------------------------------------- HTTP


def form(title="Survei rute", due="2027-01-15", responsible="0", prefix="new"):
    return {f"{prefix}-title": title, f"{prefix}-due_date": due,
            f"{prefix}-responsible": responsible}


def section_of(html: str) -> str:
    return html[html.index('<section id="milestones"'):].split("</section>")[0]


def test_the_initiative_page_shows_the_section_with_controls(team, auth, client, initiative):
    add(team.staff, initiative, "Survei rute", due=local_today() - timedelta(days=3),
        responsible=team.manager)
    auth.login(team.staff)
    html = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    section = section_of(html)
    assert "Survei rute" in section and "Kepala Dinkes" in section
    assert "milestone-overdue" in section and "overdue by 3 days" in section
    assert f'action="/initiatives/{initiative.id}/milestones"' in section
    assert 'name="new-title"' in section and 'name="csrf_token"' in section
    assert 'data-hx-post="/initiatives/' in section
    assert 'data-hx-target="#milestones"' in section and 'data-hx-swap="outerHTML"' in section
    assert "data-hx-confirm=" in section
    # the owner is suggested as responsible
    assert re.search(rf'<option selected value="{team.staff.id}">|'
                     rf'<option value="{team.staff.id}" selected>', section)


def test_htmx_add_answers_with_the_section(team, auth, client, hx, initiative):
    auth.login(team.staff)
    response = client.post(f"/initiatives/{initiative.id}/milestones",
                           data=form(responsible=str(team.manager.id)), headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith("<!--") is False
    assert html.lstrip().startswith('<section id="milestones"')
    assert "Survei rute" in html and "Kepala Dinkes" in html
    assert response.headers["HX-Trigger"] == "initiative-changed"
    assert "HX-Request" in response.headers["Vary"]
    assert [e.verb for e in trail(initiative.id)] == ["milestone_added"]


def test_plain_add_redirects_back_with_a_flash(team, auth, client, initiative):
    auth.login(team.staff)
    response = client.post(f"/initiatives/{initiative.id}/milestones", data=form())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/initiatives/{initiative.id}#milestones")
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "flash-success" in page and "Survei rute" in section_of(page)


@pytest.mark.parametrize("data, field", [
    (form(title=""), "title"),
    (form(due=""), "due_date"),
    (form(due="31-31-2027"), "due_date"),
    (form(responsible="424242"), "responsible"),
    (form(title="x" * 201), "title"),
])
def test_invalid_add_is_422_with_the_message_next_to_the_field(team, auth, client, hx,
                                                               initiative, data, field):
    auth.login(team.staff)
    response = client.post(f"/initiatives/{initiative.id}/milestones", data=data, headers=hx)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.lstrip().startswith('<section id="milestones"')
    assert f'<p class="error" id="new-{field}-error">' in html
    assert re.search(rf'id="new-{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*'
                     rf'id="new-{field}"', html)
    # without JavaScript: the form as a page, still with the message
    plain = client.post(f"/initiatives/{initiative.id}/milestones", data=data)
    page = plain.get_data(as_text=True)
    assert plain.status_code == 422 and "<html" in page
    assert f'id="new-{field}-error"' in page and "data-hx-post" not in page
    assert trail(initiative.id) == []


def test_edit_in_place_and_as_a_page(team, auth, client, hx, initiative):
    milestone = add(team.staff, initiative, "Survei")
    auth.login(team.staff)
    url = f"/initiatives/{initiative.id}/milestones/{milestone.id}/edit"
    row = client.get(url, headers=hx)
    html = row.get_data(as_text=True)
    assert row.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(
        f'<li class="milestone milestone-editing" id="milestone-{milestone.id}"')
    assert f'name="m{milestone.id}-title"' in html and 'value="Survei"' in html
    assert f'data-hx-get="/initiatives/{initiative.id}/milestones"' in html  # cancel
    page = client.get(url)
    page_html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in page_html
    assert f'action="{url}"' in page_html and "data-hx-post" not in page_html

    bad = client.post(url, data=form(title="", prefix=f"m{milestone.id}"), headers=hx)
    assert bad.status_code == 422
    bad_html = bad.get_data(as_text=True)
    assert f'id="m{milestone.id}-title-error"' in bad_html and "milestone-editing" in bad_html
    bad_page = client.post(url, data=form(title="", prefix=f"m{milestone.id}"))
    assert bad_page.status_code == 422 and "<html" in bad_page.get_data(as_text=True)
    assert f'id="m{milestone.id}-title-error"' in bad_page.get_data(as_text=True)

    response = client.post(url, data=form(title="Survei rute", due="2027-02-01",
                                          prefix=f"m{milestone.id}"), headers=hx)
    assert response.status_code == 200
    assert "Survei rute" in response.get_data(as_text=True)
    assert "milestone-editing" not in response.get_data(as_text=True)
    plain = client.post(url, data=form(title="Survei rute 2", due="2027-02-01",
                                       prefix=f"m{milestone.id}"))
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#milestones")
    entries = trail(initiative.id)
    assert [e.verb for e in entries] == ["milestone_added", "milestone_updated",
                                         "milestone_updated"]
    assert entries[1].data["changes"] == {"title": ["Survei", "Survei rute"],
                                          "due_date": ["2027-01-15", "2027-02-01"]}


def test_cancel_edit_returns_the_section_or_the_page(team, auth, client, hx, initiative):
    auth.login(team.staff)
    fragment = client.get(f"/initiatives/{initiative.id}/milestones", headers=hx)
    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="milestones"')
    plain = client.get(f"/initiatives/{initiative.id}/milestones")
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#milestones")


def test_complete_reopen_delete_with_htmx(team, auth, client, hx, initiative):
    a = add(team.staff, initiative, "A", due=local_today() - timedelta(days=1))
    b = add(team.staff, initiative, "B")
    auth.login(team.manager)
    base = f"/initiatives/{initiative.id}/milestones"

    done = client.post(f"{base}/{a.id}/complete", headers=hx)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and "milestone-done" in html
    assert f"done on {local_today().strftime('%b')}" in html and "by Kepala Dinkes" in html
    assert f"{base}/{a.id}/reopen" in html and f"{base}/{a.id}/complete" not in html
    again = client.post(f"{base}/{a.id}/complete", headers=hx)  # a second click
    assert again.status_code == 409 and "already done" in again.get_data(as_text=True)

    reopened = client.post(f"{base}/{a.id}/reopen", headers=hx).get_data(as_text=True)
    assert "overdue by 1 day" in reopened

    assert client.post(f"{base}/{b.id}/move", data={"direction": "up"},
                       headers=hx).status_code == 404  # no manual order any more

    a_id = a.id
    gone = client.post(f"{base}/{a_id}/delete", headers=hx)
    assert gone.status_code == 200 and f'id="milestone-{a_id}"' not in gone.get_data(as_text=True)
    assert ordered(initiative.id) == [("B", 1)]
    assert [e.verb for e in trail(initiative.id)] == [
        "milestone_added", "milestone_added", "milestone_completed", "milestone_reopened",
        "milestone_deleted"]


def test_complete_reopen_delete_without_javascript(team, auth, client, initiative):
    a = add(team.staff, initiative, "A")
    b = add(team.staff, initiative, "B")
    auth.login(team.staff)
    base = f"/initiatives/{initiative.id}/milestones"
    for url, data in ((f"{base}/{a.id}/complete", {}), (f"{base}/{a.id}/reopen", {}),
                      (f"{base}/{b.id}/delete", {})):
        response = client.post(url, data=data)
        assert response.status_code == 303, url
        assert response.headers["Location"].endswith(f"/initiatives/{initiative.id}#milestones")
    assert ordered(initiative.id) == [("A", 0)]
    assert "flash-success" in client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    # a refusal without JavaScript: back to the page with the reason
    refused = client.post(f"{base}/{a.id}/reopen")
    assert refused.status_code == 303
    assert "flash-error" in client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)


def test_other_units_staff_and_reviewers_get_403_and_see_no_controls(
        team, auth, client, hx, initiative, make_user, make_unit):
    milestone = add(team.staff, initiative, "Survei rute")
    base = f"/initiatives/{initiative.id}/milestones"
    for person in (make_user("staff", make_unit("DLH"), locale="en"),
                   make_user("reviewer", locale="en")):
        auth.login(person)
        section = section_of(client.get(f"/initiatives/{initiative.id}").get_data(as_text=True))
        assert "Survei rute" in section
        assert "<form" not in section and "/edit" not in section and "new-title" not in section
        for url in (base, f"{base}/{milestone.id}/edit", f"{base}/{milestone.id}/complete",
                    f"{base}/{milestone.id}/delete"):
            assert client.post(url, data={**form(), "direction": "up"}).status_code == 403, url
            assert client.post(url, data={**form(), "direction": "up"},
                               headers=hx).status_code == 403, url
        assert client.get(f"{base}/{milestone.id}/edit").status_code == 403
        auth.logout()
    assert len(trail(initiative.id)) == 1


def test_milestone_of_another_initiative_is_404(team, auth, client, initiative, make_initiative):
    other = make_initiative(team.unit)
    milestone = add(team.staff, other, "Lain")
    auth.login(team.staff)
    assert client.post(
        f"/initiatives/{initiative.id}/milestones/{milestone.id}/complete").status_code == 404
    assert client.post(f"/initiatives/{initiative.id}/milestones/999999/delete").status_code == 404
    assert client.post("/initiatives/999999/milestones", data=form()).status_code == 404


def test_archived_initiative_shows_milestones_without_controls(team, auth, client, initiative):
    add(team.staff, initiative, "Survei rute")
    initiative.archived = True
    db.session.commit()
    auth.login(team.staff)
    section = section_of(client.get(f"/initiatives/{initiative.id}").get_data(as_text=True))
    assert "Survei rute" in section and "<form" not in section


def test_titles_are_escaped(team, auth, client, initiative):
    add(team.staff, initiative, '<script>alert("x")</script>')
    auth.login(team.staff)
    html = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_the_plain_forms_carry_a_csrf_token(team, client, initiative, app_config):
    from tests.conftest import PASSWORD

    milestone = add(team.staff, initiative, "Survei")
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/auth/login", data={"email": team.staff.email, "password": PASSWORD,
                                     "csrf_token": token})
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    url = f"/initiatives/{initiative.id}/milestones/{milestone.id}/complete"
    form_html = page.split(f'action="{url}"')[1].split("</form>")[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form_html).group(1)
    assert client.post(url).status_code == 400
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    add_form = section_of(page).split('class="milestone-form"')[1]
    new_token = re.search(r'name="new-csrf_token" type="hidden" value="([^"]+)"', add_form).group(1)
    added = client.post(f"/initiatives/{initiative.id}/milestones",
                        data={**form(), "new-csrf_token": new_token})
    assert added.status_code == 303


def test_a_milestone_deleted_by_someone_else_meanwhile_is_a_conflict(team, initiative):
    a = add(team.staff, initiative, "A")
    add(team.staff, initiative, "B")
    with db.engine.begin() as other:  # another request deletes it after we loaded it
        other.execute(sa.delete(Milestone.__table__).where(Milestone.__table__.c.id == a.id))
    with pytest.raises(Conflict):
        services.complete_milestone(team.staff, a)
    db.session.rollback()
    assert [e.verb for e in trail(initiative.id)] == ["milestone_added", "milestone_added"]


def test_the_add_form_is_behind_a_button_and_opens_itself_with_its_messages(
        team, auth, client, hx, initiative):
    add(team.staff, initiative, "Survei rute")
    auth.login(team.staff)
    page = section_of(client.get(f"/initiatives/{initiative.id}").get_data(as_text=True))
    assert '<details class="add-form add-milestone">' in page  # closed
    assert 'class="row-menu milestone-actions"' in page and "<details" in page
    for headers in (hx, {}):
        refused = client.post(f"/initiatives/{initiative.id}/milestones", data=form(title=""),
                              headers=headers)
        assert refused.status_code == 422
        html = refused.get_data(as_text=True)
        if headers:
            assert '<details class="add-form add-milestone" open>' in html
        assert 'id="new-title-error"' in html or "new-title" in html
