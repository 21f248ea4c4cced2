"""The backbone's settings checks: the relay's time budget against its task's time limits."""

from datetime import timedelta

from apps.events.checks import relay_time_budget_check
from apps.events.tasks import relay


def test_the_shipped_relay_budget_is_well_under_the_task_time_limits():
    assert (relay.soft_time_limit, relay.time_limit) == (30, 60)  # CELERY_TASK_*_TIME_LIMIT
    assert relay_time_budget_check() == []


def test_a_relay_budget_over_half_the_soft_time_limit_is_an_error(settings):
    settings.EVENTS_RELAY_TIME_BUDGET = timedelta(seconds=10)  # two passes: 20 s of a 30 s soft limit

    errors = relay_time_budget_check()

    assert [e.id for e in errors] == ["events.E011"]
    assert "20 s" in errors[0].msg and "30 s" in errors[0].msg


def test_a_soft_time_limit_not_below_the_hard_one_is_an_error(monkeypatch):
    monkeypatch.setattr(relay, "soft_time_limit", 60)
    monkeypatch.setattr(relay, "time_limit", 60)

    assert [e.id for e in relay_time_budget_check()] == ["events.E012"]


def test_no_soft_time_limit_is_an_error(monkeypatch):
    monkeypatch.setattr(relay, "soft_time_limit", None)

    assert [e.id for e in relay_time_budget_check()] == ["events.E010"]
