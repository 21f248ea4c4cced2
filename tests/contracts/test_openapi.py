from pathlib import Path

import pytest
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
