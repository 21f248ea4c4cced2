import json
import subprocess

import pytest

from tests.config.test_settings import PRODUCTION_ENV, run_python

pytestmark = pytest.mark.django_db
SHOP = "https://shop.example.com"


@pytest.fixture
def storefront_origin(settings):
    settings.CORS_ALLOWED_ORIGINS = [SHOP]


def preflight(client, origin: str, method: str = "POST"):
    return client.options(
        "/api/v1/auth/token",
        HTTP_ORIGIN=origin,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD=method,
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )


def test_a_preflight_from_an_allowed_origin_is_answered(client, storefront_origin):
    response = preflight(client, SHOP)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "POST" in response["Access-Control-Allow-Methods"]
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_from_another_origin_gets_no_cors_headers(client, storefront_origin):
    response = preflight(client, "https://evil.example.net")

    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Methods" not in response


def test_an_allowed_origins_call_can_read_retry_after(client, storefront_origin):
    response = client.get("/api/v1/products", HTTP_ORIGIN=SHOP)

    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "Retry-After" in response["Access-Control-Expose-Headers"]


def test_the_admin_is_not_opened_to_other_origins(client, storefront_origin):
    assert "Access-Control-Allow-Origin" not in client.get("/admin/login/", HTTP_ORIGIN=SHOP)


def _cors_settings(extra: dict) -> subprocess.CompletedProcess:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.CORS_ALLOWED_ORIGINS, s.CORS_ALLOW_ALL_ORIGINS, s.CORS_ALLOW_CREDENTIALS]))"
    )
    return run_python(code, {**PRODUCTION_ENV, **extra})


def test_origins_come_from_the_environment():
    result = _cors_settings({"CORS_ALLOWED_ORIGINS": f"{SHOP},https://m.example.com"})

    assert json.loads(result.stdout) == [[SHOP, "https://m.example.com"], False, False]


def test_any_origin_never_comes_with_credentials():
    assert json.loads(_cors_settings({"CORS_ALLOWED_ORIGINS": "*"}).stdout) == [[], True, False]

    refused = _cors_settings({"CORS_ALLOWED_ORIGINS": "*", "CORS_ALLOW_CREDENTIALS": "true"})

    assert refused.returncode != 0
    assert "CORS_ALLOW_CREDENTIALS cannot be true when CORS_ALLOWED_ORIGINS is '*'" in refused.stderr
