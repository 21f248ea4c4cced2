"""With a `notifications` database configured, notifications and the backbone's tables of its
handlers live there; without one, the router does nothing (the monolith default)."""

import pytest

from apps.events.registry import database_of, events_databases, subscription
from config.db_routers import NotificationsRouter

NOTIFY = "apps.notifications.handlers.notify"
ORDERS = "apps.orders.handlers.commit_stock"
REPORTING = "apps.reporting.handlers.project_order"


@pytest.fixture
def notifications_database(monkeypatch):
    monkeypatch.setattr(NotificationsRouter, "_configured", staticmethod(lambda: True))


@pytest.mark.parametrize(
    ("db", "app_label", "allowed"),
    [
        ("notifications", "notifications", True),
        ("notifications", "events", True),  # the inbox, retries and dead letters of its handlers
        ("notifications", "orders", False),
        ("notifications", "accounts", False),
        ("default", "notifications", False),
        ("default", "events", None),  # left to the next router: default keeps its own
        ("reporting", "orders", None),
    ],
)
def test_a_configured_notifications_database_holds_notifications_and_its_backbone_tables_only(
    notifications_database, db, app_label, allowed
):
    assert NotificationsRouter().allow_migrate(db, app_label) is allowed


def test_a_handler_writes_its_inbox_in_its_own_modules_database(notifications_database):
    assert database_of(subscription(NOTIFY)) == "notifications"
    assert database_of(subscription(ORDERS)) == "default"
    # Reporting's database has no backbone tables: its inbox stays on default.
    assert database_of(subscription(REPORTING)) == "default"


def test_without_a_notifications_database_everything_stays_on_default():
    assert NotificationsRouter().allow_migrate("default", "notifications") is None
    assert {database_of(subscription(name)) for name in (NOTIFY, ORDERS, REPORTING)} == {"default"}
    assert events_databases() == ["default"]
