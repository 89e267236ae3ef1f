"""The PaymentIntent made when an invoice is finalized, the InvoicePayment tying them, and the
payments of an invoice: in full, in part (each by its own PaymentIntent and InvoicePayment),
declined, processing, or out of band."""

from . import charges, outbox
from .errors import StripeAPIError
from .indexes import indexed
from .routes import PAGING, route
from .store import list_object, random_token

indexed("invoice_payment", "invoice")
indexed(
    "invoice_payment", "payment_intent", lambda payment: payment["payment"].get("payment_intent")
)


def open_payment(store, invoice):
    """Create the invoice's PaymentIntent and its default InvoicePayment."""
    created = store.now()
    intent = _add_intent(store, invoice, invoice["amount_due"], created)
    payment = store.add(_new_invoice_payment(store, invoice, intent, created))
    invoice["_payment_intent"] = intent["id"]
    invoice["_invoice_payment"] = payment["id"]
    store.emit("payment_intent.created", intent)


def _add_intent(store, invoice, amount, created):
    """A new PaymentIntent of `amount` for the invoice, kept, with its client secret."""
    intent = store.add(_new_intent(store, invoice, amount, created))
    intent["client_secret"] = f"{intent['id']}_secret_{random_token(25)}"
    return intent


def _new_intent(store, invoice, amount, created):
    """A PaymentIntent of `amount` for the invoice, awaiting a payment method; not yet kept."""
    methods = invoice["payment_settings"]["payment_method_types"] or ["card"]
    return {
        "id": store.new_id("pi"),
        "object": "payment_intent",
        "allowed_payment_method_types": None,
        "amount": amount,
        "amount_capturable": 0,
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": None,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": "automatic",
        "confirmation_method": "automatic",
        "created": created,
        "currency": invoice["currency"],
        "customer": invoice["customer"],
        "customer_account": None,
        "description": f"Invoice {invoice['number']}",
        "excluded_payment_method_types": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "managed_payments": None,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": _method_options(methods),
        "payment_method_types": methods,
        "payment_record": None,
        "processing": None,
        "receipt_email": None,
        "review": None,
        "setup_future_usage": None,
        "shipping": None,
        "source": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": "requires_payment_method",
        "transfer_group": None,
    }


def _new_invoice_payment(store, invoice, intent, created):
    """The invoice's default InvoicePayment, open, tying it to its PaymentIntent; not yet kept."""
    return {
        "id": store.new_id("inpay"),
        "object": "invoice_payment",
        "amount_paid": None,
        "amount_requested": invoice["amount_due"],
        "created": created,
        "currency": invoice["currency"],
        "invoice": invoice["id"],
        "is_default": True,
        "livemode": False,
        "payment": {"type": "payment_intent", "payment_intent": intent["id"]},
        "status": "open",
        "status_transitions": {"canceled_at": None, "paid_at": None},
    }


def _method_options(methods):
    """Stripe's options for the card method of an invoice's PaymentIntent."""
    if "card" not in methods:
        return {}
    return {
        "card": {
            "installments": None,
            "mandate_options": None,
            "network": None,
            "request_three_d_secure": "automatic",
        }
    }


def _parts(store, invoice):
    intent = store.objects.get(invoice.get("_payment_intent"))
    payment = store.objects.get(invoice.get("_invoice_payment"))
    return intent, payment


def _cancel_intent(store, intent, moment):
    intent.update(status="canceled", canceled_at=moment, cancellation_reason="void_invoice")
    store.emit("payment_intent.canceled", intent)


def _succeed_intent(store, invoice, intent, method):
    """The intent's charge succeeds (a pending one, or a new one by `method`), then the intent:
    `charge.succeeded`, `payment_intent.succeeded`."""
    intent["payment_method"] = intent["payment_method"] or store.new_id("pm")
    charge = store.objects.get(intent["latest_charge"]) if intent["latest_charge"] else None
    if charge is None or charge["status"] != "pending":
        charge = charges.new_charge(store, invoice, intent, method, "succeeded")
    charges.succeed(store, charge)
    intent.update(status="succeeded", amount_received=intent["amount"], last_payment_error=None)
    store.emit("payment_intent.succeeded", intent)


def _mark_paid(store, payment, amount, moment):
    payment.update(status="paid", amount_paid=amount)
    payment["status_transitions"]["paid_at"] = moment
    store.emit("invoice_payment.paid", payment)


def settle(store, invoice, out_of_band=False, method=charges.CARD):
    """Mark the invoice paid: by its PaymentIntent succeeding (paying what remains, with test
    method `method`), or out of band."""
    intent, payment = _parts(store, invoice)
    moment = store.now()
    if intent and not out_of_band:
        _succeed_intent(store, invoice, intent, method)
    elif intent and intent["status"] != "canceled":
        _cancel_intent(store, intent, moment)
    if payment and out_of_band:
        payment["status"] = "canceled"
        payment["status_transitions"]["canceled_at"] = moment
    elif payment:
        _mark_paid(store, payment, invoice["amount_remaining"], moment)
    invoice.update(
        status="paid",
        # What part payments paid and this payment: all that was due.
        amount_paid=invoice["amount_due"],
        amount_remaining=0,
        attempted=invoice["attempted"] or not out_of_band,
        attempt_count=invoice["attempt_count"] + (0 if out_of_band else 1),
    )
    invoice.pop("status_details", None)
    invoice["status_transitions"]["paid_at"] = moment
    store.emit("invoice.paid", invoice)
    if not out_of_band:
        store.emit("invoice.payment_succeeded", invoice)
        if invoice.get("_sent"):
            outbox.record(store, invoice, "receipt")


def pay_part(store, invoice, amount, method=charges.CARD):
    """A payment of part of what remains, by its own PaymentIntent and InvoicePayment; the
    invoice stays owed, and its default PaymentIntent asks for what is left.

    https://docs.stripe.com/invoicing/partial-payments
    """
    moment = store.now()
    intent = _add_intent(store, invoice, amount, moment)
    store.emit("payment_intent.created", intent)
    _succeed_intent(store, invoice, intent, method)
    payment = store.add(_new_invoice_payment(store, invoice, intent, moment))
    payment.update(is_default=False, amount_requested=amount)
    invoice["_part_payments"] = [*invoice.get("_part_payments", []), payment["id"]]
    _mark_paid(store, payment, amount, moment)
    invoice.update(
        amount_paid=invoice["amount_paid"] + amount,
        amount_remaining=invoice["amount_remaining"] - amount,
        attempted=True,
        attempt_count=invoice["attempt_count"] + 1,
    )
    follow_remaining(store, invoice)
    store.emit("invoice.payment_succeeded", invoice)


def follow_remaining(store, invoice):
    """The default PaymentIntent and InvoicePayment, while not settled, ask for what remains."""
    intent, payment = _parts(store, invoice)
    if intent and intent["status"] not in ("succeeded", "canceled"):
        intent["amount"] = invoice["amount_remaining"]
    if payment and payment["status"] == "open":
        payment["amount_requested"] = invoice["amount_remaining"]


def fail_payment(store, invoice, message, decline_code="generic_decline"):
    """A declined or failed attempt: its charge fails, and the invoice stays open for another
    try; return the `card_error` to answer with."""
    intent, _ = _parts(store, invoice)
    charge = store.objects.get(intent["latest_charge"]) if intent["latest_charge"] else None
    if charge is None or charge["status"] != "pending":  # a card declined at once
        intent["payment_method"] = store.new_id("pm")
        charge = charges.new_charge(store, invoice, intent, charges.DECLINED, "failed")
    error = StripeAPIError(
        message,
        status=402,
        type="card_error",
        code="card_declined",
        extra={
            "charge": charge["id"],
            "decline_code": decline_code,
            "payment_method_type": charge["payment_method_details"]["type"],
        },
    )
    charges.fail(store, charge, error.body()["error"])
    intent.update(
        status="requires_payment_method",
        payment_method=None,
        last_payment_error=error.body()["error"],
    )
    invoice.update(attempted=True, attempt_count=invoice["attempt_count"] + 1)
    store.emit("payment_intent.payment_failed", intent)
    store.emit("invoice.payment_failed", invoice)
    return error


def process_payment(store, invoice):
    """A delayed method (a bank debit): its charge is pending, the PaymentIntent processing."""
    intent, _ = _parts(store, invoice)
    intent.update(status="processing", last_payment_error=None, payment_method=store.new_id("pm"))
    charges.pend(store, charges.new_charge(store, invoice, intent, charges.BANK, "pending"))
    store.emit("payment_intent.processing", intent)


def cancel_payment(store, invoice):
    """The invoice will not be paid: cancel its PaymentIntent and InvoicePayment."""
    intent, payment = _parts(store, invoice)
    moment = store.now()
    if intent and intent["status"] not in ("succeeded", "canceled"):
        _cancel_intent(store, intent, moment)
    if payment and payment["status"] == "open":
        payment["status"] = "canceled"
        payment["status_transitions"]["canceled_at"] = moment


def confirmation_secret(store, invoice):
    """The includable `confirmation_secret` of an invoice, or None before finalization."""
    intent, _ = _parts(store, invoice)
    if intent is None:
        return None
    return {"client_secret": intent["client_secret"], "type": "payment_intent"}


def invoice_payments(store, invoice):
    """The includable `payments` list of an invoice: its default InvoicePayment first, then
    those of part payments, oldest first."""
    _, payment = _parts(store, invoice)
    found = [payment] if payment else []
    found += [store.objects[i] for i in invoice.get("_part_payments", [])]
    data = [store.render(p) for p in found]
    return list_object(data, f"/v1/invoice_payments?invoice={invoice['id']}")


@route(
    "GET", "/v1/payment_intents/<intent>", "payment_intents.retrieve", "PaymentIntentRetrieveParams"
)
def retrieve_payment_intent(store, params, intent):
    """Retrieve a PaymentIntent."""
    return store.get("payment_intent", intent)


@route(
    "GET",
    "/v1/invoice_payments/<payment>",
    "invoice_payments.retrieve",
    "InvoicePaymentRetrieveParams",
)
def retrieve_invoice_payment(store, params, payment):
    """Retrieve an InvoicePayment."""
    return store.get("invoice_payment", payment)


@route(
    "GET",
    "/v1/invoice_payments",
    "invoice_payments.list",
    "InvoicePaymentListParams",
    emulates=(*PAGING, "invoice", "status", "payment"),
)
def list_invoice_payments(store, params):
    """List InvoicePayments by invoice, status, or `payment[type]`/`payment[payment_intent]`."""
    wanted = params.get("payment", {})
    within = None
    if "payment_intent" in wanted:
        within = store.filed("invoice_payment", "payment_intent", [wanted["payment_intent"]])
    elif "invoice" in params:
        within = store.filed("invoice_payment", "invoice", [params["invoice"]])

    def match(payment):
        return (
            params.get("invoice", payment["invoice"]) == payment["invoice"]
            and params.get("status", payment["status"]) == payment["status"]
            and all(payment["payment"].get(k) == v for k, v in wanted.items())
        )

    covers = ("invoice", "status", "payment")
    url = "/v1/invoice_payments"
    return store.page("invoice_payment", params, url, match, within=within, covers=covers)
