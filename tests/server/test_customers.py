"""sending/customers.py over HTTP against the emulator: one Stripe customer and one local row per
email, whoever asks first and however many ask at once."""

from concurrent.futures import ThreadPoolExecutor

from tests.helpers import rows


def test_parallel_sends_for_one_new_email_make_one_customer(api, client):
    api.prices()
    # Twenty names for one email: the customer is the email's, whatever name comes first.
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda i: api.send("crowd@example.com", name=f"N{i}"), range(20)))
    assert [a.status_code for a in answers] == [201] * 20
    assert len({a.json()["customer"] for a in answers}) == 1
    assert len(client.v1.customers.list({"email": "crowd@example.com"}).data) == 1
    assert rows(api, "SELECT count(*) FROM customers") == [(1,)]
    assert len({a.json()["id"] for a in answers}) == 20


def customer_calls(emulator):
    return [call for call in emulator.calls if call.startswith("customers.")]


def test_a_known_email_is_found_here_without_asking_stripe(api, emulator, client):
    first = api.send("Jo@Example.com", name="Jo")
    assert first.status_code == 201, first.text
    customer = first.json()["customer"]
    assert rows(api, "SELECT email, stripe_id FROM customers") == [("jo@example.com", customer)]
    emulator.reset_calls()
    again = api.send("jo@example.COM", name="Joanna")
    assert again.status_code == 201 and again.json()["customer"] == customer
    assert customer_calls(emulator) == []
    assert rows(api, "SELECT email, stripe_id FROM customers") == [("jo@example.com", customer)]
    assert [c.id for c in client.v1.customers.list().data] == [customer]


def forget_locally(api):
    """As if the first send's worker died after Stripe made the customer, before the mapping
    was kept here."""
    with api.live.app.extensions["db"].begin() as connection:
        connection.exec_driver_sql("DELETE FROM customers")


def test_a_mapping_lost_before_it_was_kept_finds_the_same_customer(sqlite_api, emulator, client):
    first = sqlite_api.send("lost@example.com", name="Lou").json()
    forget_locally(sqlite_api)
    again = sqlite_api.send("lost@example.com", name="Lou")
    # The same create, under the email's idempotency key: Stripe answers the first customer.
    assert again.status_code == 201 and again.json()["customer"] == first["customer"]
    assert len(client.v1.customers.list({"email": "lost@example.com"}).data) == 1
    assert rows(sqlite_api, "SELECT stripe_id FROM customers") == [(first["customer"],)]


def test_a_mapping_lost_then_asked_with_another_name_finds_the_same_customer(sqlite_api, client):
    first = sqlite_api.send("lost@example.com", name="Lou").json()
    forget_locally(sqlite_api)
    # Another name: Stripe refuses the key's reuse; after waiting for a parallel request to
    # keep the mapping, the newest customer with this email is taken.
    again = sqlite_api.send("lost@example.com", name="Louise")
    assert again.status_code == 201 and again.json()["customer"] == first["customer"]
    assert len(client.v1.customers.list({"email": "lost@example.com"}).data) == 1
    assert rows(sqlite_api, "SELECT stripe_id FROM customers") == [(first["customer"],)]


def test_a_customer_deleted_at_stripe_is_replaced_here(sqlite_api, emulator, client):
    first = sqlite_api.send("gone@example.com").json()
    client.v1.customers.delete(first["customer"])
    emulator.reset_calls()
    again = sqlite_api.send("gone@example.com")
    assert again.status_code == 201, again.text
    successor = again.json()["customer"]
    assert successor != first["customer"] and customer_calls(emulator) == ["customers.create"]
    assert rows(sqlite_api, "SELECT stripe_id FROM customers") == [(successor,)]
    # The next send finds the successor here.
    emulator.reset_calls()
    assert sqlite_api.send("gone@example.com").json()["customer"] == successor
    assert customer_calls(emulator) == []
