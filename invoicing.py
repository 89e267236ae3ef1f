"""Every Stripe call this server makes: the catalog, customers, an invoice created and sent in
3 calls, void and mark uncollectible, the pay page's secret, and lookups for webhooks and sync."""

import hashlib
import threading
import time

import stripe
from flask import current_app

import store
from errors import StateConflictError

# The guide's "Gold Special" and two more, found again by lookup_key so a restart adds nothing.
SAMPLE_CATALOG = (
    ("gold_special", "Gold Special", 1000),
    ("consulting_hour", "Consulting hour", 15000),
    ("setup_fee", "Setup fee", 25000),
)
CATALOG_TTL = 300
# An unknown price id refreshes the catalog at most this often, so bad input can't amplify.
CATALOG_MISS_REFRESH = 5


def make_client(api_key, api_base=None, http_client=None):
    """One StripeClient for the app: pinned API version (the SDK's), 2 network retries."""
    options = {"max_network_retries": 2}
    if api_base:
        options["base_addresses"] = {"api": api_base}
    if http_client is not None:
        options["http_client"] = http_client
    return stripe.StripeClient(api_key, **options)


def client():
    """The app's StripeClient."""
    return current_app.extensions["stripe"]


def seed_catalog(stripe_client):
    """Create the sample products and prices that are missing, by lookup_key."""
    keys = [key for key, _, _ in SAMPLE_CATALOG]
    found = {p.lookup_key for p in stripe_client.v1.prices.list({"lookup_keys": keys}).data}
    for key, name, amount in SAMPLE_CATALOG:
        if key not in found:
            stripe_client.v1.prices.create(
                {
                    "currency": "usd",
                    "unit_amount": amount,
                    "lookup_key": key,
                    "product_data": {"name": name},
                },
                {"idempotency_key": f"seed-catalog-{key}"},
            )


def fetch_catalog(stripe_client):
    """The account's active one-time prices with a fixed amount, as `{id: price}`."""
    prices = stripe_client.v1.prices.list(
        {"active": True, "limit": 100, "expand": ["data.product"]}
    )
    catalog = {}
    for price in prices.auto_paging_iter():
        product = price.product
        if price.type != "one_time" or price.unit_amount is None or not product.active:
            continue
        catalog[price.id] = {
            "id": price.id,
            "product": product.name,
            "product_id": product.id,
            "nickname": price.nickname,
            "unit_amount": price.unit_amount,
            "currency": price.currency,
            "lookup_key": price.lookup_key,
        }
    return catalog


class Catalog:
    """The catalog cached in each worker, so sending an invoice costs no catalog call."""

    def __init__(self):
        self._prices = None
        self._fetched = 0.0
        self._lock = threading.Lock()

    def prices(self):
        """All prices, refreshed when older than CATALOG_TTL."""
        with self._lock:
            if self._prices is None or time.monotonic() - self._fetched > CATALOG_TTL:
                self._refresh()
            return self._prices

    def lookup(self, price_ids):
        """`{id: price}` for the ids asked for that exist, refreshing once for an unknown id."""
        prices = self.prices()
        if any(p not in prices for p in price_ids):
            with self._lock:
                if time.monotonic() - self._fetched > CATALOG_MISS_REFRESH:
                    self._refresh()
                prices = self._prices
        return prices

    def _refresh(self):
        self._prices = fetch_catalog(client())
        self._fetched = time.monotonic()


def _customer_key(email):
    # Only the email: parallel first sends for one email with different names must still
    # share the key, so that Stripe makes one customer.
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"customer-{digest}"


def _new_customer(email, name, options):
    created = client().v1.customers.create(
        {"email": email, **({"name": name} if name else {})}, options
    )
    with store.begin() as db:
        return store.add_customer(db, email, created.id, name).stripe_id


def customer_for(email, name):
    """The Stripe customer id for an email: the local database first, else one create."""
    with store.connect() as db:
        known = store.find_customer(db, email)
    if known:
        return known.stripe_id
    # Parallel first requests for one email share the idempotency key, so Stripe makes one
    # customer and the unique email keeps one row.
    return _new_customer(email, name, {"idempotency_key": _customer_key(email)})


def _invoice_params(order, customer_id):
    params = {
        "customer": customer_id,
        "collection_method": "send_invoice",
        "days_until_due": order.days_until_due,
        "pending_invoice_items_behavior": "exclude",
        "currency": order.currency,
    }
    if order.description:
        params["description"] = order.description
    if order.custom_fields:
        params["custom_fields"] = list(order.custom_fields)
    if current_app.config["AUTOMATIC_TAX"]:
        params["automatic_tax"] = {"enabled": True}
    return params


def _options(key, step):
    # One Stripe idempotency key per step of a try, derived from the client's key.
    return {"idempotency_key": f"{key}:{step}"} if key else {}


def _create_draft(order, key):
    customer_id = customer_for(order.email, order.name)
    try:
        return client().v1.invoices.create(
            _invoice_params(order, customer_id), _options(key, "create")
        )
    except stripe.InvalidRequestError as error:
        if error.code != "resource_missing" or error.param != "customer":
            raise
    # The customer was deleted at Stripe: forget it and make a new one, once (a fresh
    # customer, so not under the email's idempotency key, which would answer the old one).
    current_app.logger.warning("customer %s is gone at Stripe; creating it again", customer_id)
    with store.begin() as db:
        store.forget_customer(db, order.email)
    customer_id = _new_customer(order.email, order.name, {})
    return client().v1.invoices.create(
        _invoice_params(order, customer_id), _options(key, "create-again")
    )


def send(order, key=None):
    """Create, fill and send one invoice: 3 Stripe calls for a known customer, 4 for a new one.

    `key` (the client's idempotency key and try) makes Stripe's calls idempotent too.
    Return the local invoice row.
    """
    draft = _create_draft(order, key)
    # Recorded as a draft first, so the events Stripe sends about it always find it.
    with store.begin() as db:
        store.record_invoice(db, _local_fields(draft.to_dict(), order))
    lines = [{"pricing": {"price": price["id"]}, "quantity": qty} for price, qty in order.items]
    try:
        client().v1.invoices.add_lines(draft.id, {"lines": lines}, _options(key, "lines"))
        sent = (
            client()
            .v1.invoices.send_invoice(draft.id, {"expand": ["payments"]}, _options(key, "send"))
            .to_dict()
        )
    except stripe.StripeError:
        _delete_draft(draft.id)
        with store.begin() as db:
            store.delete_invoice(db, draft.id)
        raise
    with store.begin() as db:
        store.record_invoice(db, _local_fields(sent, order))
        invoice = store.get_invoice(db, sent["id"])
    current_app.logger.info(
        "invoice sent invoice=%s items=%d amount_due=%d currency=%s",
        sent["id"], len(order.items), sent["amount_due"], sent["currency"],
    )  # fmt: skip
    return invoice


def _local_fields(invoice, order):
    payments = (invoice.get("payments") or {}).get("data") or []
    fields = store.changes_of(invoice)
    fields.update(
        id=invoice["id"],
        status=invoice["status"],
        customer=invoice["customer"],
        email=order.email,
        currency=invoice["currency"],
        description=order.description,
        created=invoice["created"],
        payment_intent=payments[0]["payment"]["payment_intent"] if payments else None,
        lines=[
            {
                "price": price["id"],
                "description": price["product"],
                "quantity": qty,
                "amount": price["unit_amount"] * qty,
            }
            for price, qty in order.items
        ],
    )
    return fields


def _delete_draft(invoice_id):
    # Leave no orphan draft behind; if even this fails, say so in the log.
    try:
        client().v1.invoices.delete(invoice_id)
    except stripe.StripeError as error:
        current_app.logger.error("could not delete draft %s: %s", invoice_id, error)


_ACTIONS = {
    "void": ("void_invoice", "void"),
    "mark-uncollectible": ("mark_uncollectible", "uncollectible"),
}


def close_invoice(invoice, action):
    """Void or mark uncollectible a local invoice at Stripe, then locally; return the row.

    Raises StateConflictError when its state does not allow it.
    """
    method, status = _ACTIONS[action]
    if invoice.status != "open":
        raise StateConflictError(
            f"The invoice is {invoice.status}; only an open one can be {status}."
        )
    try:
        done = getattr(client().v1.invoices, method)(invoice.id)
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise
        # Stripe's state moved on (paid meanwhile, say): a conflict, in Stripe's words.
        raise StateConflictError(error.user_message or str(error)) from None
    with store.begin() as db:
        store.apply_snapshot(db, invoice.id, done.status, done.to_dict())
        return store.get_invoice(db, invoice.id)


def invoice_paid_by(payment_intent_id):
    """The id of the invoice a PaymentIntent pays, from Stripe's InvoicePayments; or None."""
    payments = client().v1.invoice_payments.list(
        {"payment": {"type": "payment_intent", "payment_intent": payment_intent_id}, "limit": 1}
    )
    return payments.data[0].invoice if payments.data else None


def confirmation_secret(invoice_id):
    """The client secret the Payment Element confirms an open invoice with, or None."""
    # The invoice is finalized already (send_invoice), so retrieve it with the secret expanded.
    found = client().v1.invoices.retrieve(invoice_id, {"expand": ["confirmation_secret"]})
    return found.confirmation_secret.client_secret if found.confirmation_secret else None


def refresh_invoice(invoice_id):
    """Bring one local invoice up to Stripe's; return (Stripe's status, whether it changed)."""
    found = client().v1.invoices.retrieve(invoice_id).to_dict()
    with store.begin() as db:
        changed = store.apply_snapshot(db, invoice_id, found["status"], found)
    return found["status"], changed
