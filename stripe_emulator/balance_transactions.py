"""Customer balance transactions: the ledger behind a customer's `balance`; list, create (an
`adjustment`), retrieve and update them.

Every move of a balance is one: an `adjustment` made through the API, a `credit_note` crediting
it, `applied_to_invoice` when finalization applies it, `invoice_too_small` when an amount below
the minimum charge is carried to it. A negative amount is a credit (it lowers what the next
invoice asks), a positive one a debit. The customer's `currency` is set by its first one. Stripe
sends no event for the transactions themselves; the customer's `customer.updated` carries the
new balance (https://docs.stripe.com/billing/customer/balance).
"""

from .errors import invalid, no_such
from .indexes import indexed
from .routes import PAGING, route
from .store import merge_metadata

indexed("customer_balance_transaction", "customer")


def record(store, customer, amount, currency, kind, **links):
    """Move the customer's balance by `amount` with a transaction of type `kind`, kept; the
    caller sends `customer.updated` (see `announce`). `links`: `invoice`, `credit_note`,
    `description`, `metadata`."""
    if customer["currency"] is None:  # the first balance sets the customer's currency
        customer["currency"] = currency
    customer["balance"] += amount
    return store.add(
        {
            "id": store.new_id("cbtxn"),
            "object": "customer_balance_transaction",
            "amount": amount,
            "checkout_session": None,
            "created": store.now(),
            "credit_note": links.get("credit_note"),
            "currency": currency,
            "customer": customer["id"],
            "customer_account": None,
            "description": links.get("description"),
            "ending_balance": customer["balance"],
            "invoice": links.get("invoice"),
            "livemode": False,
            "metadata": links.get("metadata") or {},
            "type": kind,
        }
    )


def before(customer):
    """What `announce` compares with: the customer's balance and currency now."""
    return {"balance": customer["balance"], "currency": customer["currency"]}


def announce(store, customer, earlier):
    """`customer.updated` with what moved since `earlier` (see `before`), if anything did."""
    previous = {k: v for k, v in earlier.items() if customer[k] != v}
    if previous:
        store.emit("customer.updated", customer, previous)


def check_currency(customer, currency, param):
    """A customer's balance is in one currency: refuse a transaction in another."""
    if customer["currency"] not in (None, currency):
        raise invalid(
            param,
            f"The customer's balance is in {customer['currency']}; a balance transaction in "
            f"{currency} can't be added to it.",
        )


def _customer(store, customer_id):
    """A customer that exists and is not deleted; else 404."""
    customer = store.get("customer", customer_id)
    if customer.get("deleted"):
        raise no_such("customer", customer_id)
    return customer


def _transaction(store, customer_id, transaction_id):
    """The customer's transaction with this id; else 404."""
    customer = _customer(store, customer_id)
    found = store.get("customer_balance_transaction", transaction_id)
    if found["customer"] != customer["id"]:
        raise no_such("customer_balance_transaction", transaction_id)
    return found


@route(
    "GET",
    "/v1/customers/<customer>/balance_transactions",
    "customers.balance_transactions.list",
    "CustomerBalanceTransactionListParams",
    emulates=(*PAGING, "invoice"),
)
def list_transactions(store, params, customer):
    """List a customer's balance transactions, newest first, by invoice and creation time."""
    customer_id = _customer(store, customer)["id"]
    within = store.filed("customer_balance_transaction", "customer", [customer_id])

    def match(found):
        return params.get("invoice", found["invoice"]) == found["invoice"]

    url = f"/v1/customers/{customer_id}/balance_transactions"
    kind = "customer_balance_transaction"
    return store.page(kind, params, url, match, within=within, covers=("invoice",))


@route(
    "POST",
    "/v1/customers/<customer>/balance_transactions",
    "customers.balance_transactions.create",
    "CustomerBalanceTransactionCreateParams",
    emulates=("amount", "currency", "description", "metadata"),
)
def create_transaction(store, params, customer):
    """Adjust a customer's balance: a negative amount credits it, a positive one debits it."""
    obj = _customer(store, customer)
    currency = params["currency"].lower()
    if params["amount"] == 0:
        raise invalid("amount", "amount must not be zero: it is what the balance moves by.")
    check_currency(obj, currency, "currency")
    earlier = before(obj)
    found = record(
        store,
        obj,
        params["amount"],
        currency,
        "adjustment",
        description=params.get("description"),
        metadata=params.get("metadata"),
    )
    announce(store, obj, earlier)
    return found


@route(
    "GET",
    "/v1/customers/<customer>/balance_transactions/<transaction>",
    "customers.balance_transactions.retrieve",
    "CustomerBalanceTransactionRetrieveParams",
)
def retrieve_transaction(store, params, customer, transaction):
    """Retrieve one of a customer's balance transactions."""
    return _transaction(store, customer, transaction)


@route(
    "POST",
    "/v1/customers/<customer>/balance_transactions/<transaction>",
    "customers.balance_transactions.update",
    "CustomerBalanceTransactionUpdateParams",
    emulates=("description", "metadata"),
)
def update_transaction(store, params, customer, transaction):
    """Update a balance transaction's description and metadata (no event, as on Stripe)."""
    found = _transaction(store, customer, transaction)
    if "description" in params:
        found["description"] = params["description"] or None  # "" unsets it
    if "metadata" in params:
        found["metadata"] = merge_metadata(found["metadata"] or {}, params["metadata"])
    return found
