"""web/guards.py: HTTP Basic access control, public routes, JSON-only changes, and the security
headers on every answer."""

import pytest
import requests

from tests.helpers import served

PASSWORD = "correct horse battery staple"


@pytest.fixture
def guarded(emulator, sqlite_url):
    with served(emulator, sqlite_url, ADMIN_PASSWORD=PASSWORD) as api:
        api.http.auth = ("admin", PASSWORD)
        yield api


PROTECTED = [
    ("GET", "/"),
    ("GET", "/config"),
    ("GET", "/prices"),
    ("GET", "/invoices"),
    ("POST", "/invoices"),
    ("GET", "/invoices/{id}"),
    ("POST", "/invoices/{id}/void"),
    ("POST", "/invoices/{id}/mark-uncollectible"),
    ("GET", "/nowhere"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
@pytest.mark.parametrize(
    "credentials", [None, ("admin", "wrong"), ("root", PASSWORD), ("admin", PASSWORD + "x")]
)
def test_protected_routes_refuse_without_the_right_credentials(guarded, method, path, credentials):
    sent = guarded.send().json()
    url = guarded.url + path.format(id=sent["id"])
    answer = requests.request(method, url, auth=credentials, json={}, timeout=10)
    assert answer.status_code == 401
    if path == "/":  # a browser page: the same refusal, as a page
        assert "<h1>Please sign in</h1>" in answer.text
    else:
        assert answer.json()["error"]["code"] == "unauthorized"
    assert answer.headers["WWW-Authenticate"].startswith("Basic")
    assert guarded.get(f"/invoices/{sent['id']}").json()["status"] == "open"


def test_webhook_health_pay_page_and_static_stay_open(guarded):
    sent = guarded.send().json()
    for path in (
        "/healthz",
        f"/invoices/{sent['id']}/pay",
        f"/invoices/{sent['id']}/pay/status",
        "/static/style.css",
    ):
        assert requests.get(guarded.url + path, timeout=10).status_code == 200, path
    paid = requests.post(
        f"{guarded.url}/invoices/{sent['id']}/pay/test", json={"outcome": "succeed"}, timeout=10
    )
    assert paid.status_code == 200
    # /webhook answers on its own terms (a signature), not with a 401.
    unsigned = requests.post(f"{guarded.url}/webhook", data=b"{}", timeout=10)
    assert unsigned.status_code == 400


def test_state_changes_accept_only_json(sqlite_api):
    sent = sqlite_api.send().json()
    for path in ("/invoices", f"/invoices/{sent['id']}/void", f"/invoices/{sent['id']}/pay/test"):
        form = requests.post(sqlite_api.url + path, data={"email": "x@example.com"}, timeout=10)
        assert form.status_code == 415, path
        plain = requests.post(
            sqlite_api.url + path, data="{}", headers={"Content-Type": "text/plain"}, timeout=10
        )
        assert plain.status_code == 415, path
    assert sqlite_api.invoice(sent["id"])["status"] == "open"


def test_every_response_has_security_headers(sqlite_api):
    for path in ("/", "/prices", "/static/index.js", "/nowhere"):
        headers = sqlite_api.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
