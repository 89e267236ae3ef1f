"""Charges: what a PaymentIntent's payment attempt moves, made as Stripe makes them, and read.

A card payment makes a charge that succeeds (`charge.succeeded`) or fails (`charge.failed`) at
once; a bank debit's charge is `pending` (`charge.pending`) until it succeeds or fails. Each event
comes before the PaymentIntent's own, in Stripe's order. Charges have no balance transactions in
the emulator (`balance_transaction` stays null): there is no account balance to move.
"""

import os

from .indexes import indexed
from .routes import PAGING, route

indexed("charge", "customer")
indexed("charge", "payment_intent")

# The test payment methods a charge can be made with: what `payment_method_details` shows.
CARD = "visa"
REFUND_FAIL = "refund_fail"  # Stripe's 4000000000005126: refunds fail later
DECLINED = "declined"  # Stripe's 4000000000000002
BANK = "bank"
_LAST4 = {CARD: "4242", REFUND_FAIL: "5126", DECLINED: "0002"}
_APPROVED = {
    "advice_code": None,
    "network_advice_code": None,
    "network_decline_code": None,
    "network_status": "approved_by_network",
    "reason": None,
    "seller_message": "Payment complete.",
    "type": "authorized",
}


def new_charge(store, invoice, intent, method, status):
    """A charge of the intent's amount with a test method (CARD, REFUND_FAIL, DECLINED, BANK), kept
    with `status` (pending or succeeded, which `succeed` completes; failed, which `fail` does);
    no event yet."""
    amount = intent["amount"]
    charge = {
        "id": store.new_id("ch"),
        "object": "charge",
        "amount": amount,
        "amount_captured": amount,
        "amount_refunded": 0,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": None,
        "billing_details": {
            "address": dict.fromkeys(("city", "country", "line1", "line2", "postal_code", "state")),
            "email": invoice["customer_email"],
            "name": invoice["customer_name"],
            "phone": None,
            "tax_id": None,
        },
        "calculated_statement_descriptor": _descriptor(invoice),
        "captured": True,
        "created": store.now(),
        "currency": intent["currency"],
        "customer": intent["customer"],
        "description": intent["description"],
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": None,
        "failure_message": None,
        "fraud_details": {},
        "livemode": False,
        "metadata": {},
        "on_behalf_of": None,
        "outcome": None,
        "paid": False,
        "payment_intent": intent["id"],
        "payment_method": intent["payment_method"],
        "payment_method_details": _method_details(method, amount),
        "receipt_email": None,
        "receipt_number": None,
        # The hosted invoice page shows what was paid: the emulator's receipt.
        "receipt_url": invoice["hosted_invoice_url"],
        "refunded": False,
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": status,
        "transfer_data": None,
        "transfer_group": None,
        "_invoice": invoice["id"],
        "_refunds_fail": method == REFUND_FAIL,
    }
    intent["latest_charge"] = charge["id"]
    return store.add(charge)


def digits(count):
    """`count` random decimal digits, as in a network's or an acquirer's reference numbers."""
    return str(int.from_bytes(os.urandom(count + 8)) % 10**count).zfill(count)


def _descriptor(invoice):
    """What the customer's statement shows: the invoice's descriptor or the account's name."""
    text = invoice["statement_descriptor"] or invoice["account_name"]
    return text.upper()[:22]


def _method_details(method, amount):
    """`payment_method_details` of a test card or of a test US bank account (a bank debit)."""
    if method == BANK:
        return {
            "type": "us_bank_account",
            "us_bank_account": {
                "account_holder_type": "individual",
                "account_type": "checking",
                "bank_name": "STRIPE TEST BANK",
                "fingerprint": "FFDMA0xfhBjWSZLu",
                "last4": "6789",
                "payment_reference": None,
                "routing_number": "110000000",
            },
        }
    return {"type": "card", "card": _card(method, amount)}


def _card(method, amount):
    return {
        "amount_authorized": amount,
        "authorization_code": digits(6),
        "brand": "visa",
        "checks": {
            "address_line1_check": None,
            "address_postal_code_check": None,
            "cvc_check": "pass",
        },
        "country": "US",
        "electronic_commerce_indicator": None,
        "exp_month": 12,
        "exp_year": 2034,
        "extended_authorization": {"status": "disabled"},
        "fingerprint": f"Emu{_LAST4[method]}Fingerprnt",
        "funding": "credit",
        "incremental_authorization": {"status": "unavailable"},
        "installments": None,
        "last4": _LAST4[method],
        "mandate": None,
        "multicapture": {"status": "unavailable"},
        "network": "visa",
        "network_token": {"used": False},
        "network_transaction_id": digits(15),
        "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
        "regulated_status": "unregulated",
        "three_d_secure": None,
        "transaction_link_id": None,
        "wallet": None,
    }


def _risk(charge):
    # Radar assesses card payments only.
    return "normal" if charge["payment_method_details"]["type"] == "card" else "not_assessed"


def pend(store, charge):
    """A bank debit's charge, processing: `charge.pending`."""
    charge["outcome"] = {**_APPROVED, "risk_level": _risk(charge)}
    store.emit("charge.pending", charge)


def succeed(store, charge):
    """The charge succeeded: paid and captured; `charge.succeeded`. It joins its invoice's
    charges, which refunds of the invoice take from."""
    charge.update(status="succeeded", paid=True, captured=True, amount_captured=charge["amount"])
    charge["outcome"] = {**_APPROVED, "risk_level": _risk(charge)}
    invoice = store.objects.get(charge["_invoice"])
    if invoice is not None:
        invoice["_charges"] = [*invoice.get("_charges", []), charge["id"]]
    store.emit("charge.succeeded", charge)


def fail(store, charge, error):
    """The charge failed with the card `error` (its body's `error`): `charge.failed`."""
    charge.update(
        status="failed",
        paid=False,
        captured=False,
        amount_captured=0,
        failure_code=error.get("code"),
        failure_message=error["message"],
    )
    charge["outcome"] = {
        **_APPROVED,
        "network_status": "declined_by_network",
        "reason": error.get("decline_code"),
        "risk_level": _risk(charge),
        "seller_message": "The bank did not return any further details with this decline.",
        "type": "issuer_declined",
    }
    store.emit("charge.failed", charge)


def refundable(charge):
    """What is left to refund of a charge: nothing unless it succeeded."""
    if charge["status"] != "succeeded":
        return 0
    return charge["amount_captured"] - charge["amount_refunded"]


def invoice_charges(store, invoice):
    """The invoice's succeeded charges, newest first."""
    return [store.objects[i] for i in reversed(invoice.get("_charges", []))]


@route("GET", "/v1/charges/<charge>", "charges.retrieve", "ChargeRetrieveParams")
def retrieve_charge(store, params, charge):
    """Retrieve a charge."""
    return store.get("charge", charge)


@route(
    "GET",
    "/v1/charges",
    "charges.list",
    "ChargeListParams",
    emulates=(*PAGING, "customer", "payment_intent", "transfer_group"),
)
def list_charges(store, params):
    """List charges, newest first, by customer, PaymentIntent, transfer group and creation."""
    keys = ("customer", "payment_intent", "transfer_group")
    return store.page_by("charge", params, "/v1/charges", keys, ("payment_intent", "customer"))
