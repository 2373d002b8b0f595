"""The configurable circulation policy."""
import pytest

from core.models import ItemType, ReaderType
from core.policy import Policy, PolicyError


@pytest.mark.parametrize(("reader", "item", "loanable", "days", "max_items", "renewals"), [
    (ReaderType.TEACHER, ItemType.GENERAL, True, 7, 2, 1),
    (ReaderType.TEACHER, ItemType.TEACHING_REFERENCE, True, 30, 5, 1),
    (ReaderType.STUDENT, ItemType.GENERAL, True, 14, 2, 1),
    (ReaderType.STUDENT, ItemType.TEACHING_REFERENCE, False, 0, 0, 0),
    (ReaderType.TEACHER, ItemType.REFERENCE, False, 0, 0, 0),
    (ReaderType.STUDENT, ItemType.REFERENCE, False, 0, 0, 0),
])
def test_default_rules_match_the_schools_rules(reader, item, loanable, days, max_items, renewals) -> None:
    rule = Policy().rule(reader, item)
    assert (rule.loanable, rule.loan_days, rule.max_items, rule.renewals) == (loanable, days, max_items, renewals)


def test_policy_from_config_overrides_rules_and_scalars() -> None:
    policy = Policy.from_config({"fine_per_day_fen": 20,
                                 "rules": {"student": {"general": {"loan_days": 21, "max_items": 3}}}})
    assert policy.fine_per_day_fen == 20
    rule = policy.rule(ReaderType.STUDENT, ItemType.GENERAL)
    assert (rule.loan_days, rule.max_items, rule.renewals) == (21, 3, 1)
    assert policy.rule(ReaderType.TEACHER, ItemType.GENERAL).loan_days == 7


def test_reference_items_are_never_lent_even_if_configured() -> None:
    policy = Policy.from_config({"rules": {"teacher": {"reference": {"loanable": True, "loan_days": 3}}}})
    assert not policy.rule(ReaderType.TEACHER, ItemType.REFERENCE).loanable


@pytest.mark.parametrize("table", [
    {"fine_per_dya_fen": 10},
    {"rules": {"pupil": {"general": {}}}},
    {"rules": {"student": {"comic": {}}}},
    {"rules": {"student": {"general": {"loan_weeks": 2}}}},
])
def test_unknown_policy_keys_are_errors(table) -> None:
    with pytest.raises(PolicyError):
        Policy.from_config(table)


def test_config_example_policy_loads() -> None:
    from core.settings import load_settings

    settings = load_settings("config.example.toml", environ={})
    policy = Policy.from_config(settings.policy)
    assert policy.rule(ReaderType.TEACHER, ItemType.GENERAL).loan_days == 7
