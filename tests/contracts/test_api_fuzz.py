"""Schemathesis over every operation in contracts/openapi.yaml, against the app in this process.

The committed schema is the contract, so that is what we load (test_openapi.py keeps it equal to
the code's). Requests go through Django's WSGI handler with schemathesis's WSGI transport: same
process, same test transaction, same mongomock catalog as the fixtures below.

Each operation gets its principal (a customer for the storefront, staff in the role the endpoint
needs), a fresh Idempotency-Key on every request, and — for about half the examples — real ids,
SKUs and a valid order body, since random UUIDs would only ever meet 404s.
"""

import os
import uuid

import hypothesis.strategies as st
import pytest
import schemathesis
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.contracts import ROLES
from apps.accounts.tokens import token_issue
from config.env import BASE_DIR
from tests.factories.accounts import PASSWORD, StaffFactory, UserFactory, token_client
from tests.factories.catalog import ProductFactory
from tests.factories.payments import captured_payment
from tests.helpers import place

pytestmark = pytest.mark.django_db

# At most 100 fuzzed examples per operation, plus the coverage phase's deterministic boundary
# and negative cases: about 1,700 requests, under a minute. FUZZ_MAX_EXAMPLES raises the bound
# for a deeper local run. No stateful phase (the schema declares no links between operations)
# and no example database left on disk.
CONFIG = schemathesis.Config.from_str(
    f"""
[generation]
max-examples = {int(os.environ.get("FUZZ_MAX_EXAMPLES", 100))}
database = "none"
with-security-parameters = false

[phases.stateful]
enabled = false
"""
)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_path(BASE_DIR / "contracts" / "openapi.yaml", config=CONFIG)
schema.app = WSGIHandler()

# Who calls each operation: staff in a role where the endpoint needs a permission, nobody on the
# public ones, the customer everywhere else.
STAFF_ROLE = {
    "orders_ship": "fulfilment",
    "payments_retrieve": "support",
    "payments_capture": "finance",
    "payments_refund": "finance",
}
PUBLIC = {"auth_token_obtain", "payments_webhook", "products_list", "products_retrieve"}
PRINCIPALS = ["customer", "other-customer", *ROLES]
ANONYMOUS = "anonymous"

# Real values the generators may swap in, filled per test by the `shop` fixture (generation
# happens inside the test, after fixtures, so the strategies below read the current ones).
REAL: dict[str, list] = {}


@pytest.fixture
def shop():
    """Products, a customer with three placed orders (authorized payments, one whose capture
    fails), two captured payments, and a user per principal; returns {principal: header}."""
    products = [ProductFactory(on_hand=100_000) for _ in range(3)]
    customer = UserFactory()
    client = token_client(customer)
    # Several of each, so cancelling, shipping, capturing or refunding one leaves others to act on.
    orders = [
        place(client, (products[0].sku, 1), key=f"fuzz-{method}-{n}", method=method).json()
        for n, method in enumerate(["pm_sandbox_ok", "pm_sandbox_ok", "pm_sandbox_capture_fails"])
    ]
    REAL.update(
        order_id=[order["id"] for order in orders],
        payment_id=[order["payment_id"] for order in orders] + [str(captured_payment().pk) for _ in range(2)],
        sku=[p.sku for p in products],
        provider=["sandbox"],
        credentials=[{"email": customer.email, "password": PASSWORD}],
    )
    users = {"customer": customer, "other-customer": UserFactory()}
    users |= {role: StaffFactory(role=role) for role in ROLES}
    yield {principal: f"Bearer {token_issue(user=user)[0]}" for principal, user in users.items()}
    REAL.clear()


@pytest.fixture
def wsgi_keeps_test_transaction():
    """Django closes 'old' connections around each request; inside the test transaction that
    would break it. Django's own test client disconnects the same receivers."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _forget_login_attempts():
    """The token endpoint allows 10 attempts a minute per client, and every example comes from
    the same client: without this all but the first ten would only meet the (documented) 429."""
    if hasattr(cache, "delete_pattern"):
        cache.delete_pattern("throttle_*")
    else:
        cache.clear()  # the local-memory cache of a run without Redis


def _principal(operation_id: str) -> str:
    return STAFF_ROLE.get(operation_id, "customer")


def _real_or(value, choices: list):
    return st.one_of(st.just(value), st.sampled_from(choices)) if choices else st.just(value)


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time, each path id is a real one (an order, a payment, a SKU, a provider)."""
    if not path_parameters:  # None for operations without path parameters
        return st.just(path_parameters)
    strategies = {name: _real_or(value, REAL.get(name, [])) for name, value in path_parameters.items()}
    return st.fixed_dictionaries(strategies)


@schema.hook
def flatmap_headers(context, headers):
    """Names the caller in Authorization (the test swaps in the token): mostly the principal the
    operation is for; now and then nobody (401) or someone else (404 for another customer's
    order, 403 for staff without the permission)."""
    operation_id = context.operation.definition.raw.get("operationId")
    if operation_id in PUBLIC:
        return st.just(headers)
    own = _principal(operation_id)
    callers = [own] * 4 + [ANONYMOUS] + [p for p in PRINCIPALS if p != own]
    return st.sampled_from(callers).map(lambda caller: {**(headers or {}), "Authorization": caller})


@schema.hook
def flatmap_body(context, body):
    """Half the time, a well-formed order (real SKUs, a sandbox payment) or real credentials."""
    operation_id = context.operation.definition.raw.get("operationId")
    if not isinstance(body, dict):
        return st.just(body)
    if operation_id == "orders_create" and isinstance(body.get("lines"), list):
        valid = st.builds(
            lambda skus, method: {
                **body,
                "lines": [{"sku": sku, "quantity": 1} for sku in skus],
                "payment": {"provider": "sandbox", "method": method},
            },
            st.lists(st.sampled_from(REAL["sku"]), min_size=1, max_size=3, unique=True),
            # Not pm_sandbox_timeout: a simulated provider outage is a deliberate (documented) 503,
            # which not_a_server_error would rightly count; tests/orders cover that path.
            st.sampled_from(["pm_sandbox_ok", "pm_sandbox_declined", "pm_sandbox_capture_fails"]),
        )
        return st.one_of(st.just(body), valid)
    if operation_id == "auth_token_obtain":
        return _real_or(body, REAL["credentials"])
    return st.just(body)


@schema.parametrize()
# `shop` is set up once per operation and shared by its examples on purpose: state piles up
# (orders placed, cancelled, shipped) and every answer must still keep the contract.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_keeps_its_contract(case, shop, wsgi_keeps_test_transaction):
    operation = case.operation.definition.raw
    headers = dict(case.headers or {})
    # Cases from the coverage phase skip the hooks: they are made by the operation's principal.
    caller = headers.pop("Authorization", None) or _principal(operation["operationId"])
    if operation["operationId"] not in PUBLIC and caller != ANONYMOUS:
        headers["Authorization"] = shop[caller]
    if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", [])):
        headers["Idempotency-Key"] = str(uuid.uuid4())  # a reused key would only replay or 422
    case.headers = headers
    if operation["operationId"] == "auth_token_obtain":
        _forget_login_attempts()
    case.call_and_validate(checks=CHECKS)
