import pytest
from django.contrib.auth.models import Group

from tests.factories.accounts import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def permissions_of(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }


def test_each_role_has_exactly_the_permissions_it_needs():
    notes = {"orders.view_ordernote", "orders.add_ordernote"}
    assert permissions_of("support") == {
        "orders.view_order",
        "orders.cancel_order",
        "payments.view_payment",
        "accounts.view_user",
        "catalog.view_productadminentry",
        *notes,
    }
    assert permissions_of("fulfilment") == {
        "orders.view_order",
        "orders.ship_order",
        "catalog.view_productadminentry",
        *notes,
    }
    assert permissions_of("finance") == {
        "orders.view_order",
        "payments.view_payment",
        "payments.capture_payment",
        "payments.refund_payment",
        "reporting.view_dailysales",
        "reporting.view_orderfact",
        "reporting.view_paymentfact",
        "payments.view_parkedwebhook",  # signed callbacks we could not read (payments.0002)
        "payments.change_parkedwebhook",
        "payments.view_reconciliationrun",  # reconciliation's reports (payments.0004)
        "payments.view_providercallindoubt",
        *notes,
    }
    assert permissions_of("operations") == {
        "events.view_outboxevent",
        "events.view_deadletter",
        "events.replay_deadletter",
        "notifications.view_webhookendpoint",
        "notifications.add_webhookendpoint",
        "notifications.change_webhookendpoint",
        "notifications.send_test_event",
        "notifications.view_delivery",
        "notifications.replay_delivery",
    }


@pytest.mark.parametrize(
    ("role", "may_refund", "may_ship", "may_cancel"),
    [("finance", True, False, False), ("fulfilment", False, True, False), ("support", False, False, True)],
)
def test_least_privilege_by_role(role, may_refund, may_ship, may_cancel):
    staff = StaffFactory(role=role)

    assert staff.has_perm("payments.refund_payment") is may_refund
    assert staff.has_perm("orders.ship_order") is may_ship
    assert staff.has_perm("orders.cancel_order") is may_cancel
    assert staff.has_perm("orders.view_order") is True


def test_a_customer_has_no_staff_permission():
    customer = UserFactory()

    assert customer.get_all_permissions() == set()


@pytest.mark.django_db(databases=["default", "reporting"])  # finance's home page shows sales
def test_staff_sign_in_to_the_admin_with_their_email(client):
    StaffFactory(email="fin@example.com", role="finance")

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "fin@example.com", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_customer_cannot_sign_in_to_the_admin(client):
    UserFactory(email="shopper@example.com")

    response = client.post(
        "/admin/login/?next=/admin/", {"username": "shopper@example.com", "password": PASSWORD}
    )

    assert response.status_code == 200  # the form again, with an error
    assert client.get("/admin/").status_code == 302
