"""Refunds: money given back from a succeeded charge; create, read, list, update, cancel.

A card refund succeeds at once. A bank debit's refund is `pending` until the processing delay
has passed, then `succeeded` (`refund.updated`). A refund of Stripe's test card 4000000000005126
starts `succeeded` and fails after that delay with `expired_or_canceled_card`
(`refund.failed`, `charge.refund.updated`), giving the charge its amount back
(https://docs.stripe.com/testing#refunds). Either way `refund.created` then `charge.refunded`
come at once. Refunds never change an invoice's amounts.
"""

import functools

from . import charges
from .credit_note_lines import no_such_param
from .errors import StripeAPIError, invalid, not_covered, state
from .indexes import indexed
from .routes import PAGING, route
from .store import list_object, merge_metadata

indexed("refund", "charge")
indexed("refund", "payment_intent")

# Declared by the API for refunds the emulator has no payments of (customer cash balances,
# Connect transfers, payment methods that email refund instructions).
_NOT_COVERED = (
    "currency",
    "customer",
    "instructions_email",
    "origin",
    "refund_application_fee",
    "reverse_transfer",
)


def refund_charge(store, charge, amount, reason=None, metadata=None):
    """Refund `amount` of a succeeded charge: `refund.created`, `charge.refunded`; a refund
    that settles later is scheduled."""
    bank = charge["payment_method_details"]["type"] != "card"
    refund = store.add(
        {
            "id": store.new_id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": None,
            "charge": charge["id"],
            "created": store.now(),
            "currency": charge["currency"],
            "customer": charge["customer"],
            "customer_account": None,
            **({} if bank else {"destination_details": _card_destination()}),
            "metadata": metadata or {},
            "payment_intent": charge["payment_intent"],
            "payment_method": charge["payment_method"],
            **({"pending_reason": "processing"} if bank else {}),
            "reason": reason,
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "pending" if bank else "succeeded",
            "transfer_reversal": None,
        }
    )
    if bank or charge["_refunds_fail"]:
        # Kept on the refund, so that a state file can carry a refund still to settle.
        refund["_settles"] = "succeeded" if bank else "failed"
        store.later(functools.partial(_settle, store, refund["id"]))
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    _move(charge, amount)
    store.emit("refund.created", refund)
    store.emit("charge.refunded", charge, {k: v for k, v in previous.items() if charge[k] != v})
    return refund


def _card_destination():
    """Where a card refund goes: back to the card, with the acquirer's reference number."""
    return {
        "card": {
            "reference": charges.digits(23),
            "reference_status": "available",
            "reference_type": "acquirer_reference_number",
            "type": "refund",
        },
        "type": "card",
    }


def _move(charge, amount):
    """Count `amount` more (or, negative, less) as refunded on the charge."""
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]


def _settle(store, refund_id):
    """A pending refund succeeds, or a refund of a card whose refunds fail fails."""
    with store.lock:
        refund = store.objects.get(refund_id)
        outcome = refund.pop("_settles", None) if refund else None
        if outcome == "succeeded":
            previous = {"status": refund["status"], "pending_reason": refund.pop("pending_reason")}
            refund["status"] = "succeeded"
            store.emit("refund.updated", refund, previous)
        elif outcome == "failed":
            previous = {"status": refund["status"]}
            refund.update(status="failed", failure_reason="expired_or_canceled_card")
            _move(store.objects[refund["charge"]], -refund["amount"])
            store.emit("refund.failed", refund)
            store.emit("charge.refund.updated", refund, previous)


def resume(store, schedule):
    """Schedule again the refunds that were still to settle when the state was saved."""
    for refund_id in store.by_type["refund"]:
        if "_settles" in store.objects[refund_id]:
            schedule(functools.partial(_settle, store, refund_id))


def refundable_on(store, invoice):
    """What the invoice's charges have left to refund through Stripe."""
    return sum(charges.refundable(c) for c in charges.invoice_charges(store, invoice))


def refund_invoice(store, invoice, amount, reason=None, metadata=None):
    """Refund `amount` of the invoice's payments, newest charge first, spreading over older
    ones when one has too little left; the refunds made, in order. Check `refundable_on`
    first."""
    made, left = [], amount
    for charge in charges.invoice_charges(store, invoice):
        part = min(charges.refundable(charge), left)
        if part:
            made.append(refund_charge(store, charge, part, reason, metadata))
            left -= part
        if not left:
            break
    return made


def dashboard_refund(store, invoice_id, amount=None, reason=None):
    """Refund an invoice's payments as Stripe's Dashboard does, without a credit note: all
    that is left to refund, or `amount` of it; the refunds made."""
    invoice = store.get("invoice", invoice_id)
    left = refundable_on(store, invoice)
    if not left:
        raise invalid(
            None,
            "This invoice has nothing to refund through Stripe: no payment made through Stripe "
            "is left unrefunded (an invoice paid out of band has none).",
        )
    if amount is not None and not 1 <= amount <= left:
        raise invalid("amount", f"amount must be from 1 to what is left to refund ({left}).")
    return refund_invoice(store, invoice, left if amount is None else amount, reason)


def _target(store, params):
    """The charge to refund, from `charge` or `payment_intent`, and the param that named it."""
    if "charge" not in params and "payment_intent" not in params:
        raise StripeAPIError(
            "Pass charge or payment_intent: the payment to refund.",
            code="parameter_missing",
            param="charge",
        )
    if "charge" in params:
        charge = _named(store, "charge", params["charge"], "charge")
        intent = params.get("payment_intent", charge["payment_intent"])
        if intent != charge["payment_intent"]:
            raise invalid(
                "payment_intent", f"The charge {charge['id']} is not a charge of {intent}."
            )
        return charge, "charge"
    intent = _named(store, "payment_intent", params["payment_intent"], "payment_intent")
    charge = store.objects.get(intent["latest_charge"]) if intent["latest_charge"] else None
    if charge is None or charge["status"] != "succeeded":
        raise invalid(
            "payment_intent",
            f"This PaymentIntent ({intent['id']}) does not have a successful charge to refund.",
            "charge_not_refundable",
        )
    return charge, "payment_intent"


def _named(store, kind, object_id, param):
    obj = store.objects.get(object_id) if isinstance(object_id, str) else None
    if obj is None or obj["object"] != kind:
        raise no_such_param(kind, object_id, param)
    return obj


def _amount(params, charge, param):
    """The amount to refund: `amount`, within what is left on the charge, or all of that."""
    if charge["status"] != "succeeded":
        raise invalid(
            param,
            f"Charge {charge['id']} is {charge['status']}: only a succeeded charge can be "
            "refunded.",
            "charge_not_refundable",
        )
    left = charges.refundable(charge)
    if not left:
        raise invalid(
            param, f"Charge {charge['id']} has already been refunded.", "charge_already_refunded"
        )
    amount = params.get("amount", left)
    if amount < 1:
        raise invalid("amount", "Invalid positive integer: amount must be at least 1.")
    if amount > left:
        raise invalid(
            "amount",
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left}).",
        )
    return amount


@route(
    "POST",
    "/v1/refunds",
    "refunds.create",
    "RefundCreateParams",
    emulates=("amount", "charge", "payment_intent", "reason", "metadata"),
)
def create_refund(store, params):
    """Refund a charge, or a PaymentIntent's charge: all that is left, or `amount`."""
    for key in _NOT_COVERED:
        if key in params:
            raise not_covered(
                key,
                f"The emulator does not cover {key} yet: it refunds card and bank debit "
                "payments by charge or payment_intent.",
            )
    charge, param = _target(store, params)
    amount = _amount(params, charge, param)
    return refund_charge(store, charge, amount, params.get("reason"), params.get("metadata"))


@route("GET", "/v1/refunds/<refund>", "refunds.retrieve", "RefundRetrieveParams")
def retrieve_refund(store, params, refund):
    """Retrieve a refund."""
    return store.get("refund", refund)


@route(
    "GET",
    "/v1/refunds",
    "refunds.list",
    "RefundListParams",
    emulates=(*PAGING, "charge", "payment_intent"),
)
def list_refunds(store, params):
    """List refunds, newest first, by charge, PaymentIntent and creation time."""
    keys = ("charge", "payment_intent")
    within = None
    for key in keys:
        if key in params:
            within = store.filed("refund", key, [params[key]])
            break

    def match(refund):
        return all(params.get(k, refund[k]) == refund[k] for k in keys)

    return store.page("refund", params, "/v1/refunds", match, within=within, covers=keys)


@route(
    "POST", "/v1/refunds/<refund>", "refunds.update", "RefundUpdateParams", emulates=("metadata",)
)
def update_refund(store, params, refund):
    """Update a refund's metadata."""
    obj = store.get("refund", refund)
    if "metadata" in params:
        merged = merge_metadata(obj["metadata"] or {}, params["metadata"])
        if merged != obj["metadata"]:  # no event for an update that changes nothing
            previous, obj["metadata"] = obj["metadata"], merged
            store.emit("refund.updated", obj, {"metadata": previous})
    return obj


@route("POST", "/v1/refunds/<refund>/cancel", "refunds.cancel", "RefundCancelParams")
def cancel_refund(store, params, refund):
    """Cancel a refund that requires action: none does among the emulator's card and bank
    debit refunds, so this is always refused, as Stripe refuses it for them."""
    obj = store.get("refund", refund)
    raise state(
        f"You can only cancel a refund whose status is requires_action; this refund is "
        f"{obj['status']}."
    )


def charge_refunds(store, charge):
    """The includable `refunds` list of a charge, newest first."""
    # Expanding only reads: not noted as read by a change being recorded.
    found = [store.objects.peek(i) for b in store.filed("refund", "charge", [charge["id"]])
             for i in reversed(b)]  # fmt: skip
    data = [store.render(r) for r in found]
    return list_object(data, f"/v1/refunds?charge={charge['id']}")
