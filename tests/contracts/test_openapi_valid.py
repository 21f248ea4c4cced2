"""contracts/openapi.yaml is a valid OpenAPI 3.0 document by a validator other than the one
that wrote it (drf-spectacular's --validate), so consumers' generators can rely on it."""

import copy

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator, validate
from openapi_spec_validator.readers import read_from_filename
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from config.env import BASE_DIR

SPEC, SPEC_URL = read_from_filename(str(BASE_DIR / "contracts" / "openapi.yaml"))


def test_committed_openapi_is_valid_openapi_3_0():
    assert SPEC["openapi"].startswith("3.0.")

    validate(SPEC, base_uri=SPEC_URL, cls=OpenAPIV30SpecValidator)


def test_the_validator_rejects_an_operation_without_responses():
    # Guards the test above against a validator that accepts anything.
    broken = copy.deepcopy(SPEC)
    del broken["paths"]["/api/v1/orders"]["get"]["responses"]

    with pytest.raises(OpenAPIValidationError):
        validate(broken, base_uri=SPEC_URL, cls=OpenAPIV30SpecValidator)
