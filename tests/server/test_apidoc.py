"""web/apidoc.py and its openapi.json: a valid OpenAPI 3.1 description of every route, served at
/openapi.json; the Receivables parts answering as described; and odd input (numbers past 64
bits, lone surrogates, deep JSON, NUL, odd event times) refused as described."""

import copy
import json
import time
import uuid

import pytest
import requests
import schemathesis
from openapi_spec_validator import OpenAPIV31SpecValidator

from stripe_emulator import Emulator
from tests.helpers import api_description, post_signed, served

PASSWORD = "openapi-admin-password"
INT64_MAX = 2**63 - 1

DESCRIPTION = api_description()

FULL = schemathesis.openapi.from_dict(copy.deepcopy(DESCRIPTION))


def _documented(contract, method, path, status):
    responses = contract.raw_schema["paths"][path][method.lower()]["responses"]
    response = responses.get(str(status))
    assert response is not None, f"{method} {path} answered {status}, not described"
    if "$ref" in response:
        response = contract.raw_schema["components"]["responses"][response["$ref"].split("/")[-1]]
    return response


def conforms(method, path, answer, contract=FULL):
    """Raise unless the description allows `answer` (status, content type, body) here."""
    response = _documented(contract, method, path, answer.status_code)
    media_type = answer.headers.get("Content-Type", "").split(";")[0]
    assert media_type in response.get("content", {}), f"{media_type} not described"
    contract[path][method].validate_response(answer)
    return answer


def test_the_description_is_valid_openapi_3_1():
    assert list(OpenAPIV31SpecValidator(DESCRIPTION).iter_errors()) == []


def test_the_validator_finds_a_broken_description():
    broken = copy.deepcopy(DESCRIPTION)
    del broken["paths"]["/invoices"]["post"]["responses"]
    broken["components"]["parameters"]["InvoiceId"]["in"] = "body"
    assert len(list(OpenAPIV31SpecValidator(broken).iter_errors())) >= 2


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """The server in emulator mode, without ADMIN_PASSWORD, on SQLite."""
    emulator = Emulator(processing_seconds=0.2, webhook_first_retry=0.05, webhook_attempts=4)
    url = f"sqlite:///{tmp_path_factory.mktemp('contract') / 'invoicing.db'}"
    with served(emulator, url) as server:
        yield server
    emulator.close()


def _served_routes(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        path = rule.rule.replace("<path:", "<").replace("<", "{").replace(">", "}")
        routes.update((m, path) for m in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def test_every_served_route_is_described_and_every_described_one_served(api):
    described = {(m.upper(), path) for path, item in DESCRIPTION["paths"].items() for m in item}
    served_routes = _served_routes(api.live.app)
    assert described == served_routes


def test_the_server_serves_the_description(api):
    answer = conforms("GET", "/openapi.json", api.get("/openapi.json"))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json() == DESCRIPTION


def test_the_description_asks_for_credentials_like_the_json_routes(emulator, sqlite_url):
    with served(emulator, sqlite_url, ADMIN_PASSWORD=PASSWORD) as guarded:
        refused = conforms("GET", "/openapi.json", guarded.get("/openapi.json"))
        assert refused.status_code == 401
        allowed = guarded.get("/openapi.json", auth=("admin", PASSWORD))
        assert allowed.status_code == 200
        assert allowed.json() == DESCRIPTION


def _bounds(which):
    """A POST /invoices body at the described bounds: every field's least or most at once (with
    one of each item, so that the total stays a sane amount), or the largest quantity."""
    schemas = DESCRIPTION["components"]["schemas"]
    new, item = schemas["NewInvoice"]["properties"], schemas["Item"]["properties"]
    field = schemas["CustomField"]["properties"]
    most = item["quantity"]["maximum"]
    if which == "largest quantity":
        return {"email": "most@example.com", "items": [{"price": None, "quantity": most}]}
    if which == "least":
        return {
            "email": "a@b.co",
            "items": [{"price": None, "quantity": item["quantity"]["minimum"]}],
            "days_until_due": new["days_until_due"]["minimum"],
            "custom_fields": [{"name": "k", "value": "v"}],
        }
    # 64 characters before the @ (the most a mailbox name may hold), labels of 63 after it.
    last_label = new["email"]["maxLength"] - len("@.com") - 64 - 2 * 64
    email = f"{'a' * 64}@{'d' * 63}.{'e' * 63}.{'f' * last_label}.com"
    one = {"name": "k" * field["name"]["maxLength"], "value": "v" * field["value"]["maxLength"]}
    return {
        "email": email,
        "name": "n" * new["name"]["maxLength"],
        "items": [{"price": None, "quantity": 1}] * new["items"]["maxItems"],
        "days_until_due": new["days_until_due"]["maximum"],
        "description": "d" * new["description"]["maxLength"],
        "custom_fields": [one] * new["custom_fields"]["maxItems"],
    }


@pytest.mark.parametrize("which", ["least", "most", "largest quantity"])
def test_the_described_bounds_are_accepted(api, which):
    body = _bounds(which)
    gold = api.prices()["gold_special"]["id"]
    body["items"] = [{**item, "price": gold} for item in body["items"]]
    answer = conforms("POST", "/invoices", api.post("/invoices", body))
    assert answer.status_code == 201, answer.text


def _sent(api, email="contract@example.com"):
    answer = conforms("POST", "/invoices", api.send(email=email))
    assert answer.status_code == 201
    return answer.json()


def _reminded(api):
    invoice = _sent(api)
    path = f"/invoices/{invoice['id']}/remind"
    answer = conforms("POST", "/invoices/{invoice_id}/remind", api.post(path))
    assert answer.status_code == 200
    assert answer.json()["reminder_count"] == 1
    api.post(f"/invoices/{invoice['id']}/void")
    again = api.post(f"/invoices/{invoice['id']}/remind")
    assert conforms("POST", "/invoices/{invoice_id}/remind", again).status_code == 409


def _receivables(api):
    answer = api.get(f"/receivables?as_of={int(time.time())}")
    assert conforms("GET", "/receivables", answer).status_code == 200
    refused = api.get("/receivables?as_of=soon")
    assert conforms("GET", "/receivables", refused).status_code == 400


def _outbox(api):
    invoice = _sent(api)
    answer = conforms("GET", "/outbox", api.get("/outbox"))
    assert answer.status_code == 200
    assert invoice["id"] in {email["invoice"] for email in answer.json()["data"]}


def _status_filter(api):
    _sent(api)
    answer = conforms("GET", "/invoices", api.get("/invoices?status=void"))
    assert {i["status"] for i in answer.json()["data"]} <= {"void"}
    refused = conforms("GET", "/invoices", api.get("/invoices?status=lost"))
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "status"


def _invoice_fields(api):
    invoice = _sent(api)
    answer = api.get(f"/invoices/{invoice['id']}")
    shown = conforms("GET", "/invoices/{invoice_id}", answer)
    assert {"overdue", "days_overdue", "reminded_at", "reminder_count"} <= set(shown.json())


RECEIVABLES = [
    pytest.param(check, id=check.__name__.strip("_"))
    for check in (_reminded, _receivables, _outbox, _status_filter, _invoice_fields)
]


@pytest.mark.parametrize("check", RECEIVABLES)
def test_receivables_as_described(api, check):
    check(api)


def _raw_post(api, path, body):
    return requests.post(api.url + path, data=body, timeout=30,
                         headers={"Content-Type": "application/json"})  # fmt: skip


def _catalog_body(api, **fields):
    gold = api.prices()["gold_special"]["id"]
    return {"email": "odd@example.com", "items": [{"price": gold}], **fields}


def _refused(method, path, answer, field=None):
    conforms(method, path, answer)
    assert answer.status_code == 400, answer.text
    if field:
        assert answer.json()["error"]["field"] == field


def _since_past_int64(api):
    # Past the largest 64-bit integer: more than any integer column holds.
    for since in (INT64_MAX + 1, 10**30):
        _refused("GET", "/invoices", api.get(f"/invoices?since={since}"), "since")


def _since_non_ascii_digits(api):
    _refused("GET", "/invoices", api.get("/invoices?since=%C2%B2"), "since")


def _lone_surrogate(api):
    for field in ("name", "description"):
        body = json.dumps(_catalog_body(api, **{field: "\ud800"}))
        _refused("POST", "/invoices", _raw_post(api, "/invoices", body), field)


def _deep_json(api):
    deep = "[" * 100_000 + "]" * 100_000
    _refused("POST", "/invoices", _raw_post(api, "/invoices", deep))
    invoice = _sent(api)
    path = f"/invoices/{invoice['id']}/pay/test"  # public, even with ADMIN_PASSWORD
    _refused("POST", "/invoices/{invoice_id}/pay/test", _raw_post(api, path, deep))


def _control_characters(api):
    body = _catalog_body(api, description="a\x00b", email="nul@example.com")
    _refused("POST", "/invoices", api.post("/invoices", body), "description")


def _signed_event(api, created):
    secret = api.live.app.config["STRIPE_WEBHOOK_SECRETS"][0]
    event = {"id": f"evt_{uuid.uuid4().hex}", "type": "invoice.paid", "created": created,
             "data": {"object": {"object": "invoice", "id": "in_unknown"}}}  # fmt: skip
    _refused("POST", "/webhook", post_signed(api.url + "/webhook", event, secret))


ODD_INPUTS = [
    pytest.param(check, id=name)
    for name, check, refused in [
        ("since_past_int64", _since_past_int64,
         "?since= past 2**63-1, before it reaches the database"),
        ("since_non_ascii_digits", _since_non_ascii_digits,
         "?since=², a digit to isdigit() but not to int()"),
        ("lone_surrogate", _lone_surrogate, "a lone surrogate in text, which no encoding takes"),
        ("deep_json", _deep_json, "deeply nested JSON, on the public pay/test route too"),
        ("control_characters", _control_characters,
         "NUL in text, which PostgreSQL cannot store"),
        ("created_true", lambda api: _signed_event(api, True),
         "a signed event whose created is true"),
        ("created_past_int64", lambda api: _signed_event(api, 2**63),
         "a signed event whose created is 2**63 or more"),
    ]
]  # fmt: skip


@pytest.mark.parametrize("check", ODD_INPUTS)
def test_odd_input_is_refused(api, check):
    check(api)


def _nul_in_ids_and_queries(api):
    for path in ("/invoices/in_%00", "/invoices/in_%00/pay/status", "/invoices?email=a%00"):
        answer = api.get(path)
        assert answer.status_code in (400, 404), (path, answer.status_code)


@pytest.fixture(scope="module")
def postgresql_api(postgres):
    """The same server on PostgreSQL."""
    emulator = Emulator()
    with served(emulator, postgres.create_database(f"t_{uuid.uuid4().hex[:12]}")) as server:
        yield server
    emulator.close()


@pytest.mark.parametrize(
    "check",
    [
        pytest.param(check, id=check.__name__.strip("_"))
        for check, where in [
            (_control_characters, "in a body"),
            (_nul_in_ids_and_queries, "in an id or a query, on public routes too"),
        ]
    ],
)  # fmt: skip
def test_odd_input_is_refused_on_postgresql(postgresql_api, check):
    check(postgresql_api)
