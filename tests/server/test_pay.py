"""web/pay.py: the payment page's JSON, and the test payments that only emulator mode makes."""


def test_test_payments_only_in_emulator_mode(test_mode):
    sent = test_mode.send().json()
    refused = test_mode.post(f"/invoices/{sent['id']}/pay/test", {"outcome": "succeed"})
    assert refused.status_code == 404


def test_test_payment_rules(sqlite_api):
    sent = sqlite_api.send().json()
    bad = sqlite_api.post(f"/invoices/{sent['id']}/pay/test", {"outcome": "steal"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "outcome"
    missing = sqlite_api.post("/invoices/in_nope/pay/test", {"outcome": "succeed"})
    assert missing.status_code == 404
    paid = sqlite_api.post(f"/invoices/{sent['id']}/pay/test", {"outcome": "succeed"})
    assert paid.status_code == 200
    sqlite_api.wait(sent["id"], status="paid")
    again = sqlite_api.post(f"/invoices/{sent['id']}/pay/test", {"outcome": "succeed"})
    assert again.status_code == 409
