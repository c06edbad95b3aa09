"""Groups and claims → role and unit: the rules of ``QUICKWIN_IDENTITY_RULES`` (JSON).

::

    {"rules": [
        {"group": "bpk-diskominfo-kepala", "role": "manager", "unit": "DISKOMINFO"},
        {"claim": "department", "equals": "Bappeda", "role": "staff", "unit": "BAPPEDA"}
     ],
     "default": {"role": "staff", "unit": "SETDA"}}

The first rule that matches wins; without a match the ``default`` applies; without a default
the person keeps the role and unit an administrator gave them (and a first sign-in, which has
none, is refused). ``group`` compares with each group the sign-in brings (an OpenID group claim,
an LDAP group's DN or its first RDN value, e.g. its ``cn``), ignoring case. ``claim`` reads a
claim (OpenID) or attribute (LDAP); a list-valued one matches when any value equals. The rules
are parsed once at start-up (``settings.validate``), so a typo stops the start, not a sign-in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..models import Role

ROLES = tuple(r.value for r in Role)


class RuleError(ValueError):
    """The rules' text is not what this module reads; the message says where."""


@dataclass(frozen=True)
class Rule:
    role: str
    unit: str | None  # a unit's code, or None
    group: str | None = None
    claim: str | None = None
    equals: str | None = None
    number: int = 0  # 1-based position; 0 for the default

    def matches(self, groups: Iterable[str], claims: Mapping[str, Any]) -> bool:
        if self.group is not None:
            wanted = self.group.casefold()
            return any(str(g).casefold() == wanted for g in groups)
        if self.claim is None:  # the default
            return True
        value = claims.get(self.claim)
        values = value if isinstance(value, list | tuple) else [value]
        return any(v is not None and str(v) == self.equals for v in values)

    def describe(self) -> str:
        """Where a role and unit came from, as the user's admin page shows it."""
        if self.number == 0:
            return "default"
        if self.group is not None:
            return f'rule {self.number}: groups contains "{self.group}"'
        return f'rule {self.number}: {self.claim} = "{self.equals}"'


@dataclass(frozen=True)
class Rules:
    rules: tuple[Rule, ...] = ()
    default: Rule | None = None

    def match(self, groups: Iterable[str], claims: Mapping[str, Any]) -> Rule | None:
        """The first rule that matches, else the default, else None."""
        groups = list(groups)
        for rule in self.rules:
            if rule.matches(groups, claims):
                return rule
        return self.default


def _rule(raw: Any, number: int) -> Rule:
    where = f"rule {number}" if number else "the default"
    if not isinstance(raw, dict):
        raise RuleError(f"{where} must be an object with role and unit")
    known = {"group", "claim", "equals", "role", "unit"}
    unknown = set(raw) - known
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} "
                        f"(known: {', '.join(sorted(known))})")
    role = raw.get("role")
    if role not in ROLES:
        raise RuleError(f"{where}: role must be one of {', '.join(ROLES)}, got {role!r}")
    unit = raw.get("unit")
    if unit is not None and (not isinstance(unit, str) or not unit.strip()):
        raise RuleError(f"{where}: unit must be a unit's code or null, got {unit!r}")
    if role in (Role.STAFF, Role.MANAGER) and unit is None:
        raise RuleError(f"{where}: staff and managers belong to a unit: give its code")
    group, claim, equals = raw.get("group"), raw.get("claim"), raw.get("equals")
    if number == 0:
        if group is not None or claim is not None:
            raise RuleError("the default has no condition (no group, no claim)")
    elif (group is None) == (claim is None):
        raise RuleError(f"{where}: give either group or claim (with equals)")
    elif group is not None and (not isinstance(group, str) or not group):
        raise RuleError(f"{where}: group must be a group's name")
    elif claim is not None and (not isinstance(claim, str) or not isinstance(equals, str | int)):
        raise RuleError(f"{where}: claim needs equals (a text)")
    return Rule(role=role, unit=unit.strip().upper() if unit else None, group=group,
                claim=claim, equals=None if equals is None else str(equals), number=number)


def parse_rules(text: str) -> Rules:
    """``text`` (JSON: an object with ``rules`` and ``default``, or a list of rules) as Rules;
    empty text: no rules."""
    if not text or not text.strip():
        return Rules()
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RuleError(f"not valid JSON ({exc})") from exc
    if isinstance(raw, list):
        raw = {"rules": raw}
    if not isinstance(raw, dict) or set(raw) - {"rules", "default"}:
        raise RuleError('expected {"rules": [...], "default": {...}} or a list of rules')
    rules = raw.get("rules", [])
    if not isinstance(rules, list):
        raise RuleError("rules must be a list")
    default = raw.get("default")
    return Rules(rules=tuple(_rule(r, n) for n, r in enumerate(rules, start=1)),
                 default=_rule(default, 0) if default is not None else None)
