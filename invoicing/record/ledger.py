"""What each invoice owed over time, kept by the database: `owed_changes` holds the moments at
which what an invoice owed (and whether it was open) changed, and `owed_days` their sums per
currency, day of due date and day of change. What was owed at a past moment is then a sum over
the days before it, plus that day's own changes: a few tens of thousands of rows however many
invoices there are.

An invoice is open from `finalized_at` until `closed_at` (for ever while `open`). What it owed
at a moment in between follows history.py: its base (open: what it owes now plus every payment
and pre-payment credit it had; closed: its amount due plus its issued pre-payment credit) less
the payments made by then and the credit notes in force then, never below 0. A change to an
invoice, one of its payments or one of its credit notes redoes that invoice's rows, in the
same transaction, whatever statement made it (triggers, on SQLite and PostgreSQL).
"""

# The amounts that step what an invoice owes, at their times (`minus` is taken off): each
# payment, and each pre-payment credit from its creation, given back when it was voided (one
# voided no later than it was made was never in force). The opening and the closing add
# nothing of their own but mark the moments. `{only}` picks the invoices: `= NEW.id` in a
# trigger, `IS NOT NULL` to fill all.
_MARKS = """
SELECT invoice_id, paid_at AS at, amount AS minus FROM payments WHERE invoice_id {only}
UNION ALL SELECT invoice_id, created, pre_payment_amount FROM credit_notes
  WHERE invoice_id {only} AND (status = 'issued' OR voided_at > created)
UNION ALL SELECT invoice_id, voided_at, -pre_payment_amount FROM credit_notes
  WHERE invoice_id {only} AND status <> 'issued' AND voided_at > created
UNION ALL SELECT id, finalized_at, 0 FROM invoices WHERE id {only}
UNION ALL SELECT id, closed_at, 0 FROM invoices WHERE id {only} AND closed_at IS NOT NULL
"""

_PAID = "(SELECT COALESCE(SUM(amount), 0) FROM payments WHERE invoice_id = i.id)"
_CREDITED = (
    "(SELECT COALESCE(SUM(pre_payment_amount), 0) FROM credit_notes "
    "WHERE invoice_id = i.id AND status = 'issued')"
)

# Each mark with its invoice's base, opening and closing (none while open).
_BASED = f"""
SELECT i.id AS invoice_id, i.currency AS currency, i.due_date AS due_date, m.at AS at,
  m.minus AS minus, i.finalized_at AS opened, i.closed_at AS closed,
  CASE WHEN i.status = 'open' THEN i.amount_remaining + {_PAID} + {_CREDITED}
       ELSE i.amount_due + {_CREDITED} END AS base
FROM invoices i JOIN ({_MARKS}) m ON m.invoice_id = i.id
WHERE i.id {{only}} AND i.status <> 'draft' AND i.finalized_at IS NOT NULL
  AND (i.status = 'open' OR i.closed_at IS NOT NULL)
"""

# What it owed and whether it was open at each mark (marks at one moment see each other).
_OUTSIDE = "at < opened OR (closed IS NOT NULL AND at >= closed)"
_HELD = f"""
SELECT invoice_id, currency, due_date, at,
  CASE WHEN {_OUTSIDE} THEN 0 ELSE CAST({{greatest}}(base - SUM(minus) OVER (
    PARTITION BY invoice_id ORDER BY at), 0) AS BIGINT) END AS owed,
  CASE WHEN {_OUTSIDE} THEN 0 ELSE 1 END AS held
FROM ({_BASED}) based
"""

# The changes between consecutive marks, one row per moment that changed something.
TRAJECTORY = f"""
SELECT invoice_id, at, currency, due_date, SUM(amount), SUM(held)
FROM (
  SELECT invoice_id, at, currency, due_date,
    owed - COALESCE(LAG(owed) OVER w, 0) AS amount, held - COALESCE(LAG(held) OVER w, 0) AS held
  FROM ({_HELD}) marks WINDOW w AS (PARTITION BY invoice_id ORDER BY at)
) steps
GROUP BY invoice_id, at, currency, due_date
HAVING SUM(amount) <> 0 OR SUM(held) <> 0
"""

_INTO_CHANGES = "INSERT INTO owed_changes (invoice_id, at, currency, due_date, amount, invoices) "

# An invoice's changes added to (or, `sign` -, taken from) the sums per day.
_DAYS = """
INSERT INTO owed_days (currency, due_day, day, amount, invoices)
SELECT currency, COALESCE(due_date / 86400, -1), at / 86400, {sign}SUM(amount), {sign}SUM(invoices)
FROM owed_changes WHERE invoice_id {only} GROUP BY 1, 2, 3
ON CONFLICT (currency, due_day, day) DO UPDATE SET
  amount = owed_days.amount + excluded.amount, invoices = owed_days.invoices + excluded.invoices
"""


def _redo(only, greatest):
    """The statements that redo the rows of the invoices `only` picks."""
    return [
        _DAYS.format(sign="-", only=only),
        f"DELETE FROM owed_changes WHERE invoice_id {only}",
        _INTO_CHANGES + TRAJECTORY.format(only=only, greatest=greatest),
        _DAYS.format(sign="", only=only),
    ]


# What each table's rows name their invoice by, and the columns a change of which matters.
_FOLLOWED = {
    "invoices": (
        "id",
        "id, status, currency, due_date, amount_due, amount_remaining, finalized_at, closed_at",
    ),
    "payments": ("invoice_id", "invoice_id, amount, paid_at"),
    "credit_notes": ("invoice_id", "invoice_id, status, pre_payment_amount, created, voided_at"),
}


def _changed(columns, distinct):
    old = ", ".join(f"OLD.{name}" for name in columns.split(", "))
    new = ", ".join(f"NEW.{name}" for name in columns.split(", "))
    return f"({old}) {distinct} ({new})"


def _postgresql():
    body = ";\n".join(_redo("= invoice", "GREATEST"))
    statements = [
        "CREATE FUNCTION owed_redo(invoice text) RETURNS void LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{body};\nEND $$"
    ]
    for table, (key, columns) in _FOLLOWED.items():
        statements += [
            f"CREATE FUNCTION owed_follow_{table}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            f"  IF TG_OP <> 'INSERT' THEN PERFORM owed_redo(OLD.{key}); END IF;\n"
            f"  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND OLD.{key} <> NEW.{key}) THEN\n"
            f"    PERFORM owed_redo(NEW.{key});\n"
            "  END IF;\n"
            "  RETURN NULL;\n"
            "END $$",
            f"CREATE TRIGGER owed_{table}_insert AFTER INSERT ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION owed_follow_{table}()",
            f"CREATE TRIGGER owed_{table}_update AFTER UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW WHEN ({_changed(columns, 'IS DISTINCT FROM')}) "
            f"EXECUTE FUNCTION owed_follow_{table}()",
            f"CREATE TRIGGER owed_{table}_delete AFTER DELETE ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION owed_follow_{table}()",
        ]
    return statements


def _sqlite_body(row, key):
    return "; ".join(_redo(f"= {row}.{key}", "MAX"))


def _sqlite():
    # No trigger functions and no WITH inside a trigger: each trigger holds its statements.
    # After an update the row is as NEW says: its invoice's rows are redone from it, and those
    # of the invoice it left too if it moved.
    statements = []
    for table, (key, columns) in _FOLLOWED.items():
        statements += [
            f"CREATE TRIGGER owed_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {_sqlite_body('NEW', key)}; END",
            f"CREATE TRIGGER owed_{table}_update AFTER UPDATE OF {columns} ON {table} "
            f"WHEN {_changed(columns, 'IS NOT')} BEGIN {_sqlite_body('NEW', key)}; END",
            f"CREATE TRIGGER owed_{table}_move AFTER UPDATE OF {key} ON {table} "
            f"WHEN OLD.{key} IS NOT NEW.{key} BEGIN {_sqlite_body('OLD', key)}; END",
            f"CREATE TRIGGER owed_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {_sqlite_body('OLD', key)}; END",
        ]
    return statements


def install(connection):
    """The triggers that keep owed_changes and owed_days, and their rows for the record there
    is (after the tables are made)."""
    dialect = connection.dialect.name
    for statement in _postgresql() if dialect == "postgresql" else _sqlite():
        connection.exec_driver_sql(statement)
    refill(connection)


def refill(connection):
    """Make owed_changes and owed_days again from the whole record (a bulk load that ran
    without triggers ends here)."""
    greatest = "GREATEST" if connection.dialect.name == "postgresql" else "MAX"
    connection.exec_driver_sql("DELETE FROM owed_days")
    connection.exec_driver_sql("DELETE FROM owed_changes")
    for statement in _redo("IS NOT NULL", greatest)[2:]:
        connection.exec_driver_sql(statement)


def uninstall(connection):
    """Remove the triggers (the migration's downgrade, before it drops the tables)."""
    postgresql = connection.dialect.name == "postgresql"
    for table in _FOLLOWED:
        for side in ("insert", "update", "move", "delete"):
            on = f" ON {table}" if postgresql else ""
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS owed_{table}_{side}{on}")
        if postgresql:
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS owed_follow_{table}()")
    if postgresql:
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS owed_redo(text)")
