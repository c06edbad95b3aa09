"""The board as a person left it: density, collapsed lanes, and whether it opens on their own
unit or on the whole city. Kept in ``User.board_settings`` (JSON), read and written only here.

Defaults follow the role: staff and managers of a unit open on their unit ("my work first");
reviewers, admins and people without a unit open on the whole city.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Role, User

COMFORTABLE, COMPACT = "comfortable", "compact"
DENSITIES = (COMFORTABLE, COMPACT)
UNIT, CITY = "unit", "city"
SCOPES = (UNIT, CITY)
MAX_COLLAPSED = 32  # more than the lanes a city has: a bound on what a crafted request stores


@dataclass(frozen=True)
class BoardSettings:
    density: str = COMFORTABLE
    scope: str = CITY
    collapsed: frozenset[str] = field(default_factory=frozenset)  # dimension codes

    @property
    def compact(self) -> bool:
        return self.density == COMPACT

    def as_json(self) -> dict:
        return {"density": self.density, "scope": self.scope, "collapsed": sorted(self.collapsed)}


def default_scope(user: User | None) -> str:
    if user is None or getattr(user, "unit_id", None) is None:
        return CITY
    return UNIT if user.role in (Role.STAFF.value, Role.MANAGER.value) else CITY


def settings_of(user: User | None) -> BoardSettings:
    """What ``user`` left, with their role's defaults for what they never chose. A stored value
    that is not understood (an older or hand-edited row) counts as never chosen."""
    stored = (getattr(user, "board_settings", None) or {}) if user is not None else {}
    if not isinstance(stored, dict):
        stored = {}
    density = stored.get("density")
    scope = stored.get("scope")
    collapsed = stored.get("collapsed")
    if scope == UNIT and getattr(user, "unit_id", None) is None:
        scope = None  # a unit scope without a unit: the whole city
    return BoardSettings(
        density=density if density in DENSITIES else COMFORTABLE,
        scope=scope if scope in SCOPES else default_scope(user),
        collapsed=frozenset(c for c in collapsed if isinstance(c, str))
        if isinstance(collapsed, list) else frozenset(),
    )


def update_settings(user: User, *, density: str | None = None, scope: str | None = None,
                    collapse: str | None = None, expand: str | None = None) -> BoardSettings:
    """Change what is given and keep the rest (the caller commits: one user action). Values are
    checked by the caller's form; here unknown ones raise ValueError."""
    now = settings_of(user)
    if density is not None and density not in DENSITIES:
        raise ValueError(density)
    if scope is not None and scope not in SCOPES:
        raise ValueError(scope)
    collapsed = set(now.collapsed)
    if collapse:
        collapsed.add(collapse)
    if expand:
        collapsed.discard(expand)
    if len(collapsed) > MAX_COLLAPSED:
        raise ValueError("too many collapsed lanes")
    new = BoardSettings(density=density or now.density, scope=scope or now.scope,
                        collapsed=frozenset(collapsed))
    user.board_settings = new.as_json()  # a new dict: JSON columns track assignment, not mutation
    return new


def scope_unit(user: User | None) -> str:
    """The unit filter a board without one shows ``user``: their unit's code when their scope is
    their unit, else "" (the whole city). See ``BoardFilters.for_reader``."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    if settings_of(user).scope == UNIT and user.unit is not None:
        return user.unit.code
    return ""
