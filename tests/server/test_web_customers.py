"""GET /customers/<id> (invoicing/web/customers.py): a customer's balance as Stripe's events
say it, and what its invoices owe."""

import time

from tests.helpers import HOOK_SECRET, post_signed


def customer_updated(api, customer_id, balance, currency="usd", event_id="evt_balance"):
    snapshot = {"id": customer_id, "object": "customer", "balance": balance, "currency": currency}
    event = {"id": event_id, "type": "customer.updated", "created": int(time.time()),
             "data": {"object": snapshot}}  # fmt: skip
    return post_signed(f"{api.url}/webhook", event, HOOK_SECRET)


def test_a_customer_with_its_invoices_owed_and_balance(hook):
    first = hook.send("owing@example.com", name="Owing Ltd").json()
    hook.send("owing@example.com")
    customer = first["customer"]
    assert hook.post(f"/invoices/{first['id']}/credit-notes", {"amount": 500}).status_code == 201
    shown = hook.get(f"/customers/{customer}").json()
    assert shown == {"id": customer, "email": "owing@example.com", "name": "Owing Ltd",
                     "balance": 0, "currency": None, "invoices": 2,
                     "owed": [{"currency": "usd", "amount": 1500 + 2000}]}  # fmt: skip
    answer = customer_updated(hook, customer, -700)
    assert answer.status_code == 200 and answer.json()["outcome"] == "applied"
    shown = hook.get(f"/customers/{customer}").json()
    assert shown["balance"] == -700 and shown["currency"] == "usd"
    # A repeat changes nothing; another customer's event is stored alone.
    assert customer_updated(hook, customer, -700).json()["outcome"] == "duplicate"
    stranger = customer_updated(hook, "cus_elsewhere", -1, event_id="evt_stranger")
    assert stranger.json()["outcome"] == "unchanged"


def test_an_unknown_customer_is_a_404(sqlite_hook):
    for unknown in ("cus_nope", "not an id"):
        answer = sqlite_hook.get(f"/customers/{unknown}")
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
