"""What tables.py cannot declare: PostgreSQL's indexes for the search (a prefix of a number or
an email, and a word of a name through pg_trgm) and the statistics it is planned from, which
SQLite cannot have, and the triggers through which the database keeps `open_amounts` (what the
open invoices owe per currency and day of due date) equal to the invoices, whatever statement
changes them.

Run by the migrations that brought them (0010, 0014, 0015, 0016) and when an empty database is
made from tables.py (migrate.py). A change here needs a new migration that applies it.
"""

# The amount an open invoice adds to its (currency, due day) sums, from the row OLD or NEW.
_KEY = "{row}.currency, COALESCE({row}.due_date / 86400, -1)"
_UPSERT = (
    "INSERT INTO open_amounts (currency, due_day, amount, invoices) "
    "VALUES ({key}, {sign}{greatest}({row}.amount_remaining, 0), {sign}1) "
    "ON CONFLICT (currency, due_day) DO UPDATE SET "
    "amount = open_amounts.amount + excluded.amount, "
    "invoices = open_amounts.invoices + excluded.invoices"
)
_COLUMNS = "status, currency, due_date, amount_remaining"
_CHANGED = (
    "(OLD.status, OLD.currency, OLD.due_date, OLD.amount_remaining) IS DISTINCT FROM "
    "(NEW.status, NEW.currency, NEW.due_date, NEW.amount_remaining)"
)


def _upsert(row, sign, greatest):
    return _UPSERT.format(key=_KEY.format(row=row), row=row, sign=sign, greatest=greatest)


_BACKFILL = (
    "INSERT INTO open_amounts (currency, due_day, amount, invoices) "
    "SELECT currency, COALESCE(due_date / 86400, -1), SUM({greatest}(amount_remaining, 0)), "
    "COUNT(*) FROM invoices WHERE status = 'open' GROUP BY 1, 2"
)

_POSTGRESQL = [
    f"""CREATE FUNCTION open_amounts_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.status = 'open' THEN
    {_upsert("OLD", "-", "GREATEST")};
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.status = 'open' THEN
    {_upsert("NEW", "", "GREATEST")};
  END IF;
  RETURN NULL;
END $$""",
    "CREATE TRIGGER open_amounts_insert AFTER INSERT ON invoices FOR EACH ROW "
    "WHEN (NEW.status = 'open') EXECUTE FUNCTION open_amounts_follow()",
    f"CREATE TRIGGER open_amounts_update AFTER UPDATE OF {_COLUMNS} ON invoices FOR EACH ROW "
    f"WHEN ((OLD.status = 'open' OR NEW.status = 'open') AND {_CHANGED}) "
    "EXECUTE FUNCTION open_amounts_follow()",
    "CREATE TRIGGER open_amounts_delete AFTER DELETE ON invoices FOR EACH ROW "
    "WHEN (OLD.status = 'open') EXECUTE FUNCTION open_amounts_follow()",
]

# SQLite has no trigger functions: one trigger per side of a change. Its row values compare
# with IS NOT as PostgreSQL's with IS DISTINCT FROM.
_SQLITE_CHANGED = _CHANGED.replace("IS DISTINCT FROM", "IS NOT")
_SQLITE = [
    "CREATE TRIGGER open_amounts_insert AFTER INSERT ON invoices "
    f"WHEN NEW.status = 'open' BEGIN {_upsert('NEW', '', 'MAX')}; END",
    f"CREATE TRIGGER open_amounts_update_old AFTER UPDATE OF {_COLUMNS} ON invoices "
    f"WHEN OLD.status = 'open' AND {_SQLITE_CHANGED} BEGIN {_upsert('OLD', '-', 'MAX')}; END",
    f"CREATE TRIGGER open_amounts_update_new AFTER UPDATE OF {_COLUMNS} ON invoices "
    f"WHEN NEW.status = 'open' AND {_SQLITE_CHANGED} BEGIN {_upsert('NEW', '', 'MAX')}; END",
    "CREATE TRIGGER open_amounts_delete AFTER DELETE ON invoices "
    f"WHEN OLD.status = 'open' BEGIN {_upsert('OLD', '-', 'MAX')}; END",
]

_DROP = {
    "postgresql": [
        "DROP TRIGGER IF EXISTS open_amounts_insert ON invoices",
        "DROP TRIGGER IF EXISTS open_amounts_update ON invoices",
        "DROP TRIGGER IF EXISTS open_amounts_delete ON invoices",
        "DROP FUNCTION IF EXISTS open_amounts_follow()",
    ],
    "sqlite": [
        f"DROP TRIGGER IF EXISTS open_amounts_{side}"
        for side in ("insert", "update_old", "update_new", "delete")
    ],
}


# PostgreSQL only: a LIKE 'prefix%' on these columns reads the index, not the table. The
# search's email term reads invoices' ids from indexes alone. A search of EMAIL_HEAD characters
# or more walks, newest first, the invoices whose emails begin with its first EMAIL_HEAD
# (migration 0016): at a million invoices `c42` reads 101 entries, where walking the newest
# invoices' emails (0015's index, which 0016 drops) read 4,319. A rarer or a shorter prefix
# may be read from the email index instead, with each invoice's moment to sort them (0015).
EMAIL_HEAD = 3
SEARCH_INDEXES = {
    "ix_invoices_number_prefix": "invoices (lower(number) text_pattern_ops)",
    "ix_invoices_email_prefix": "invoices (email text_pattern_ops) INCLUDE (created, recorded, id)",
    "ix_invoices_email_heads": (
        f"invoices (substr(email, 1, {EMAIL_HEAD}), created, recorded) INCLUDE (email, id)"
    ),
    "ix_invoices_name_words": "invoices USING gin (lower(customer_name) gin_trgm_ops)",
    "ix_customers_email_prefix": "customers (email text_pattern_ops)",
    "ix_customers_name_words": "customers USING gin (lower(name) gin_trgm_ops)",
}


# PostgreSQL plans a search from how many rows it expects each LIKE to match. With the default
# 100 buckets of an email's histogram, a prefix matching fewer than 1% of the invoices is taken
# for 1%, and the search walks the newest invoices instead of the email index: at a million
# invoices, a prefix matching 0.2% of them read 46,000 rows (96 ms) where the index reads
# 2,200 (2 ms). A thousand buckets tell prefixes apart down to 0.1%.
SEARCH_STATISTICS = {("invoices", "email"): 1000}


def search_statistics(connection):
    """On PostgreSQL, the finer statistics the search is planned from (SEARCH_STATISTICS); the
    next ANALYZE (autovacuum's, or the migration's) gathers them."""
    if connection.dialect.name != "postgresql":
        return
    for (table, column), target in SEARCH_STATISTICS.items():
        connection.exec_driver_sql(
            f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS {target}"
        )


def before_tables(connection):
    """What the tables' indexes need first: pg_trgm on PostgreSQL (a trusted extension, which
    the database's owner may create)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")


def after_tables(connection):
    """The search's indexes, the triggers that keep open_amounts, and its rows for the invoices
    already there."""
    dialect = connection.dialect.name
    if dialect == "postgresql":
        for name, target in SEARCH_INDEXES.items():
            connection.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")
    greatest = "GREATEST" if dialect == "postgresql" else "MAX"
    for statement in _POSTGRESQL if dialect == "postgresql" else _SQLITE:
        connection.exec_driver_sql(statement)
    connection.exec_driver_sql("DELETE FROM open_amounts")
    connection.exec_driver_sql(_BACKFILL.format(greatest=greatest))


def drop_all(connection):
    """Remove the triggers and the search's indexes (the migration's downgrade)."""
    if connection.dialect.name == "postgresql":
        for name in SEARCH_INDEXES:
            connection.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    for statement in _DROP[connection.dialect.name]:
        connection.exec_driver_sql(statement)


def compared(name, type_, parent_names):
    """Alembic's `include_name`: the indexes made here are not tables.py's to compare."""
    return not (type_ == "index" and name in SEARCH_INDEXES)
