import pytest
from rest_framework.test import APIClient

PROBLEM = "application/problem+json"
BASE = "https://problems.commerce.example/"

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.common.urls")]


def test_unknown_api_route_is_a_problem_404(api_client):
    response = api_client.post("/api/v1/no-such-thing", {}, format="json")

    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM
    assert response.json() == {
        "type": BASE + "not-found",
        "title": "Not Found",
        "status": 404,
        "detail": "No API route matches /api/v1/no-such-thing.",
        "instance": "/api/v1/no-such-thing",
    }


def test_unknown_page_outside_the_api_stays_html(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_malformed_json_is_a_400_problem(api_client):
    response = api_client.post("/api/v1/test/cart", '{"email": ', content_type="application/json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == BASE + "malformed-request"
    assert body["detail"].startswith("JSON parse error")


def test_wrong_content_type_is_a_415_problem(api_client):
    response = api_client.post(
        "/api/v1/test/cart", "email=a@b.c", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 415
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == BASE + "unsupported-media-type"
    assert (
        response.json()["detail"] == 'Unsupported media type "application/x-www-form-urlencoded" in request.'
    )


def test_field_errors_point_at_each_field_at_fault(api_client):
    payload = {
        "email": "not-an-email",
        "lines": [{"sku": "OK-1", "quantity": 1}, {"sku": "TOO-LONG-SKU", "quantity": 0}],
    }

    response = api_client.post("/api/v1/test/cart", payload, format="json")

    assert response.status_code == 400
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["type"] == BASE + "validation-error"
    assert body["errors"] == [
        {"pointer": "#/email", "detail": "Enter a valid email address.", "code": "invalid"},
        {
            "pointer": "#/lines/1/sku",
            "detail": "Ensure this field has no more than 8 characters.",
            "code": "max_length",
        },
        {
            "pointer": "#/lines/1/quantity",
            "detail": "Ensure this value is greater than or equal to 1.",
            "code": "min_value",
        },
    ]
    assert body["detail"].startswith("email: Enter a valid email address.; lines.1.sku: ")


def test_object_level_errors_point_at_the_whole_document(api_client):
    lines = [{"sku": f"S-{i}", "quantity": 1} for i in range(3)]

    response = api_client.post("/api/v1/test/cart", {"email": "a@example.com", "lines": lines}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"pointer": "#", "detail": "At most two lines.", "code": "invalid"}]
    assert response.json()["detail"] == "At most two lines."


def test_missing_body_fields_are_named(api_client):
    response = api_client.post("/api/v1/test/cart", {}, format="json")

    assert [e["pointer"] for e in response.json()["errors"]] == ["#/email", "#/lines"]
    assert {e["code"] for e in response.json()["errors"]} == {"required"}


def test_wrong_method_is_a_405_problem(api_client):
    response = api_client.delete("/api/v1/test/cart")

    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == BASE + "method-not-allowed"


def test_unhandled_error_on_the_api_is_a_500_problem_without_internals():
    client = APIClient(raise_request_exception=False)

    response = client.get("/api/v1/test/broken")

    assert response.status_code == 500
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == BASE + "internal-error"
    assert "deliberate" not in response.content.decode()


def test_oversized_body_is_a_413_problem(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    payload = {"email": "a@example.com", "lines": [{"sku": "X", "quantity": 1}] * 20}

    response = api_client.post("/api/v1/test/cart", payload, format="json")

    assert response.status_code == 413
    assert response["Content-Type"] == PROBLEM
    assert response.json()["type"] == BASE + "payload-too-large"
