"""Every Stripe call this server makes, each a small named function, and nothing else: the
client, customers, the steps of a send, void, mark uncollectible and remind, the pay page's
secret, and the lookups that webhooks and reconciliation need (the catalog's are in
stripe_catalog.py). No database work happens here, so no Stripe call ever waits while a
database connection is held."""

import hashlib
import json
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import requests
import stripe
from flask import current_app

from invoicing.errors import StateConflictError

# Connections kept open to Stripe: one for each thread of a worker that can call at once
# (gunicorn.conf.py allows up to 256) and its reconciliation thread.
_KEPT_CONNECTIONS = 257


def _http_client(api_base):
    """The SDK's own HTTP client, with the environment read once: the proxy for `api_base`
    (HTTPS_PROXY, ALL_PROXY, NO_PROXY, ...) now, where requests would scan every variable on
    each call, and no ~/.netrc, whose password requests would send in place of the API key.
    Its one session serves every thread of the process."""
    session = requests.Session()
    session.trust_env = False
    adapter = requests.adapters.HTTPAdapter(pool_maxsize=_KEPT_CONNECTIONS)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    found = requests.utils.get_environ_proxies(api_base)
    proxies = {
        scheme: found.get(scheme) or found["all"]
        for scheme in ("http", "https")
        if scheme in found or "all" in found
    }
    return stripe.RequestsClient(session=session, proxy=proxies or None)


def make_client(api_key, api_base=None, http_client=None):
    """One StripeClient for the app: pinned API version (the SDK's), 2 network retries."""
    api_base = api_base or stripe.api_base
    return stripe.StripeClient(
        api_key,
        max_network_retries=2,
        base_addresses={"api": api_base},
        http_client=http_client or _http_client(api_base),
    )


def client():
    """The app's StripeClient."""
    return current_app.extensions["stripe"]


def current_account():
    """The id of the Stripe account the API key belongs to."""
    return client().v1.accounts.retrieve_current().id


def _customer_key(email):
    # Only the email: parallel first sends for one email with different names must still
    # share the key, so that Stripe makes one customer.
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    return f"customer-{digest}"


def create_customer(email, name, replacing=None, details=None):
    """Create a Stripe customer for an email, with its `details` (sending.details.Details) if
    given; return (its id, the Stripe id of its tax ID or None).

    Parallel first requests for one email share an idempotency key, so Stripe makes one; so do
    parallel requests that found the customer `replacing` deleted at Stripe, so that it gets
    one successor. Raises stripe.IdempotencyError when a parallel request with another name
    made it.
    """
    params = {"email": email, **({"name": name} if name else {})}
    if current_app.config["STRIPE_TEST_CLOCK"]:
        params["test_clock"] = current_app.config["STRIPE_TEST_CLOCK"]
    if details is not None:
        params.update(details.stripe_fields())
        if details.tax_id:
            params["tax_id_data"] = [{"type": details.tax_id[0], "value": details.tax_id[1]}]
            params["expand"] = ["tax_ids"]
    key = _customer_key(email) + (f"-after-{replacing}" if replacing else "")
    made = client().v1.customers.create(params, {"idempotency_key": key})
    listed = (made.to_dict().get("tax_ids") or {}).get("data") or []
    return made.id, (listed[0]["id"] if listed else None)


def update_customer(customer_id, fields):
    """Change a customer's name, address or phone (`fields` as customers.update takes them)."""
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:24]
    key = f"customer-update-{customer_id}-{digest}"
    client().v1.customers.update(customer_id, fields, {"idempotency_key": key})


def create_tax_id(customer_id, kind, value):
    """Give a customer a tax ID (a VAT number...); return its Stripe id."""
    digest = hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:24]
    key = f"tax-id-{customer_id}-{digest}"
    params = {"type": kind, "value": value}
    return client().v1.customers.tax_ids.create(customer_id, params, {"idempotency_key": key}).id


def delete_tax_id(customer_id, tax_id):
    """Remove a customer's tax ID; one already gone is fine."""
    try:
        client().v1.customers.tax_ids.delete(customer_id, tax_id)
    except stripe.InvalidRequestError as error:
        if error.code != "resource_missing":
            raise


def newest_customer(email):
    """The newest Stripe customer with this email as (id, name), or None."""
    params = {"email": email, "limit": 1}
    if current_app.config["STRIPE_TEST_CLOCK"]:  # Stripe lists a clock's customers apart
        params["test_clock"] = current_app.config["STRIPE_TEST_CLOCK"]
    found = client().v1.customers.list(params).data
    return (found[0].id, found[0].name) if found else None


def _key(prefix, step):
    # One Stripe idempotency key per step of a send, from the send's own id.
    return {"idempotency_key": f"{prefix}:{step}"}


def _post(path, params, options):
    """POST to Stripe through the SDK (its key, API version, retries, idempotency keys and
    errors), the answer kept as the JSON it is: a send wants dicts, and building the SDK's
    objects from an invoice only to turn them back was two fifths of the SDK's CPU."""
    return client().raw_request("post", path, **params, **options).data


def create_draft(params, key_prefix, step="create"):
    """Create the draft invoice (`params` as a send recorded them); return it as a dict."""
    return _post("/v1/invoices", params, _key(key_prefix, step))


def add_lines(invoice_id, lines, key_prefix):
    """Add every line to a draft in one call."""
    path = f"/v1/invoices/{quote(invoice_id, safe='')}/add_lines"
    _post(path, {"lines": lines}, _key(key_prefix, "lines"))


def send_invoice(invoice_id, key_prefix):
    """Finalize and email a draft; return it as a dict, with its payments."""
    path = f"/v1/invoices/{quote(invoice_id, safe='')}/send"
    return _post(path, {"expand": ["payments"]}, _key(key_prefix, "send"))


def retrieve_invoice(invoice_id):
    """The invoice at Stripe as a dict (with its payments), or None if it does not exist."""
    try:
        found = client().v1.invoices.retrieve(invoice_id, {"expand": ["payments"]})
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            return None
        raise
    return found.to_dict()


def current_invoice(invoice_id):
    """The invoice at Stripe as a dict; an unknown id raises Stripe's 404."""
    return client().v1.invoices.retrieve(invoice_id).to_dict()


def _stripe_now(answer):
    """Stripe's clock when it answered (the `Date` header), or None if it did not say."""
    date = (answer.last_response.headers or {}).get("Date") if answer.last_response else None
    try:
        return int(parsedate_to_datetime(date).timestamp()) if date else None
    except (TypeError, ValueError):
        return None


def find_sent_by(send_id, customer_id, started_ago):
    """The invoice a send made for a customer (by its metadata), newest first down to when the
    send started, `started_ago` seconds before Stripe's own now (never the local clock, which
    may be skewed); a dict, or None."""
    invoices = client().v1.invoices.list({"customer": customer_id, "limit": 100})
    stripe_now = _stripe_now(invoices)
    # A margin for the second Stripe stamps in; without Stripe's time, every invoice is looked at.
    since = stripe_now - started_ago - 300 if stripe_now is not None else 0
    for invoice in invoices.auto_paging_iter():
        if invoice.created < since:
            return None
        if invoice.to_dict().get("metadata", {}).get(SEND_METADATA) == send_id:
            return retrieve_invoice(invoice.id)
    return None


# The metadata key a send's draft carries, so that a repair can find it.
SEND_METADATA = "invoicing_send"


def delete_draft(invoice_id):
    """Delete a draft at Stripe (one already gone is fine)."""
    try:
        client().v1.invoices.delete(invoice_id)
    except stripe.InvalidRequestError as error:
        if error.http_status != 404:
            raise


def _in_its_state(call):
    """Make a call about an invoice; Stripe refusing it for the invoice's state (it moved on:
    paid meanwhile, say) is a StateConflictError in Stripe's words, an unknown one stays a 404."""
    try:
        return call()
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise
        raise StateConflictError(error.user_message or str(error)) from None


def void_invoice(invoice_id):
    """Void an invoice at Stripe; return it as a dict (StateConflictError if Stripe refuses)."""
    return _in_its_state(lambda: client().v1.invoices.void_invoice(invoice_id).to_dict())


def mark_uncollectible(invoice_id):
    """Mark an invoice uncollectible at Stripe; return it as a dict (StateConflictError if
    Stripe refuses)."""
    return _in_its_state(lambda: client().v1.invoices.mark_uncollectible(invoice_id).to_dict())


def pay_out_of_band(invoice_id):
    """Mark an invoice paid outside Stripe (no charge, no receipt); return it as a dict
    (StateConflictError if Stripe refuses). One idempotency key per invoice: a retry of a
    marking whose answer was lost gets that answer again."""
    path = f"/v1/invoices/{quote(invoice_id, safe='')}/pay"
    options = {"idempotency_key": f"mark-paid-{invoice_id}"}
    return _in_its_state(lambda: _post(path, {"paid_out_of_band": True}, options))


def _credit_note_call(method, path, params, options=None):
    """A credit note call; Stripe's refusal of the request is a 400 naming the parameter
    (`stripe.InvalidRequestError`, kept), a key reused with another body a conflict."""
    try:
        answer = client().raw_request(method, path, **params, **(options or {}))
    except stripe.IdempotencyError:
        raise StateConflictError(
            "This Idempotency-Key was used with another body.",
            code="idempotency_reused",
            field="Idempotency-Key",
        ) from None
    replayed = (answer.headers or {}).get("Idempotent-Replayed") == "true"
    return answer.data, replayed


def create_credit_note(params, idempotency_key=None):
    """Issue a credit note; return (it as a dict, whether Stripe replayed it for the key)."""
    options = {"idempotency_key": idempotency_key} if idempotency_key else {}
    return _credit_note_call("post", "/v1/credit_notes", params, options)


def preview_credit_note(params):
    """The credit note Stripe would issue for these parameters, as a dict; nothing is made."""
    return _credit_note_call("get", "/v1/credit_notes/preview", params)[0]


def credit_note_made_with(invoice_id, idempotency_key, expand):
    """The invoice's credit note made under a client's Idempotency-Key (its metadata says), as
    a dict with `expand`; or None."""
    listed = client().v1.credit_notes.list({"invoice": invoice_id, "limit": 100})
    for note in listed.auto_paging_iter():
        metadata = note.metadata.to_dict() if note.metadata else {}
        if metadata.get("idempotency_key") == idempotency_key:
            return client().v1.credit_notes.retrieve(note.id, {"expand": expand}).to_dict()
    return None


def void_credit_note(credit_note_id):
    """Void an issued credit note; return it as a dict."""
    path = f"/v1/credit_notes/{quote(credit_note_id, safe='')}/void"
    return _credit_note_call("post", path, {})[0]


def refunds_of(charge_id):
    """Every refund of a charge, as Stripe lists them now (dicts)."""
    listed = client().v1.refunds.list({"charge": charge_id, "limit": 100})
    return [refund.to_dict() for refund in listed.auto_paging_iter()]


def invoice_lines(invoice_id):
    """An invoice's lines (dicts), in their order."""
    listed = client().v1.invoices.line_items.list(invoice_id, {"limit": 100})
    return [line.to_dict() for line in listed.auto_paging_iter()]


def send_again(invoice_id):
    """Have Stripe email an open invoice again; return it as a dict (StateConflictError if
    Stripe refuses)."""
    return _in_its_state(lambda: client().v1.invoices.send_invoice(invoice_id).to_dict())


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


def invoices_in(status):
    """Stripe's invoices in `status` (open, uncollectible...), newest first, a page of 100 per
    call (dicts)."""
    listed = client().v1.invoices.list({"status": status, "limit": 100})
    for invoice in listed.auto_paging_iter():
        yield invoice.to_dict()


def events_since(created, types):
    """Stripe's events of `types` created at or after `created`, newest first (dicts)."""
    params = {"created": {"gte": created}, "types": list(types), "limit": 100}
    for event in client().v1.events.list(params).auto_paging_iter():
        yield event.to_dict()
