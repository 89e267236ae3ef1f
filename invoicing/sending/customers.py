"""The Stripe customer for an email: the local record first, else one create at Stripe, so
that parallel first sends for one email still end with one Stripe customer and one row."""

import contextlib
import time

import stripe

from invoicing import stripe_calls
from invoicing.errors import ApiError, StateConflictError, stripe_message
from invoicing.record import customers, database


def customer_for(email, name, details=None):
    """The Stripe customer id for an email: the local record first, else one create; a known
    customer given other details (sending.details.Details) than it was last given is updated
    at Stripe first, and one given the same costs no call."""
    with database.connect() as db:
        known = customers.find_customer(db, email)
    if known is None:
        return new_customer(email, name, details=details)
    if details is not None:
        _bring_up_to_date(known, details)
    return known.stripe_id


@contextlib.contextmanager
def _tax_id_checked():
    """Stripe checks a tax ID's value against its type (an EU VAT number starts with its
    country's code, ...): its refusal is the request's fault, a 400 naming the value."""
    try:
        yield
    except stripe.InvalidRequestError as error:
        if error.code != "tax_id_invalid":
            raise
        message = f"Stripe does not accept this tax ID: {stripe_message(error)}"
        raise ApiError(400, message, field="customer.tax_id.value") from None


def _kept(details, tax_id_id):
    """What the record keeps of the details given to Stripe: JSON, with the tax ID's id."""
    kept = details.stripe_fields()
    if details.tax_id:
        kept["tax_id"] = {"type": details.tax_id[0], "value": details.tax_id[1], "id": tax_id_id}
    return kept


def _bring_up_to_date(known, details):
    """Give Stripe the details that differ from those it was last given: the name, address
    and phone in one update, a new tax ID in place of the old one."""
    before = known.details or {}
    fields = details.stripe_fields()
    changed = {key: value for key, value in fields.items() if before.get(key) != value}
    old_tax_id = before.get("tax_id") or {}
    tax_id_id = old_tax_id.get("id")
    if changed:
        stripe_calls.update_customer(known.stripe_id, changed)
    if details.tax_id and (old_tax_id.get("type"), old_tax_id.get("value")) != details.tax_id:
        with _tax_id_checked():
            tax_id_id = stripe_calls.create_tax_id(known.stripe_id, *details.tax_id)
        if old_tax_id.get("id"):
            stripe_calls.delete_tax_id(known.stripe_id, old_tax_id["id"])
    elif not changed:
        return
    kept = {**before, **_kept(details, tax_id_id)}
    if not details.tax_id and "tax_id" in before:
        kept["tax_id"] = before["tax_id"]  # not given this time: left as it was
    with database.begin() as db:
        customers.record_details(db, known.stripe_id, kept)


def new_customer(email, name, replacing=None, details=None):
    """Create the Stripe customer for an email (with its details) and keep the mapping;
    return its id.

    Parallel first requests for one email share an idempotency key, so Stripe makes one
    customer and the unique email keeps one row. `replacing` names a customer deleted at
    Stripe: parallel sends that found it gone make one successor in the same way.
    """
    try:
        with _tax_id_checked():
            created, tax_id_id = stripe_calls.create_customer(email, name, replacing, details)
    except stripe.IdempotencyError:
        # A parallel request with another name made it: use that one.
        return _made_in_parallel(email, replacing)
    kept = _kept(details, tax_id_id) if details is not None else None
    with database.begin() as db:
        if replacing:
            customers.forget_customer(db, email, replacing)
        return customers.add_customer(db, email, created, name, kept).stripe_id


def _made_in_parallel(email, replacing, wait=5.0):
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        with database.connect() as db:
            known = customers.find_customer(db, email)
        if known and known.stripe_id != replacing:
            return known.stripe_id
        time.sleep(0.05)
    # Its request died before keeping the mapping: the newest customer with this email.
    found = stripe_calls.newest_customer(email)
    if found is None or found[0] == replacing:
        raise StateConflictError("A parallel request is creating this customer; retry shortly.")
    with database.begin() as db:
        if replacing:
            customers.forget_customer(db, email, replacing)
        return customers.add_customer(db, email, *found).stripe_id
