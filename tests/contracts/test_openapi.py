import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

from config.env import BASE_DIR

COMMITTED = BASE_DIR / "contracts" / "openapi.yaml"


def test_committed_openapi_matches_the_code(tmp_path: Path):
    generated = tmp_path / "openapi.yaml"

    call_command(
        "spectacular", "--api-version", "v1", "--validate", "--fail-on-warn", "--file", str(generated)
    )

    assert generated.read_text() == COMMITTED.read_text(), (
        "contracts/openapi.yaml is stale: run `make schema` and commit the result"
    )


def test_make_schema_writes_the_committed_schema_with_no_database_url(tmp_path: Path):
    """`make schema` on a machine where DATABASE_URL is unset (SQLite would give other integer
    bounds) still generates PostgreSQL's schema, the committed one."""
    generated = tmp_path / "openapi.yaml"
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}

    subprocess.run(
        ["make", "--no-print-directory", "-s", "openapi", f"OPENAPI_FILE={generated}"],
        cwd=BASE_DIR, env=environment, check=True, capture_output=True,
    )  # fmt: skip

    assert generated.read_text() == COMMITTED.read_text()


@pytest.mark.django_db
def test_schema_and_docs_are_served_to_anyone(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert "/api/v1/auth/token" in schema.json()["paths"]
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    # Served from our static files, not a CDN: the docs work on a closed network.
    assert b"cdn.jsdelivr" not in docs.content


def test_every_operation_documents_the_request_limit_problems_the_middleware_answers(client, settings):
    """The limits are answered before any view runs, so every operation can meet them (the fuzz
    test found an undocumented 414): each one documents both, and gets them as problem+json."""
    paths = yaml.safe_load(COMMITTED.read_text())["paths"]
    operations = [
        (re.sub(r"\{[^}]+\}", "1", path), method, operation)
        for path, item in paths.items()
        for method, operation in item.items()
    ]
    long_query = "?q=" + "x" * settings.REQUEST_TARGET_MAX
    long_header = {"HTTP_X_NOTE": "x" * (settings.REQUEST_HEADER_MAX + 1)}

    for path, method, operation in operations:
        assert {"414", "431"} <= operation["responses"].keys(), operation["operationId"]
        call = getattr(client, method)
        for status, response in ((414, call(path + long_query)), (431, call(path, **long_header))):
            assert (response.status_code, response["Content-Type"]) == (status, "application/problem+json"), (
                operation["operationId"]
            )
    assert len(operations) > 40


def test_deleting_the_account_documents_the_body_it_needs():
    """DELETE /accounts/me asks for the password in its body (a 400 without it): a client
    generated from the schema must be able to send one."""
    spec = yaml.safe_load(COMMITTED.read_text())
    operation = spec["paths"]["/api/v1/accounts/me"]["delete"]

    body = operation["requestBody"]
    assert body["required"] is True
    ref = body["content"]["application/json"]["schema"]["$ref"]
    component = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert component["required"] == ["current_password"]
    # Only the DELETE that declares a body documents one.
    assert all(
        "requestBody" not in item["delete"]
        for path, item in spec["paths"].items()
        if "delete" in item and path != "/api/v1/accounts/me"
    )
