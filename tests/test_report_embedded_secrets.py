"""Credentials embedded in clear values (a URL's userinfo, a connection string) are never printed, in any
format; and a message that quotes a secret with `repr` or `json.dumps` is scrubbed in that form too.

The values are hostile: quotes of both kinds, backslashes, non-ASCII letters and newlines inside the
password. The real qualified-endpoint policy quotes `auth_url` with `repr`; a careless test policy quotes
values with `repr` and `json.dumps`, so that the writers' scrubbing is what is under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

import pytest
from conftest import pulumi_provider, pulumi_resource, terraform_resource
from souverain.policies.qualified_endpoint import POLICY as QUALIFIED_ENDPOINT

from souverain.catalog import Catalog
from souverain.engine import Evaluation, evaluate
from souverain.model import Plan, Resource, Secret
from souverain.policy import Context, Enforcement, Policy, Severity, Violation
from souverain.reports import FORMATS, render
from souverain.reports._redact import embedded_in, scrub_embedded

PASSWORDS = {
    "quotes": "pw'with\"both-9",
    "backslash": "back\\slash\\x41-7",
    "unicode": "mot-de-passé-ü-3",
    "newline": "two\nlines-pw-5",
}
CONNECTION_PASSWORD = "Db'Pass\\wörd\"1"
SECRET_VALUE = "vault-tok'en\\\"é\n-2"


def _forms(secret: str) -> set[str]:
    """The secret as any report could spell it: raw, repr-escaped, JSON-escaped (ASCII or not), XML."""
    forms = {
        secret,
        repr(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=True)[1:-1],
    }
    forms |= {escape(form) for form in list(forms)} | {quoteattr(secret)[1:-1]}
    # JSON-escape of the repr form (a JSON report of a message that quoted the value with repr)
    forms.add(json.dumps(repr(secret)[1:-1])[1:-1])
    return {form for form in forms if len(form) >= 4}


def _quoting(resource: Resource, context: Context) -> Iterator[Violation]:
    """A careless policy: it quotes the values it looks at, with repr and with json.dumps."""
    for key in ("connection", "token"):
        value = resource.properties.get(key)
        if isinstance(value, Secret):
            value = value.reveal()
        if isinstance(value, str):
            yield Violation(f"{key} is {value!r} (json: {json.dumps(value)})", path=key)


QUOTING = Policy(
    id="quoting",
    title="A policy that quotes values",
    severity=Severity.LOW,
    enforcement=Enforcement.MANDATORY,
    rationale="test",
    remediation="test",
    requirements=(),
    check_resource=_quoting,
)


@pytest.fixture
def evaluation(small_catalog: Catalog) -> Evaluation:
    resources: list[Resource] = []
    for name, password in PASSWORDS.items():
        # Not marked secret: the user wrote the password into the URL in clear.
        resources.append(
            pulumi_provider(
                "openstack", {"authUrl": f"https://ops:{password}@auth.unknown-{name}.test/v3"}, name=name
            )
        )
    resources.append(
        terraform_resource(
            "openstack_db_instance_v1",
            {
                "connection": f"Server=db.snc.acme.test;User Id=app;Password={CONNECTION_PASSWORD};",
                "token": SECRET_VALUE,
            },
            after_sensitive={"token": True},
        )
    )
    resources.append(pulumi_resource("openstack:compute/instance:Instance", {"name": "vm"}))
    plan = Plan(resources, source="pulumi-preview", path="plan.json", stack="prod")
    return evaluate(resources, small_catalog, [QUALIFIED_ENDPOINT, QUOTING], plan=plan)


def test_the_policies_really_quote_the_values(evaluation: Evaluation) -> None:
    messages = "\n".join(f.message for f in evaluation.findings)
    for password in PASSWORDS.values():
        assert repr(f"https://ops:{password}@")[1:-1] in messages
    assert (
        CONNECTION_PASSWORD in json.loads(json.dumps(messages)) or repr(CONNECTION_PASSWORD)[1:-1] in messages
    )
    assert repr(SECRET_VALUE)[1:-1] in messages
    assert json.dumps(SECRET_VALUE)[1:-1] in messages


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_embedded_credential_in_any_format(evaluation: Evaluation, fmt: str) -> None:
    out = render(evaluation, fmt)
    for secret in (*PASSWORDS.values(), CONNECTION_PASSWORD, SECRET_VALUE):
        for form in _forms(secret):
            assert form not in out, f"{fmt} leaks {secret!r} as {form!r}"
    assert "[secret]" in out
    assert "auth.unknown-quotes.test" in out  # the rest of the value is still shown


def test_embedded_credentials_are_found_in_urls_and_connection_strings() -> None:
    assert list(embedded_in("postgres://app:s3cret-pw@db/hdh")) == ["s3cret-pw"]
    assert list(embedded_in("redis://:r3dis-pw@cache:6379")) == ["r3dis-pw"]
    assert list(embedded_in("Host=db;Username=app;Password=Npg-pw-1;")) == ["Npg-pw-1"]
    assert list(embedded_in("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=abc+def==;")) == [
        "abc+def=="
    ]
    assert list(embedded_in("https://db.snc.acme.test/hdh?sslmode=require")) == []
    assert list(embedded_in("postgres://app@db/hdh")) == []
    assert scrub_embedded("auth_url 'https://ops:p\\'w@h/v3'") == "auth_url 'https://ops:[secret]@h/v3'"
