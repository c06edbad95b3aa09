"""The mapping rules (``identity/mapping.py``): first match wins, groups ignore case, claims
match any of their values, the default otherwise."""

from __future__ import annotations

from quickwin_tracker.identity.mapping import parse_rules

RULES = parse_rules("""{
  "rules": [
    {"group": "bpk-diskominfo-kepala", "role": "manager", "unit": "diskominfo"},
    {"claim": "department", "equals": "Bappeda", "role": "staff", "unit": "BAPPEDA"},
    {"group": "bpk-semua", "role": "reviewer", "unit": null}
  ],
  "default": {"role": "staff", "unit": "SETDA"}
}""")


def test_the_first_matching_rule_wins_and_groups_ignore_case():
    rule = RULES.match(["BPK-Semua", "bpk-DISKOMINFO-kepala"], {})
    assert (rule.role, rule.unit, rule.number) == ("manager", "DISKOMINFO", 1)
    assert rule.describe() == 'rule 1: groups contains "bpk-diskominfo-kepala"'


def test_a_claim_matches_any_of_its_values():
    rule = RULES.match([], {"department": ["Sekretariat", "Bappeda"]})
    assert (rule.role, rule.unit) == ("staff", "BAPPEDA")
    assert rule.describe() == 'rule 2: department = "Bappeda"'
    assert RULES.match([], {"department": "bappeda"}).describe() == "default"  # exact value


def test_the_default_and_no_rules():
    assert RULES.match(["lain"], {}).unit == "SETDA"
    assert parse_rules("").match(["x"], {}) is None
    assert parse_rules('[{"group": "a", "role": "admin", "unit": null}]').match(["b"], {}) is None
