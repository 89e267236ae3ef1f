"""web/errors.py: one error shape for every failure, JSON on the JSON routes and an HTML page on
the browser's pages."""


def test_browser_routes_answer_html_errors_and_json_routes_json(sqlite_api):
    page = sqlite_api.get("/invoices/in_nope/pay")
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")
    assert "<h1>Not found</h1>" in page.text and "No invoice &#39;in_nope&#39;." in page.text
    assert 'class="banner banner-emulator"' in page.text
    # The same lookup as JSON stays JSON; so does an unknown route.
    status = sqlite_api.get("/invoices/in_nope/pay/status")
    assert status.status_code == 404 and status.json()["error"]["code"] == "not_found"
    assert sqlite_api.get("/nowhere").json()["error"]["code"] == "not_found"


def test_http_errors_use_the_error_shape(sqlite_api):
    missing = sqlite_api.get("/nowhere")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    wrong = sqlite_api.http.delete(f"{sqlite_api.url}/invoices", timeout=10)
    assert wrong.status_code == 405 and set(wrong.json()["error"]) == {"message", "field", "code"}
