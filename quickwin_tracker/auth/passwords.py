"""The password rules, in one place: account page, reset form, admin forms and the CLI.

At least ``MIN_PASSWORD_LENGTH`` characters, not only digits, not the account's email (or its
part before the @) or name, and not one of the most common passwords.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..domain.errors import Invalid

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000

# Long enough to pass the length rule, and among the first tried by anyone guessing
# (from the published "most common passwords" lists, plus local favourites).
COMMON_PASSWORDS = frozenset({
    "1234567890", "0987654321", "1111111111", "0000000000", "1q2w3e4r5t", "qwertyuiop",
    "asdfghjkl;", "password12", "password123", "password1234", "passw0rd123", "iloveyou12",
    "qwerty1234", "qwerty12345", "1qaz2wsx3edc", "1234qwerasdf", "abcdefghij", "abcd123456",
    "abc1234567", "zxcvbnm123", "aaaaaaaaaa", "letmein123", "welcome123", "admin12345",
    "administrator", "changeme123", "football123", "baseball123", "sunshine123", "princess123",
    "superman123", "trustno1234", "monkey12345", "dragon12345", "master12345", "rahasia123",
    "rahasia1234", "bismillah123", "indonesia123", "indonesia1945", "balikpapan", "balikpapan123",
    "balikpapan1", "smartcity123", "quickwin123", "quick-win-tracker", "katasandi123",
    "password!!", "p@ssw0rd123", "passwordpassword",
})


def password_problem(password: str, *, email: str = "", name: str = ""):
    """Why ``password`` is not acceptable for this account (a translated message), or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _l("Use at least %(num)d characters.", num=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _l("Use at most %(num)d characters.", num=MAX_PASSWORD_LENGTH)
    if password.isdigit():
        return _l("Use more than digits alone.")
    folded = password.strip().casefold()
    personal = {p.strip().casefold() for p in (email, email.partition("@")[0], name) if p.strip()}
    if folded in personal or folded.replace(" ", "") in {p.replace(" ", "") for p in personal}:
        return _l("The password must not be your email address or your name.")
    if folded in COMMON_PASSWORDS:
        return _l("This password is too common; choose another.")
    return None


def check_password(password: str, *, email: str = "", name: str = "") -> None:
    """Raise :class:`Invalid` (field ``password``) unless ``password`` follows the rules."""
    problem = password_problem(password, email=email, name=name)
    if problem is not None:
        raise Invalid(problem, "password")
