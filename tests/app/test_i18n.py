"""Language: Indonesian is the default and complete; English is the second language."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "quickwin_tracker" / "translations" / "id" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2)}


def source_messages() -> set[str]:
    method_map = [("quickwin_tracker/**.py", "python"), ("templates/**.html", "jinja2"),
                  ("templates/**.txt", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords={**KEYWORDS},
        options_map={"templates/**.html": {}, "templates/**.txt": {}},
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_message_has_an_indonesian_translation():
    catalog = read_po(PO.open("rb"), locale="id")
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(source_messages() - translated)
    assert not missing, (
        "Untranslated (run `make extract-messages`, translate, then `make translations`):\n  "
        + "\n  ".join(missing)
    )


def test_catalog_placeholders_are_consistent():
    catalog = read_po(PO.open("rb"), locale="id")
    problems = [(m.id, str(e)) for m in catalog if m.id for e in m.check(catalog)]
    assert not problems


def test_no_translation_says_a_sentence_twice():
    """A merge of two versions of a message once left both in one translation."""
    import re

    catalog = read_po(PO.open("rb"), locale="id")
    repeated = []
    for m in catalog:
        if m.id and isinstance(m.string, str) and m.string:
            sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", m.string)
                         if len(s.strip()) > 25]
            if len(sentences) != len(set(sentences)):
                repeated.append(m.id)
    assert not repeated, repeated


def test_compiled_catalog_is_current():
    """The build compiles .po to .mo; the installed catalog must match the source."""
    mo = PO.with_suffix(".mo")
    assert mo.exists(), "messages.mo missing: reinstall (pip install -e .) or run `make translations`"
    assert mo.stat().st_mtime >= PO.stat().st_mtime - 1, "messages.mo is older than messages.po"


def test_pages_are_indonesian_by_default_and_english_on_request(client, make_user, auth):
    login = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="id"' in login and "Masuk" in login
    client.post("/language", data={"locale": "en", "next": "/auth/login"})
    assert "Sign in" in client.get("/auth/login").get_data(as_text=True)
    user = make_user("staff", locale="en")
    auth.login(user)
    board = client.get("/board/").get_data(as_text=True)
    assert '<html lang="en"' in board and "Quick-win board" in board


def test_dates_use_the_users_locale(client, make_user, auth, make_initiative):
    from datetime import date

    user = make_user("staff")
    make_initiative(user.unit, target_date=date(2026, 12, 1))
    auth.login(user)
    assert "1 Des 2026" in client.get("/board/").get_data(as_text=True)
