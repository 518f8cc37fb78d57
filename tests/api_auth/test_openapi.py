"""The OpenAPI document describes the auth endpoints and the bearer scheme."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

AUTH_OPERATIONS = {
    ("post", "/api/v1/auth/token"): ("TokenObtainIn", "200", "TokenPairOut"),
    ("post", "/api/v1/auth/token/refresh"): ("RefreshIn", "200", "TokenPairOut"),
    ("post", "/api/v1/auth/logout"): ("RefreshIn", "204", None),
    ("post", "/api/v1/auth/register"): ("RegisterIn", "201", "MeOut"),
    ("post", "/api/v1/auth/verify-email"): ("VerifyEmailIn", "204", None),
    ("post", "/api/v1/auth/verify-email/resend"): (None, "202", "MessageOut"),
    ("post", "/api/v1/auth/password-reset"): ("PasswordResetIn", "202", "MessageOut"),
    ("post", "/api/v1/auth/password-reset/confirm"): ("PasswordResetConfirmIn", "204", None),
    ("get", "/api/v1/me"): (None, "200", "MeOut"),
    ("patch", "/api/v1/me"): ("MePatchIn", "200", "MeOut"),
}
SIGNED_IN: list[dict[str, list[str]]] = [{"JWTBearer": []}, {"SessionCookie": []}]


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_every_auth_operation_is_documented_with_its_schemas(document):
    for (method, path), (request_schema, status, response_schema) in AUTH_OPERATIONS.items():
        operation = document["paths"][path][method]
        assert operation["tags"] == ["auth"], path
        if request_schema is None:
            assert "requestBody" not in operation, path
        else:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert body == ref(request_schema), path
        response = operation["responses"][status]
        if response_schema is None:
            assert "content" not in response, path
        else:
            assert response["content"]["application/json"]["schema"] == ref(response_schema)
        errors = {code for code in operation["responses"] if code != status}
        assert "429" in errors or method == "get", path
        for code in errors:
            schema = operation["responses"][code]["content"]["application/json"]["schema"]
            assert schema == ref("ErrorOut"), (path, code)


def test_the_bearer_scheme_and_the_session_cookie_are_declared(document):
    assert document["components"]["securitySchemes"]["JWTBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    assert document["components"]["securitySchemes"]["SessionCookie"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
    }


def test_signed_in_operations_accept_a_bearer_token_or_the_session(document):
    paths = document["paths"]
    assert paths["/api/v1/me"]["get"]["security"] == SIGNED_IN
    assert paths["/api/v1/me"]["patch"]["security"] == SIGNED_IN
    assert paths["/api/v1/auth/verify-email/resend"]["post"]["security"] == SIGNED_IN
    for path in (
        "/api/v1/auth/token",
        "/api/v1/auth/token/refresh",
        "/api/v1/auth/logout",
        "/api/v1/auth/register",
        "/api/v1/auth/password-reset",
    ):
        assert "security" not in paths[path]["post"], path


def test_the_token_schemas_say_what_a_client_sends_and_gets(document):
    schemas = document["components"]["schemas"]
    assert schemas["TokenObtainIn"]["required"] == ["email", "password"]
    assert schemas["TokenObtainIn"]["additionalProperties"] is False
    assert schemas["TokenPairOut"]["properties"]["token_type"]["const"] == "Bearer"
    assert schemas["TokenPairOut"]["required"] == ["access", "refresh", "token_type", "expires_in"]
    assert schemas["RegisterIn"]["additionalProperties"] is False
    assert sorted(schemas["MeOut"]["properties"]) == [
        "date_joined",
        "email",
        "email_verified",
        "id",
        "is_staff",
        "name",
    ]
