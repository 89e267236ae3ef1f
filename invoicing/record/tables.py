"""The local database's tables (SQLAlchemy Core): what each column holds. Their history is in
migrations/ (Alembic); a change here comes with a migration there."""

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

metadata = MetaData()

customers = Table(
    "customers",
    metadata,
    # One Stripe customer per lower-cased email.
    Column("email", String(254), primary_key=True),
    Column("stripe_id", String(255), nullable=False, unique=True),
    Column("name", String(256)),
    Column("created", BigInteger, nullable=False),
    # Its balance at Stripe, in Stripe's sign (negative is credit), and the balance's currency.
    Column("balance", BigInteger, nullable=False, server_default="0"),
    Column("currency", String(3)),
    # When Stripe's snapshot of that balance was made (an event's time): an older one never wins.
    Column("balance_at", BigInteger, nullable=False, server_default="0"),
    # The details last given to Stripe for it (name, address, phone, tax ID with its Stripe
    # id): a send with the same ones makes no customer call.
    Column("details", JSON),
    Index("ix_customers_created", "created", "email"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", String(255), primary_key=True),
    Column("number", String(255)),
    Column("status", String(32), nullable=False),
    Column("status_rank", Integer, nullable=False),
    Column("payment", String(32)),
    Column("payment_rank", Integer, nullable=False, default=0),
    Column("payment_at", BigInteger, nullable=False, default=0),
    Column("payment_intent", String(255), index=True),
    Column("customer", String(255), nullable=False),
    Column("email", String(254), nullable=False),
    # The customer's name as billed (Stripe's `customer_name`), if any.
    Column("customer_name", String(256)),
    Column("amount_due", BigInteger, nullable=False),
    Column("amount_paid", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("due_date", BigInteger),
    Column("hosted_invoice_url", Text),
    Column("invoice_pdf", Text),
    Column("description", Text),
    Column("lines", JSON, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("updated", BigInteger, nullable=False),
    # When this server first recorded it (microseconds): orders invoices created in one second.
    Column("recorded", BigInteger, nullable=False),
    # When it last changed here (microseconds): the cursor pages poll with `?since=`.
    Column("changed", BigInteger, nullable=False, index=True),
    # What is left to pay, and when it opened and left `open` (Stripe's times): the aging.
    Column("amount_remaining", BigInteger, nullable=False, server_default="0"),
    Column("finalized_at", BigInteger),
    Column("closed_at", BigInteger),
    # The reminders this server had Stripe send.
    Column("reminded_at", BigInteger),
    Column("reminder_count", Integer, nullable=False, server_default="0"),
    # What was paid outside Stripe (marked paid here: a bank transfer, a cheque), and its note.
    Column("amount_paid_off_stripe", BigInteger, nullable=False, server_default="0"),
    Column("paid_off_stripe_memo", Text),
    # What its issued credit notes credit in all (see credit_notes).
    Column("amount_credited", BigInteger, nullable=False, server_default="0"),
    # Stripe's total (before the customer's balance), the balance it started from (negative is
    # credit it used), and what was refunded of its payments (see refunds).
    Column("total", BigInteger),
    Column("starting_balance", BigInteger, nullable=False, server_default="0"),
    Column("amount_refunded", BigInteger, nullable=False, server_default="0"),
    # Whether some of its lines lack Stripe's line id (il_...), which a credit by lines names:
    # an answer embeds only the first ten lines, so reconciliation names the rest.
    Column("lines_unnamed", Boolean, nullable=False, server_default=false()),
    # Stripe's subtotal (before discounts and exclusive tax), what its discounts took off and
    # its tax (exclusive and inclusive) in all, and its footer.
    Column("subtotal", BigInteger),
    Column("total_discount", BigInteger, nullable=False, server_default="0"),
    Column("total_tax", BigInteger, nullable=False, server_default="0"),
    Column("footer", Text),
    # The customer as the invoice shows them (Stripe copies them at finalization): address,
    # phone and tax IDs ([{type, value}]). The address and tax IDs are JSON kept as text, so
    # that events' conditional updates compare them as they compare every other column.
    Column("customer_address", Text),
    Column("customer_phone", String(256)),
    Column("customer_tax_ids", Text),
    # Pages newest first (all, by status, by email), a customer's open invoices, and what was
    # open at a moment (the receivables).
    Index("ix_invoices_created_recorded", "created", "recorded"),
    # A status's page in order, the overdue page's due dates checked inside the index (an
    # open invoice not yet due is passed over without reading its row).
    Index("ix_invoices_status_created", "status", "created", "recorded", "due_date"),
    Index("ix_invoices_email_created", "email", "created"),
    Index("ix_invoices_customer_status", "customer", "status"),
    Index("ix_invoices_finalized_at", "finalized_at"),
    Index("ix_invoices_closed_at", "closed_at"),
    # What each customer owes, and what the open invoices of a day of due dates owe, from the
    # indexes alone.
    # (PostgreSQL's indexes for the search are in ddl.py: SQLite cannot have them.)
    Index(
        "ix_invoices_open_customer",
        "customer",
        "currency",
        "amount_remaining",
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
    # The open and overdue pages, newest first: not yet due ones are passed over in the index.
    Index(
        "ix_invoices_open_created",
        "created",
        "recorded",
        "due_date",
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
    Index(
        "ix_invoices_open_due",
        "due_date",
        "currency",
        "amount_remaining",
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
)

# What the open invoices owe, kept by the database itself (triggers on invoices, see
# ddl.py) per currency and day of due date, so that what is owed now is a sum of a
# few thousand rows however many invoices there are.
open_amounts = Table(
    "open_amounts",
    metadata,
    Column("currency", String(3), primary_key=True),
    # The due date's day (Unix time // 86400); -1 for invoices without a due date.
    Column("due_day", BigInteger, primary_key=True, autoincrement=False),
    Column("amount", BigInteger, nullable=False),
    Column("invoices", BigInteger, nullable=False),
)

# What each invoice owed over time, kept by the database itself (triggers on invoices,
# payments and credit_notes, see ledger.py): the moments at which what it owed, or whether it
# was open, changed; and their sums per currency, day of due date and day of change, so that
# what was owed at a past moment is a sum of a few tens of thousands of rows.
owed_changes = Table(
    "owed_changes",
    metadata,
    Column("invoice_id", String(255), primary_key=True),
    Column("at", BigInteger, primary_key=True, autoincrement=False),
    Column("currency", String(3), nullable=False),
    Column("due_date", BigInteger),
    Column("amount", BigInteger, nullable=False),
    Column("invoices", BigInteger, nullable=False),
    # A day's own changes, and those of a day of due dates, read from the indexes alone.
    Index("ix_owed_changes_at", "at", "due_date", "currency", "amount", "invoices"),
    Index("ix_owed_changes_due_date", "due_date", "at", "currency", "amount", "invoices"),
)

owed_days = Table(
    "owed_days",
    metadata,
    Column("currency", String(3), primary_key=True),
    # The due date's day (Unix time // 86400), -1 for none; the day of the change.
    Column("due_day", BigInteger, primary_key=True, autoincrement=False),
    Column("day", BigInteger, primary_key=True, autoincrement=False),
    Column("amount", BigInteger, nullable=False),
    Column("invoices", BigInteger, nullable=False),
    Index("ix_owed_days_day", "day", "currency", "due_day", "amount", "invoices"),
)

payments = Table(
    "payments",
    metadata,
    # One payment of an invoice through Stripe (an InvoicePayment that was paid), at its time.
    Column("id", String(255), primary_key=True),
    Column("invoice_id", String(255), nullable=False, index=True),
    Column("payment_intent", String(255), index=True),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("paid_at", BigInteger, nullable=False),
)

refunds = Table(
    "refunds",
    metadata,
    # A refund of an invoice's payment, made here (by a credit note) or elsewhere; its status
    # moves forward only (see refunds.STATUS_RANK).
    Column("id", String(255), primary_key=True),
    Column("invoice_id", String(255), nullable=False, index=True),
    Column("payment_intent", String(255)),
    Column("charge", String(255)),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(32), nullable=False),
    Column("status_rank", Integer, nullable=False),
    Column("reason", String(32)),
    Column("failure_reason", String(64)),
    Column("created", BigInteger, nullable=False),
)

credit_notes = Table(
    "credit_notes",
    metadata,
    # A credit note Stripe issued for an invoice, as its latest snapshot says; void is final.
    Column("id", String(255), primary_key=True),
    Column("invoice_id", String(255), nullable=False, index=True),
    Column("number", String(255)),
    Column("status", String(16), nullable=False),  # issued or void
    Column("type", String(16), nullable=False),  # pre_payment, post_payment or mixed
    Column("currency", String(3), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("pre_payment_amount", BigInteger, nullable=False),
    Column("post_payment_amount", BigInteger, nullable=False),
    Column("refund_amount", BigInteger, nullable=False),
    Column("credit_amount", BigInteger, nullable=False),
    Column("out_of_band_amount", BigInteger, nullable=False),
    Column("reason", String(32)),
    Column("memo", Text),
    Column("pdf", Text),
    # What it credits, line by line: [{"description", "quantity", "amount"}].
    Column("lines", JSON, nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("voided_at", BigInteger),
    # The refunds it made (`re_...`), whichever of it and them the record heard of first.
    Column("refund_ids", JSON, nullable=False, server_default="[]"),
    Index("ix_credit_notes_created", "created", "id"),
)

events = Table(
    "events",
    metadata,
    # Every verified event, stored once by its Stripe id, with the body Stripe signed.
    Column("id", String(255), primary_key=True),
    Column("type", String(255), nullable=False),
    Column("created", BigInteger, nullable=False),
    Column("received", BigInteger, nullable=False),
    Column("invoice_id", String(255), index=True),
    Column("payload", Text, nullable=False),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    # A client's `Idempotency-Key` on POST /invoices: its body and the invoice it made.
    Column("key", String(255), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("invoice_id", String(255)),
    # A try after a cleaned-up failure gets fresh keys at Stripe (that try's draft is gone);
    # a try taking over from a crashed one keeps its keys, so Stripe replays what it did.
    Column("attempt", Integer, nullable=False),
    Column("locked_at", BigInteger, nullable=False),
    Column("created", BigInteger, nullable=False),
)

sends = Table(
    "sends",
    metadata,
    # One try at sending an invoice, recorded before its first Stripe call. The id is also the
    # prefix of its Stripe idempotency keys, so a repair can replay what it did.
    Column("id", String(255), primary_key=True),
    Column("state", String(16), nullable=False),  # pending, done or rolled_back
    Column("invoice_id", String(255)),
    Column("customer", String(255), nullable=False),
    # What it asks Stripe for ("invoice", "lines") and records locally ("record").
    Column("request", JSON, nullable=False),
    # The client's Idempotency-Key, released if the send is rolled back.
    Column("idempotency_key", String(255)),
    Column("created", BigInteger, nullable=False),
    # Last worked on: a pending send untouched for a while was abandoned by a dead process.
    Column("touched", BigInteger, nullable=False),
    Index("ix_sends_state_touched", "state", "touched"),
)

settings = Table(
    "settings",
    metadata,
    # Small named values the server keeps between runs (the reconciler's cursor, ...).
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    # A job that one process across every worker and host runs at a time.
    Column("name", String(64), primary_key=True),
    Column("holder", String(255), nullable=False),
    Column("expires", BigInteger, nullable=False),
)
