"""Notifications: a signed-in user's mentions, read and unread, and the count in the header."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from quickwin_tracker.comments.services import add_comment
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Notification
from quickwin_tracker.notifications.services import PER_PAGE

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def initiative(team, make_initiative):
    """The team's proposal the comments are about."""
    return make_initiative(team.unit, title="Antrean online puskesmas")


def mention(initiative, author, body, minutes=0):
    comment = add_comment(author, initiative, body, now=T0 + timedelta(minutes=minutes))
    db.session.commit()
    return comment


def own(user):
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def test_the_list_shows_my_mentions_newest_first_with_links(team, initiative, auth, client):
    mention(initiative, team.manager, "@staf.dinkes cek jadwal <b>pilot</b>", minutes=0)
    mention(initiative, team.outsider, "@staf.dinkes data Dishub sudah masuk", minutes=5)
    mention(initiative, team.staff, "@kepala.dinkes siap", minutes=6)  # someone else's notification
    auth.login(team.staff)
    html = client.get("/notifications").get_data(as_text=True)
    assert html.index("Staf Dishub") < html.index("Kepala Dinkes")
    assert html.count('class="notification unread"') == 2
    assert html.count(f'href="/initiatives/{initiative.id}#comments"') == 2
    assert "Antrean online puskesmas" in html
    assert "cek jadwal &lt;b&gt;pilot&lt;/b&gt;" in html  # the excerpt is escaped
    assert "siap" not in html


def test_header_shows_the_unread_count_with_one_count_query(team, initiative, auth, client, count_queries):
    auth.login(team.staff)
    board = client.get("/board/").get_data(as_text=True)
    assert '<span id="notification-count" class="count" hidden>0' in board
    mention(initiative, team.manager, "@staf.dinkes satu")
    mention(initiative, team.outsider, "@staf.dinkes dua")
    with count_queries() as counter:
        board = client.get("/board/").get_data(as_text=True)
    assert '<span id="notification-count" class="count">2' in board
    assert 'href="/notifications"' in board and 'href="/activity"' in board
    from_notification = [s for s in counter.statements if "FROM notification" in s]
    assert len(from_notification) == 1 and "count(" in from_notification[0].lower()


def test_fragments_and_signed_out_pages_do_not_count(team, auth, client, hx, count_queries):
    with count_queries() as counter:
        assert client.get("/auth/login").status_code == 200
    assert not [s for s in counter.statements if "notification" in s]
    auth.login(team.staff)
    with count_queries() as counter:
        assert client.get("/initiatives/archived", headers=hx).status_code == 200
    assert not [s for s in counter.statements if "FROM notification" in s]


def test_marking_one_read(team, initiative, auth, client, hx):
    mention(initiative, team.manager, "@staf.dinkes satu")
    mention(initiative, team.manager, "@staf.dinkes dua", minutes=1)
    first, second = own(team.staff)
    auth.login(team.staff)
    response = client.post(f"/notifications/{first.id}/read", data={"page": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/notifications?page=1")
    assert db.session.get(Notification, first.id).read_at is not None
    html = client.post(f"/notifications/{second.id}/read", headers=hx).get_data(as_text=True)
    assert "<html" not in html
    assert html.lstrip().startswith(f'<li id="notification-{second.id}" class="notification">')
    assert 'id="notification-count" class="count" hidden data-hx-swap-oob="true">0' in html
    read_at = db.session.get(Notification, second.id).read_at
    assert read_at is not None
    client.post(f"/notifications/{second.id}/read", headers=hx)  # again: nothing changes
    assert db.session.get(Notification, second.id).read_at == read_at


def test_other_peoples_notifications_are_not_found(team, initiative, auth, client):
    mention(initiative, team.staff, "@kepala.dinkes lihat")
    [theirs] = own(team.manager)
    auth.login(team.outsider)
    assert client.post(f"/notifications/{theirs.id}/read").status_code == 404
    assert client.post("/notifications/999999/read").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None


def test_marking_all_read_touches_only_mine(team, initiative, auth, client, hx):
    mention(initiative, team.manager, "@staf.dinkes @staf.dishub satu")
    mention(initiative, team.manager, "@staf.dinkes dua", minutes=1)
    auth.login(team.staff)
    html = client.post("/notifications/read-all", headers=hx).get_data(as_text=True)
    assert html.lstrip().startswith('<div id="notifications">') and "<html" not in html
    assert 'class="notification unread"' not in html
    assert 'data-hx-swap-oob="true">0' in html
    assert all(n.read_at is not None for n in own(team.staff))
    assert [n.read_at for n in own(team.outsider)] == [None]
    plain = client.post("/notifications/read-all")
    assert plain.status_code == 303


def test_pagination(team, initiative, auth, client, hx):
    for i in range(PER_PAGE + 5):
        mention(initiative, team.manager, f"@staf.dinkes nomor {i}", minutes=i)
    auth.login(team.staff)
    first = client.get("/notifications").get_data(as_text=True)
    assert first.count('<li id="notification-') == PER_PAGE
    assert f"nomor {PER_PAGE + 4}" in first and "nomor 0<" not in first
    assert 'href="/notifications?page=2"' in first
    second = client.get("/notifications?page=2", headers=hx).get_data(as_text=True)
    assert second.count('<li id="notification-') == 5 and "<html" not in second
    assert "nomor 0" in second
    assert client.get("/notifications?page=x").status_code == 200


def test_notifications_need_a_sign_in(client):
    assert client.get("/notifications").status_code == 302
    assert client.post("/notifications/read-all").status_code == 302


def test_page_beyond_any_offset_is_empty_not_a_500(team, auth, client):
    """Regression (tests/web/test_fuzz.py): a huge ``page`` became an OFFSET no database can hold."""
    auth.login(team.staff)
    assert client.get("/notifications?page=" + "9" * 40).status_code == 200
