"""System checks of the backbone's settings (run by manage.py check, runserver, migrate, and the
test suite)."""

from django.conf import settings
from django.core.checks import Error, register

# tasks.relay drains the outbox, clears its nudge key, then drains once more: a run may spend its
# time budget twice, and each pass finishes the batch it started before its deadline.
RELAY_PASSES = 2


@register()
def relay_time_budget_check(app_configs=None, **kwargs) -> list[Error]:
    """EVENTS_RELAY_TIME_BUDGET well under the relay task's time limits: its planned work (every
    pass's budget) at most half the soft limit, the other half left for the batches in flight at
    each deadline; the soft limit before the hard one, so a slow run is stopped by an exception the
    relay can roll back, not by the worker killing its process."""
    from apps.events.tasks import relay

    # The task's own limits: its decorator's, else CELERY_TASK_SOFT_TIME_LIMIT / CELERY_TASK_TIME_LIMIT.
    soft, hard = relay.soft_time_limit, relay.time_limit
    planned = RELAY_PASSES * settings.EVENTS_RELAY_TIME_BUDGET.total_seconds()
    errors = []
    if soft is None or hard is None:
        errors.append(
            Error(
                "The relay task has no soft or no hard time limit.",
                hint="Set CELERY_TASK_SOFT_TIME_LIMIT and CELERY_TASK_TIME_LIMIT (seconds).",
                id="events.E010",
            )
        )
        return errors
    if planned > soft / 2:
        errors.append(
            Error(
                f"EVENTS_RELAY_TIME_BUDGET x {RELAY_PASSES} passes = {planned:g} s is more than half the relay "
                f"task's soft time limit ({soft:g} s).",
                hint=f"Keep EVENTS_RELAY_TIME_BUDGET at most {soft / 2 / RELAY_PASSES:g} s, or raise the limit.",
                id="events.E011",
            )
        )
    if soft >= hard:
        errors.append(
            Error(
                f"The relay task's soft time limit ({soft:g} s) is not below its hard limit ({hard:g} s).",
                hint="CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT.",
                id="events.E012",
            )
        )
    return errors
