"""Who handles which event type. Filled at start-up by importing every app's handlers.py."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, router

Handler = Callable[[dict], None]


@dataclass(frozen=True)
class Subscription:
    name: str  # dotted path of the handler function: stable across deploys, used by the inbox
    func: Handler
    custom_retry_schedule: tuple[float, ...] | None

    @property
    def retry_schedule(self) -> tuple[float, ...]:
        """Seconds to wait before each retry; its length is the number of retries."""
        return self.custom_retry_schedule or tuple(settings.EVENTS_RETRY_SCHEDULE)


_by_type: dict[str, list[Subscription]] = defaultdict(list)
_by_name: dict[str, Subscription] = {}


def subscribe(
    event_type: str, *, retry_schedule: Sequence[float] | None = None
) -> Callable[[Handler], Handler]:
    """Register the decorated function as a handler of `event_type` (e.g. "orders.OrderCreated.v1").

    The handler receives the CloudEvents envelope (a dict) and runs inside a transaction that
    also records it in the inbox, so its database effects happen once per event.
    """

    def register(func: Handler) -> Handler:
        name = f"{func.__module__}.{func.__qualname__}"
        subscription = _by_name.setdefault(
            name, Subscription(name, func, tuple(retry_schedule) if retry_schedule else None)
        )
        if subscription not in _by_type[event_type]:
            _by_type[event_type].append(subscription)
        return func

    return register


def subscribers(event_type: str) -> list[Subscription]:
    return list(_by_type.get(event_type, ()))


def event_types() -> list[str]:
    """Every event type that has at least one subscriber."""
    return [event_type for event_type, subscriptions in _by_type.items() if subscriptions]


def subscription(name: str) -> Subscription | None:
    return _by_name.get(name)


def database_of(subscription: Subscription) -> str:
    """The database the handler's module writes to (through the routers), if it holds the
    backbone's tables: its inbox row, retries and dead letters go there as well, so they commit
    with its effects in one connection. Otherwise `default` (reporting's SQL Server has no inbox:
    its handlers are idempotent by design, see apps/reporting)."""
    app_config = apps.get_containing_app_config(subscription.func.__module__)
    model = next(iter(app_config.get_models()), None) if app_config else None
    using = router.db_for_write(model) if model is not None else DEFAULT_DB_ALIAS
    return using if router.allow_migrate(using, "events") else DEFAULT_DB_ALIAS


def events_databases() -> list[str]:
    """Every database holding the backbone's tables (`default`, and `notifications` when configured)."""
    return [alias for alias in settings.DATABASES if router.allow_migrate(alias, "events")]
