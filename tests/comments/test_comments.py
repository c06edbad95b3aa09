"""Comments: plain text with clickable links and @mentions; authors edit theirs for 15 minutes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from flask_login import login_user

from quickwin_tracker.comments.section import build_section
from quickwin_tracker.comments.services import MAX_BODY, add_comment, edit_comment
from quickwin_tracker.comments.text import linkify, mentioned_handles
from quickwin_tracker.domain.activity import describe
from quickwin_tracker.domain.clock import utcnow
from quickwin_tracker.domain.errors import Forbidden, Invalid
from quickwin_tracker.extensions import db
from quickwin_tracker.models import Activity, Comment, Notification
from tests.conftest import PASSWORD

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
DOMAIN = "quickwin.balikpapan.go.id"


@pytest.fixture
def initiative(team, make_initiative):
    """The team's proposal the comments are about."""
    return make_initiative(team.unit, title="Antrean online puskesmas")


def comments_url(initiative):
    return f"/initiatives/{initiative.id}/comments"


def edit_url(initiative, comment):
    return f"/initiatives/{initiative.id}/comments/{comment.id}/edit"


def activities(verb=None):
    stmt = sa.select(Activity).order_by(Activity.id)
    if verb:
        stmt = stmt.where(Activity.verb == verb)
    return list(db.session.scalars(stmt))


def notifications_for(user):
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)))


def post_comment(initiative, author, body, now=T0):
    comment = add_comment(author, initiative, body, now=now)
    db.session.commit()
    return comment


# --------------------------------------------------------------------------- linkify


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_only_safe_markup(html: str) -> list[tuple[str, dict]]:
    """The only elements linkify may produce: http(s) links, line breaks and mention names."""
    parser = TagCollector()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in ("a", "br", "strong"), (tag, html)
        if tag == "a":
            assert set(attrs) == {"href", "rel"}, html
            assert attrs["href"].lower().startswith(("http://", "https://")), html
            assert attrs["rel"] == "nofollow noopener noreferrer"
        elif tag == "strong":
            assert attrs == {"class": "mention"}, html
        else:
            assert attrs == {}
    return parser.tags


@pytest.mark.parametrize("text", [
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie) and jav&#x09;ascript:alert(1)",
    '"><img src=x onerror=alert(1)>',
    'https://example.org/"><img src=x onerror=alert(1)>',
    "https://example.org/'onmouseover='alert(1)'",
    'https://example.org/" onmouseover="alert(1)',
    "https://example.org/?q=<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "<a href=\"javascript:alert(1)\">click</a>",
    "@<img/src=x/onerror=alert(1)> @staf.dinkes<svg/onload=alert(1)>",
    "javascript://https://example.org/%0aalert(1)",
])
def test_linkify_escapes_everything_it_does_not_make_itself(text):
    html = str(linkify(text))
    tags = assert_only_safe_markup(html)
    assert "<script" not in html and "<img" not in html and "<svg" not in html
    assert 'href="javascript' not in html.lower()
    for tag, attrs in tags:
        if tag == "a":
            assert not set(attrs["href"]) & set("\"'<>")


def test_linkify_makes_links_line_breaks_and_mentions():
    html = str(linkify("Lihat https://example.org/a?b=1&c=2.\nBaris dua, @staf.dinkes!"))
    assert ('<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">'
            "https://example.org/a?b=1&amp;c=2</a>.") in html
    assert "<br>" in html
    assert '<strong class="mention">@staf.dinkes</strong>!' in html
    assert_only_safe_markup(html)


def test_linkify_leaves_email_addresses_and_urls_with_at_signs_alone():
    html = str(linkify("Tulis ke budi@example.org atau lihat https://medium.com/@budi (ok)"))
    assert "mention" not in html
    assert '<a href="https://medium.com/@budi" rel="nofollow noopener noreferrer">' in html
    assert html.endswith("</a> (ok)")
    assert mentioned_handles("budi@example.org https://medium.com/@budi") == []


def test_linkify_treats_markup_input_as_text_and_none_as_empty():
    from markupsafe import Markup

    assert str(linkify(Markup("<b>x</b>"))) == "&lt;b&gt;x&lt;/b&gt;"
    assert str(linkify(None)) == ""


def test_mentioned_handles_are_distinct_lower_cased_and_in_order():
    assert mentioned_handles("@Staf.Dinkes, @budi_s dan lagi @staf.dinkes.") == [
        "staf.dinkes", "budi_s"]


# --------------------------------------------------------------------------- services


def test_add_comment_records_one_activity_and_leaves_the_commit_to_the_caller(team, initiative):
    comment = add_comment(team.staff, initiative, "  Sudah diuji di 2 puskesmas.  ", now=T0)
    assert comment.id is not None and comment.body == "Sudah diuji di 2 puskesmas."
    assert comment.created_at == T0 and comment.author_id == team.staff.id
    [entry] = activities()
    assert (entry.verb, entry.initiative_id, entry.actor_id) == (
        "commented", initiative.id, team.staff.id)
    assert entry.data == {"comment_id": comment.id} and entry.created_at == T0
    db.session.rollback()  # nothing was committed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


@pytest.mark.parametrize("body", ["", "   \n\t ", None, "x" * (MAX_BODY + 1)])
def test_empty_or_too_long_comments_are_refused(team, initiative, body):
    with pytest.raises(Invalid) as refused:
        add_comment(team.staff, initiative, body, now=T0)
    assert refused.value.field == "body"
    assert not activities()


def test_a_comment_of_exactly_the_maximum_length_is_fine(team, initiative):
    assert len(add_comment(team.staff, initiative, "x" * MAX_BODY, now=T0).body) == MAX_BODY


def test_signed_out_or_inactive_people_cannot_comment(team, initiative, make_user):
    inactive = make_user("staff", team.unit, active=False)
    with pytest.raises(Forbidden):
        add_comment(inactive, initiative, "Halo", now=T0)


def test_the_author_edits_within_15_minutes_only(team, initiative):
    comment = post_comment(initiative, team.staff, "Versi pertama")
    assert edit_comment(team.staff, comment, "Versi kedua", now=T0 + timedelta(minutes=14))
    db.session.commit()
    assert comment.body == "Versi kedua"
    assert comment.edited_at == T0 + timedelta(minutes=14)
    with pytest.raises(Forbidden):
        edit_comment(team.staff, comment, "Versi ketiga", now=T0 + timedelta(minutes=15, seconds=1))
    with pytest.raises(Forbidden):
        edit_comment(team.manager, comment, "Bukan punya saya", now=T0 + timedelta(minutes=1))
    db.session.rollback()
    assert comment.body == "Versi kedua"
    assert [a.verb for a in activities()] == ["commented", "comment_edited"]
    assert activities("comment_edited")[0].data == {"comment_id": comment.id}


def test_an_edit_that_changes_nothing_records_nothing(team, initiative):
    comment = post_comment(initiative, team.staff, "Sama saja")
    assert edit_comment(team.staff, comment, " Sama saja ", now=T0 + timedelta(minutes=1)) is False
    assert comment.edited_at is None
    assert len(activities()) == 1


def test_mentions_notify_each_mentioned_active_user_once(team, initiative, make_user):
    inactive = make_user("staff", team.unit, email=f"pensiun@{DOMAIN}", active=False)
    comment = post_comment(
        initiative, team.manager,
        "@staf.dinkes tolong cek. @STAF.DINKES sekali lagi; @staf.dishub juga. "
        "@kepala.dinkes (saya sendiri), @pensiun, @tidak.ada.",
    )
    assert [(n.kind, n.comment_id, n.initiative_id, n.actor_id)
            for n in notifications_for(team.staff)] == [
        ("mention", comment.id, initiative.id, team.manager.id)]
    assert len(notifications_for(team.outsider)) == 1
    assert notifications_for(team.manager) == []  # not the author
    assert notifications_for(inactive) == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 2
    assert len(activities()) == 1  # one Activity, however many mentions


def test_mentions_need_a_unique_match_and_escape_like_wildcards(team, initiative, make_user):
    make_user("staff", team.unit, email="budi@dinkes.example.go.id")
    make_user("staff", team.unit, email="budi@dishub.example.go.id")
    underscore = make_user("staff", team.unit, email=f"ana_s@{DOMAIN}")
    lookalike = make_user("staff", team.unit, email=f"anaxs@{DOMAIN}")
    percent_target = make_user("staff", team.unit, email=f"a.b@{DOMAIN}")
    post_comment(initiative, team.staff, "@budi (ambiguous) @ana_s @a%")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1
    assert len(notifications_for(underscore)) == 1
    assert notifications_for(lookalike) == [] and notifications_for(percent_target) == []


def test_an_edit_that_adds_a_mention_notifies_only_the_new_person(team, initiative):
    comment = post_comment(initiative, team.manager, "@staf.dinkes tolong cek")
    edit_comment(team.manager, comment, "@staf.dinkes tolong cek, @staf.dishub juga",
                 now=T0 + timedelta(minutes=5))
    db.session.commit()
    assert len(notifications_for(team.staff)) == 1
    assert len(notifications_for(team.outsider)) == 1
    # Removing and re-adding a mention does not notify again.
    edit_comment(team.manager, comment, "tolong cek", now=T0 + timedelta(minutes=6))
    edit_comment(team.manager, comment, "@staf.dinkes tolong cek", now=T0 + timedelta(minutes=7))
    db.session.commit()
    assert len(notifications_for(team.staff)) == 1
    assert [a.verb for a in activities()] == ["commented"] + ["comment_edited"] * 3


# --------------------------------------------------------------------------- HTTP


def test_plain_post_redirects_to_the_comments_with_a_flash(team, initiative, auth, client):
    auth.login(team.outsider)  # any signed-in user may comment, whatever their unit
    response = client.post(comments_url(initiative), data={"body": "Dishub siap bantu."})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/initiatives/{initiative.id}#comments")
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Dishub siap bantu." in page and 'class="flash flash-success"' in page
    assert '<section id="comments"' in page
    [entry] = activities()
    assert entry.verb == "commented"


def test_htmx_post_answers_with_the_comments_section(team, initiative, auth, client, hx):
    auth.login(team.staff)
    response = client.post(comments_url(initiative), data={"body": "Baris satu\nBaris dua"}, headers=hx)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="comments"') and "<html" not in html
    assert "Baris satu<br>\nBaris dua" in html
    assert '<textarea' in html and "Baris satu</textarea>" not in html  # a fresh, empty box


@pytest.mark.parametrize("body", ["", "x" * (MAX_BODY + 1)])
def test_refused_htmx_post_answers_with_the_form_and_the_error(team, initiative, auth, client, hx, body):
    auth.login(team.staff)
    response = client.post(comments_url(initiative), data={"body": body}, headers=hx)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#comment-form"
    assert response.headers["HX-Reswap"] == "outerHTML"
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<form id="comment-form"') and "<html" not in html
    assert 'id="comment-body-error"' in html and 'aria-invalid="true"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_refused_plain_post_shows_the_form_on_a_page(team, initiative, auth, client):
    auth.login(team.staff)
    response = client.post(comments_url(initiative), data={"body": "  "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<html" in html and 'id="comment-body-error"' in html


def test_the_comment_box_explains_mentions(team, initiative, auth, client):
    auth.login(team.staff)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert 'id="comment-body-hint"' in page
    assert "@budi.santoso" in page and f"budi.santoso@{DOMAIN}" in page
    assert f'data-hx-post="/initiatives/{initiative.id}/comments"' in page
    assert 'data-hx-target="#comments"' in page and 'method="post"' in page


def test_comments_are_escaped_and_links_clickable_on_the_page(team, initiative, auth, client):
    auth.login(team.staff)
    client.post(comments_url(initiative), data={"body": (
        '<script>alert(1)</script> "><img src=x onerror=alert(1)> javascript:alert(1) '
        "https://dinkes.balikpapan.go.id/antrean?hari=senin&jam=8 @kepala.dinkes")})
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in page
    assert ('<a href="https://dinkes.balikpapan.go.id/antrean?hari=senin&amp;jam=8" '
            'rel="nofollow noopener noreferrer">') in page
    assert 'href="javascript' not in page
    assert '<strong class="mention">@kepala.dinkes</strong>' in page


def test_comments_are_shown_oldest_first_with_author_time_and_edited_marker(team, initiative, auth, client):
    first = post_comment(initiative, team.manager, "Pertama", now=utcnow() - timedelta(hours=2))
    post_comment(initiative, team.staff, "Kedua", now=utcnow() - timedelta(hours=1))
    first.edited_at = first.created_at + timedelta(minutes=3)
    db.session.commit()
    auth.login(team.staff)
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert page.index("Pertama") < page.index("Kedua")
    assert "Kepala Dinkes" in page and f'datetime="{first.created_at.isoformat(timespec="seconds")}"' in page
    assert page.count('class="comment-edited"') == 1


def test_only_the_author_sees_the_edit_control_and_only_for_15_minutes(team, initiative, auth, client):
    recent = post_comment(initiative, team.staff, "Baru", now=utcnow() - timedelta(minutes=2))
    old = post_comment(initiative, team.staff, "Lama", now=utcnow() - timedelta(minutes=20))
    page_url = f"/initiatives/{initiative.id}"

    auth.login(team.manager)
    page = client.get(page_url).get_data(as_text=True)
    assert edit_url(initiative, recent) not in page and edit_url(initiative, old) not in page
    assert client.get(edit_url(initiative, recent)).status_code == 403
    response = client.post(edit_url(initiative, recent), data={"body": "Diubah orang lain"})
    assert response.status_code == 403
    assert db.session.get(Comment, recent.id).body == "Baru"
    auth.logout()

    auth.login(team.staff)
    page = client.get(page_url).get_data(as_text=True)
    assert edit_url(initiative, recent) in page and edit_url(initiative, old) not in page
    assert client.get(edit_url(initiative, old)).status_code == 403
    assert client.post(edit_url(initiative, old), data={"body": "Terlambat"}).status_code == 403
    assert db.session.get(Comment, old.id).body == "Lama"
    assert [a.verb for a in activities()] == ["commented", "commented"]


def test_edit_form_is_a_fragment_under_htmx_and_a_page_otherwise(team, initiative, auth, client, hx):
    comment = post_comment(initiative, team.staff, "Ubah saya", now=utcnow())
    auth.login(team.staff)
    fragment = client.get(edit_url(initiative, comment), headers=hx)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith(f'<form id="comment-{comment.id}-form"')
    assert f'id="comment-{comment.id}-body"' in html and "Ubah saya</textarea>" in html
    page = client.get(edit_url(initiative, comment)).get_data(as_text=True)
    assert "<html" in page and "Ubah saya</textarea>" in page


def test_editing_over_htmx_and_plain(team, initiative, auth, client, hx):
    comment = post_comment(initiative, team.staff, "Awal", now=utcnow())
    auth.login(team.staff)
    response = client.post(edit_url(initiative, comment), data={"body": "Sesudah @kepala.dinkes"},
                           headers=hx)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="comments"')
    assert "Sesudah" in html and 'class="comment-edited"' in html
    assert len(notifications_for(team.manager)) == 1

    bad = client.post(edit_url(initiative, comment), data={"body": ""}, headers=hx)
    assert bad.status_code == 422 and bad.headers["HX-Retarget"] == f"#comment-{comment.id}-form"
    assert f'id="comment-{comment.id}-body-error"' in bad.get_data(as_text=True)

    plain = client.post(edit_url(initiative, comment), data={"body": "Terakhir"})
    assert plain.status_code == 303 and plain.headers["Location"].endswith("#comments")
    assert db.session.get(Comment, comment.id).body == "Terakhir"
    assert [a.verb for a in activities()] == ["commented", "comment_edited", "comment_edited"]


def test_comment_urls_check_the_initiative(team, initiative, auth, client, make_initiative):
    comment = post_comment(initiative, team.staff, "Di sini", now=utcnow())
    elsewhere = make_initiative(team.unit)
    auth.login(team.staff)
    assert client.get(f"/initiatives/{elsewhere.id}/comments/{comment.id}/edit").status_code == 404
    assert client.post("/initiatives/999999/comments", data={"body": "x"}).status_code == 404
    assert client.get(f"{comments_url(initiative)}").status_code == 303


def test_signed_out_visitors_are_sent_to_sign_in(team, initiative, client):
    response = client.post(comments_url(initiative), data={"body": "Anonim"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_the_section_loads_comments_and_authors_in_one_query(app, team, initiative, make_user, count_queries):
    def render_section():
        with app.test_request_context():
            login_user(team.staff)
            db.session.expire_all()
            with count_queries() as counter:
                html = render_template("comments/_section.html", initiative=initiative,
                                       comments_section=build_section(initiative))
            return counter, html

    post_comment(initiative, team.manager, "Satu")
    few, _html = render_section()
    for i in range(12):
        post_comment(initiative, make_user("staff", team.unit), f"Komentar {i}")
    many, html = render_section()
    assert "Komentar 11" in html
    assert few.count == many.count, many.statements


def test_the_trail_tells_comments_in_a_sentence(team, initiative, app):
    comment = post_comment(initiative, team.staff, "Satu")
    edit_comment(team.staff, comment, "Dua", now=T0 + timedelta(minutes=1))
    with app.test_request_context(), force_locale("en"):
        assert [describe(a) for a in activities()] == ["commented", "edited a comment"]


@pytest.mark.parametrize("app_config", [{"WTF_CSRF_ENABLED": True}])
def test_posting_needs_the_csrf_token(team, initiative, client, app_config):
    login = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post("/auth/login", data={"email": team.staff.email, "password": PASSWORD,
                                     "csrf_token": token})
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    header = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    assert f'name="csrf_token" value="{header}"' in page  # the plain form carries it too
    assert client.post(comments_url(initiative), data={"body": "Tanpa token"}).status_code == 400
    ok = client.post(comments_url(initiative), data={"body": "Dengan token"},
                     headers={"HX-Request": "true", "X-CSRFToken": header})
    assert ok.status_code == 200
    assert [c.body for c in db.session.scalars(sa.select(Comment))] == ["Dengan token"]
