"""How the API token authentication appears in the OpenAPI schema: two schemes, either one will do."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

EXAMPLE = "9f2c4e0b7d1a…"  # shortened: a real token is 64 hex characters


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.auth.ApiTokenAuthentication"
    name = ["bearerAuth", "tokenAuth"]

    def get_security_requirement(self, auto_schema):
        return [{"bearerAuth": []}, {"tokenAuth": []}]  # alternatives, not both at once

    def get_security_definition(self, auto_schema):
        return [
            {
                "type": "http",
                "scheme": "bearer",
                "description": (
                    "A token from `POST /api/v1/auth/token`, e.g. "
                    f"`Authorization: Bearer {EXAMPLE}`. Expires 14 days after its last use (90 days "
                    "after sign-in at the latest); `POST /api/v1/auth/logout` revokes it. A revoked or "
                    "expired token gets 401 `token-invalid` / `token-expired`."
                ),
            },
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": (
                    f"The same token with the older prefix, for existing clients: `Authorization: Token {EXAMPLE}`."
                ),
            },
        ]
