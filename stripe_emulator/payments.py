"""The PaymentIntent made when an invoice is finalized, and the InvoicePayment tying them."""

from . import outbox
from .errors import StripeAPIError
from .routes import route
from .store import list_object, now, random_token


def open_payment(store, invoice):
    """Create the invoice's PaymentIntent and its default InvoicePayment."""
    created = now()
    intent = store.add(_new_intent(store, invoice, created))
    intent["client_secret"] = f"{intent['id']}_secret_{random_token(25)}"
    payment = store.add(_new_invoice_payment(store, invoice, intent, created))
    invoice["_payment_intent"] = intent["id"]
    invoice["_invoice_payment"] = payment["id"]
    store.emit("payment_intent.created", intent)


def _new_intent(store, invoice, created):
    """The invoice's PaymentIntent for its amount due, awaiting a payment method; not yet kept."""
    methods = invoice["payment_settings"]["payment_method_types"] or ["card"]
    return {
        "id": store.new_id("pi"),
        "object": "payment_intent",
        "allowed_payment_method_types": None,
        "amount": invoice["amount_due"],
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


def settle(store, invoice, out_of_band=False):
    """Mark the invoice paid: by its PaymentIntent succeeding, or out of band."""
    intent, payment = _parts(store, invoice)
    moment = now()
    if intent and not out_of_band:
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            last_payment_error=None,
            payment_method=intent["payment_method"] or store.new_id("pm"),
            latest_charge=store.new_id("ch"),
        )
        store.emit("payment_intent.succeeded", intent)
    elif intent and intent["status"] != "canceled":
        _cancel_intent(store, intent, moment)
    if payment and out_of_band:
        payment["status"] = "canceled"
        payment["status_transitions"]["canceled_at"] = moment
    elif payment:
        payment.update(status="paid", amount_paid=invoice["amount_due"])
        payment["status_transitions"]["paid_at"] = moment
        store.emit("invoice_payment.paid", payment)
    invoice.update(
        status="paid",
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


def fail_payment(store, invoice, message, decline_code="generic_decline"):
    """A declined or failed attempt: the invoice stays open for another try; return the
    `card_error` to answer with."""
    intent, _ = _parts(store, invoice)
    error = StripeAPIError(
        message,
        status=402,
        type="card_error",
        code="card_declined",
        extra={"decline_code": decline_code, "payment_method_type": "card"},
    )
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
    """A delayed method (a bank debit): the PaymentIntent is processing."""
    intent, _ = _parts(store, invoice)
    intent.update(status="processing", last_payment_error=None, payment_method=store.new_id("pm"))
    store.emit("payment_intent.processing", intent)


def cancel_payment(store, invoice):
    """The invoice will not be paid: cancel its PaymentIntent and InvoicePayment."""
    intent, payment = _parts(store, invoice)
    moment = now()
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
    """The includable `payments` list of an invoice."""
    _, payment = _parts(store, invoice)
    data = [store.render(payment)] if payment else []
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


@route("GET", "/v1/invoice_payments", "invoice_payments.list", "InvoicePaymentListParams")
def list_invoice_payments(store, params):
    """List InvoicePayments by invoice, status, or `payment[type]`/`payment[payment_intent]`."""
    wanted = params.get("payment", {})

    def match(payment):
        return (
            params.get("invoice", payment["invoice"]) == payment["invoice"]
            and params.get("status", payment["status"]) == payment["status"]
            and all(payment["payment"].get(k) == v for k, v in wanted.items())
        )

    return store.page("invoice_payment", params, "/v1/invoice_payments", match)
