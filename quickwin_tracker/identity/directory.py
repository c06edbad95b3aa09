"""LDAP sign-in with ldap3: bind as the user, or search with a service account and then bind.

Two ways to find a person's entry (``QUICKWIN_LDAP_*``, docs/identity.md):

- **bind as the user**: ``USER_DN_TEMPLATE`` (``uid={username},ou=people,dc=…``, where
  ``{username}`` is what comes before the @ of the typed email and ``{email}`` the whole of it;
  both escaped as a DN's value) gives the DN, bound with the typed password. Active Directory
  also takes ``{email}`` alone as a user principal name. A wrong password and an unknown person
  look the same to the directory;
- **search, then bind**: the service account (``BIND_DN``/``BIND_PASSWORD``; anonymous when
  empty) searches ``SEARCH_BASE`` with ``SEARCH_FILTER`` (``(mail={email})``, values escaped as
  filter values); exactly one entry must answer; then that DN is bound with the typed password.

The connection is TLS when the URL is ``ldaps://`` or ``STARTTLS`` is on, the server's
certificate checked against ``CA_FILE`` (else the system's CAs). Groups come from the entry's
``memberOf`` (Active Directory, OpenLDAP's memberof overlay) and, with ``GROUP_SEARCH_BASE``, from
the groups whose ``GROUP_FILTER`` names the entry's ``{dn}``; each group counts by its DN and by
its first RDN's value (``cn=bpk-dlh,ou=groups,…`` → ``bpk-dlh``). Passwords are never logged.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import gettext as _

from ..models import AUTH_LDAP
from .accounts import ExternalIdentity, group_names

with warnings.catch_warnings():
    # ldap3 2.9.1 (its last release) imports pyasn1 names that pyasn1 0.6 deprecates
    # (``tagMap``, ``typeMap``): a DeprecationWarning at import, harmless, and an error under the
    # test suite's ``filterwarnings = error``.
    warnings.filterwarnings("ignore", r"(tagMap|typeMap) is deprecated", DeprecationWarning)
    from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
    from ldap3.core.exceptions import LDAPException
    from ldap3.utils.conv import escape_filter_chars
    from ldap3.utils.dn import escape_rdn, parse_dn

log = logging.getLogger(__name__)


class DirectoryUnavailable(Exception):
    """The directory cannot be asked (down, TLS refused, the service account refused)."""


@dataclass(frozen=True)
class Entry:
    dn: str
    attributes: Mapping[str, Any]
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """``entry`` when the password was right; ``known`` when the directory has this person
    (a search found them, or the bind worked) — then its answer is final (no local password)."""

    entry: Entry | None = None
    known: bool = False


def enabled() -> bool:
    return bool(current_app.config.get("LDAP_ENABLED"))


def _server(config: Mapping[str, Any]) -> Server:
    parts = urlsplit(config["LDAP_URL"])
    secure = parts.scheme == "ldaps"
    tls = None
    if secure or config["LDAP_STARTTLS"]:
        tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=config["LDAP_CA_FILE"] or None)
    return Server(parts.hostname, port=parts.port or (636 if secure else 389), use_ssl=secure,
                  tls=tls, get_info=NONE, connect_timeout=config["LDAP_TIMEOUT"])


def _close(conn: Connection) -> None:
    """Unbind and close; a connection whose TLS handshake failed has no socket left to unbind."""
    with contextlib.suppress(LDAPException, OSError):
        conn.unbind()


def _connection(config: Mapping[str, Any], user: str | None = None,
                password: str | None = None) -> Connection:
    """An open (and, with StartTLS, secured) connection, not yet bound."""
    conn = Connection(_server(config), user=user, password=password,
                      receive_timeout=config["LDAP_TIMEOUT"], raise_exceptions=False,
                      read_only=True)
    try:
        conn.open()
        started = not config["LDAP_STARTTLS"] or conn.start_tls()
    except LDAPException:
        _close(conn)
        raise
    if not started:
        _close(conn)
        raise DirectoryUnavailable(f"StartTLS refused: {conn.result.get('description')}")
    return conn


def _values(config: Mapping[str, Any], email: str) -> dict[str, str]:
    return {"email": email, "username": email.split("@", 1)[0]}


def _first(attributes: Mapping[str, Any], name: str) -> str:
    value = attributes.get(name)
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value or "")


def _rdn_value(dn: str) -> str | None:
    try:
        return parse_dn(dn)[0][1]
    except (LDAPException, IndexError):
        return None


def _groups(conn: Connection, config: Mapping[str, Any], dn: str,
            attributes: Mapping[str, Any]) -> tuple[str, ...]:
    found = [str(g) for g in attributes.get("memberOf", []) or []]
    base = config["LDAP_GROUP_SEARCH_BASE"]
    if base:
        query = config["LDAP_GROUP_FILTER"].replace("{dn}", escape_filter_chars(dn))
        if conn.search(base, query, SUBTREE, attributes=["cn"]):
            found += [e.entry_dn for e in conn.entries]
    names = []
    for group in found:
        names.append(group)
        rdn = _rdn_value(group)
        if rdn:
            names.append(rdn)
    return group_names(names)


def _read_entry(conn: Connection, config: Mapping[str, Any], dn: str) -> Entry | None:
    if not conn.search(dn, "(objectClass=*)", BASE, attributes=["*", "memberOf"]):
        return None
    attributes = dict(conn.entries[0].entry_attributes_as_dict)
    return Entry(dn=conn.entries[0].entry_dn, attributes=attributes,
                 groups=_groups(conn, config, dn, attributes))


def _find(conn: Connection, config: Mapping[str, Any], email: str) -> list[str]:
    """The DNs the search filter finds for ``email`` (at most two are asked for)."""
    values = {k: escape_filter_chars(v) for k, v in _values(config, email).items()}
    query = config["LDAP_SEARCH_FILTER"].format(**values)
    conn.search(config["LDAP_SEARCH_BASE"], query, SUBTREE, attributes=[], size_limit=2)
    return [e.entry_dn for e in conn.entries]


def authenticate(email: str, password: str) -> Outcome:
    """Check ``email`` and ``password`` against the directory (see the module docstring).

    Raises ``DirectoryUnavailable`` when the directory cannot answer."""
    config = current_app.config
    if not password:  # an empty password is an "unauthenticated bind": it always succeeds
        return Outcome()
    try:
        if config["LDAP_USER_DN_TEMPLATE"]:
            values = {k: escape_rdn(v) for k, v in _values(config, email).items()}
            dn = config["LDAP_USER_DN_TEMPLATE"].format(**values)
            known = False
        else:
            service = _connection(config, config["LDAP_BIND_DN"] or None,
                                  config["LDAP_BIND_PASSWORD"] or None)
            try:
                if not service.bind():
                    raise DirectoryUnavailable(
                        f"service bind refused: {service.result.get('description')}")
                found = _find(service, config, email)
            finally:
                _close(service)
            if len(found) != 1:
                if len(found) > 1:
                    log.warning("LDAP search for a sign-in found several entries")
                return Outcome()
            dn, known = found[0], True
        conn = _connection(config, dn, password)
        try:
            if not conn.bind():
                return Outcome(known=known)
            entry = _read_entry(conn, config, dn)
        finally:
            _close(conn)
    except LDAPException as exc:
        log.warning("LDAP directory unavailable: %s", type(exc).__name__)
        raise DirectoryUnavailable(type(exc).__name__) from exc
    if entry is None:
        return Outcome(known=True)
    return Outcome(entry=entry, known=True)


def identity_from(entry: Entry, typed_email: str) -> ExternalIdentity:
    config = current_app.config
    email = _first(entry.attributes, config["LDAP_EMAIL_ATTRIBUTE"]) or typed_email
    name = _first(entry.attributes, config["LDAP_NAME_ATTRIBUTE"]) or email
    claims = {k: [str(v) for v in vs] if isinstance(vs, list | tuple) else str(vs)
              for k, vs in entry.attributes.items() if k.lower() not in ("userpassword",)}
    return ExternalIdentity(source=AUTH_LDAP, subject=entry.dn[:500], email=email,
                            name=name[:120], groups=entry.groups, claims=claims)


# --------------------------------------------------------------------------- the admin's test


@dataclass
class Step:
    name: str
    ok: bool
    detail: str


@dataclass
class Check:
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def add(self, name: str, ok: bool, detail: str) -> bool:
        self.steps.append(Step(name, ok, detail))
        return ok


def check_connection(sample_email: str = "") -> Check:
    """Each step of reaching the directory, stopping at the first that fails, saying what failed:
    connect, TLS, the service account's bind, the search (for ``sample_email``, when given), and
    that person's groups. No password of a person is needed or tried."""
    config = current_app.config
    check = Check()
    if not enabled():
        check.add(_("Configuration"), False, _("LDAP is not configured (QUICKWIN_LDAP_URL)."))
        return check
    parts = urlsplit(config["LDAP_URL"])
    host, port = parts.hostname, parts.port or (636 if parts.scheme == "ldaps" else 389)
    try:
        socket.create_connection((host, port), timeout=config["LDAP_TIMEOUT"]).close()
    except OSError as exc:
        check.add(_("Connect"), False, _("Cannot reach %(host)s:%(port)d: %(error)s.",
                                         host=host, port=port, error=exc.strerror or str(exc)))
        return check
    check.add(_("Connect"), True, _("%(host)s:%(port)d answers.", host=host, port=port))
    secure = parts.scheme == "ldaps" or config["LDAP_STARTTLS"]
    conn = Connection(_server(config), user=config["LDAP_BIND_DN"] or None,
                      password=config["LDAP_BIND_PASSWORD"] or None,
                      receive_timeout=config["LDAP_TIMEOUT"], raise_exceptions=False,
                      read_only=True)
    try:
        conn.open()
        if config["LDAP_STARTTLS"] and not conn.start_tls():
            check.add(_("TLS"), False, _("The server refused StartTLS: %(error)s.",
                                         error=conn.result.get("description")))
            _close(conn)
            return check
    except LDAPException as exc:
        step = _("TLS") if secure else _("Connect")
        check.add(step, False, _("The connection failed: %(error)s.", error=str(exc)))
        _close(conn)
        return check
    if secure:
        check.add(_("TLS"), True, _("The server's certificate is trusted."))
    else:
        check.add(_("TLS"), True, _("Not used: passwords travel unencrypted. Use ldaps:// or "
                                    "StartTLS outside a test network."))
    try:
        if config["LDAP_BIND_DN"]:
            if not conn.bind():
                check.add(_("Service bind"), False, _("%(dn)s was refused: %(error)s.",
                          dn=config["LDAP_BIND_DN"], error=conn.result.get("description")))
                return check
            check.add(_("Service bind"), True, _("Bound as %(dn)s.", dn=config["LDAP_BIND_DN"]))
        elif not conn.bind():
            check.add(_("Service bind"), False, _("An anonymous bind was refused: %(error)s.",
                      error=conn.result.get("description")))
            return check
        else:
            check.add(_("Service bind"), True, _("Anonymous (no QUICKWIN_LDAP_BIND_DN)."))
        if not sample_email:
            return check
        if config["LDAP_SEARCH_BASE"]:
            found = _find(conn, config, sample_email)
            if len(found) != 1:
                check.add(_("Search"), False, _("%(count)d entries found for %(email)s under "
                          "%(base)s (one was expected).", count=len(found), email=sample_email,
                          base=config["LDAP_SEARCH_BASE"]))
                return check
            dn = found[0]
        else:
            values = {k: escape_rdn(v) for k, v in _values(config, sample_email).items()}
            dn = config["LDAP_USER_DN_TEMPLATE"].format(**values)
        entry = _read_entry(conn, config, dn)
        if entry is None:
            check.add(_("Search"), False, _("No entry %(dn)s can be read: %(error)s.", dn=dn,
                      error=conn.result.get("description")))
            return check
        check.add(_("Search"), True, _("Found %(dn)s.", dn=entry.dn))
        rule = config["IDENTITY_RULE_SET"].match(entry.groups, identity_from(entry, sample_email).claims)
        check.add(_("Groups"), True, _("%(groups)s; the rules give: %(rule)s.",
                  groups=", ".join(entry.groups) or _("no groups"),
                  rule=rule.describe() + f" → {rule.role} {rule.unit or ''}".rstrip()
                  if rule else _("no rule matches")))
    except LDAPException as exc:
        check.add(_("Search"), False, _("The directory answered with an error: %(error)s.",
                                        error=str(exc)))
    finally:
        _close(conn)
    return check
