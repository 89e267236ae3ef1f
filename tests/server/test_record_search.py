"""record/invoices.py's search on PostgreSQL, where each term (the number, the email, a word of
the name) is read apart and the newest of each put together, finds on every shape of filters
the same page as one condition over all terms (SQLite's way): compared on the same invoices."""

import random
import uuid

import pytest

from invoicing.record import invoices, migrate
from invoicing.record.database import make_engine
from invoicing.record.statements import search_values

T = 1_760_000_000
NAMES = ("Ada Lovelace", "ADA Byron", "Grace Hopper", "Jo O'Neil_5", "Ana 100% Real", None)
EMAILS = ("ada@example.com", "adam@example.com", "grace@example.org", "g_h@example.org",
          "ana%@example.net", "zed@example.com")  # fmt: skip


def _invoices(count):
    rng = random.Random(4)
    for n in range(count):
        status = rng.choice(("open", "open", "paid", "void"))
        yield {
            "id": f"in_s{n:04d}", "number": rng.choice(("ADA", "INV", "G")) + f"-{n:04d}",
            "status": status, "customer": f"cus_{n % 7}", "email": rng.choice(EMAILS),
            "customer_name": rng.choice(NAMES), "amount_due": 100, "amount_paid": 0,
            "currency": "usd", "lines": [],
            # Ties of the same second come apart by the order they were recorded.
            "created": T - rng.randrange(40) * 3600, "due_date": T - rng.randrange(-9, 9) * 86400,
        }  # fmt: skip


@pytest.fixture(scope="module")
def engines(postgres, tmp_path_factory):
    """The same 300 invoices on PostgreSQL and on SQLite."""
    urls = (postgres.create_database(f"t_{uuid.uuid4().hex[:12]}"),
            f"sqlite:///{tmp_path_factory.mktemp('search') / 'search.db'}")  # fmt: skip
    made = [make_engine(url) for url in urls]
    for engine in made:
        migrate.upgrade(engine)
        with engine.begin() as db:
            for fields in _invoices(300):
                invoices.record_invoice(db, fields)
    yield made
    for engine in made:
        engine.dispose()


def _page(engine, after=None, **filters):
    """The ids of a page; `after` names the invoice the page comes after (each database has
    its own row of it: the order in which they were recorded is its own)."""
    with engine.connect() as db:
        row = invoices.get_invoice(db, after) if after else None
        return [row.id for row in invoices.list_invoices(db, after=row, **filters)]


# A search of three characters or more (EMAIL_HEAD) compares the email's first three as they
# are, not as a pattern: "g_h@" finds an email whose first three hold `_`, "ana%@" one with `%`
# right after them, "ada@example.com" a whole email.
QUERIES = ("ada", "ADA-00", "a", "g", "g_", "ana%", "100%", "o'neil_5", "lovelace", "real",
           "byron", "ada@", "in", "inv-01", "zz", "%", "_", "g_h@", "ana%@", "ada@example.com",
           "zed@example.co", "ad")  # fmt: skip


@pytest.mark.parametrize("q", QUERIES)
def test_each_term_read_apart_finds_what_one_condition_over_all_finds(engines, q):
    postgresql, sqlite = engines
    assert postgresql.dialect.name == "postgresql"
    after = _page(sqlite, limit=40)[-1]
    shapes = [{}, {"limit": 1}, {"limit": 7}, {"status": "open"}, {"status": "overdue"},
              {"status": "void", "limit": 3}, {"email": "ada@example.com"}, {"after": after},
              {"after": after, "status": "open", "limit": 5}]  # fmt: skip
    found_any = False
    for shape in shapes:
        expected = _page(sqlite, q=q, **shape)
        assert _page(postgresql, q=q, **shape) == expected, shape
        found_any = found_any or bool(expected)
    assert found_any != (q in ("zz", "%", "_"))  # these begin nothing here


def test_a_search_of_three_characters_can_read_the_emails_heads_index(engines):
    # The statement's `substr(email, 1, 3)` must be the index's own expression, constants
    # and all (ddl.SEARCH_INDEXES), or PostgreSQL cannot read the index for it: with the
    # table's own reads priced out, the email term is read from that index.
    postgresql = engines[0]
    statement = invoices._page(False, False, False, None, "long", "postgresql")
    compiled = statement.compile(dialect=postgresql.dialect)
    values = {**compiled.params, **search_values("ada@"), "b_head": "ada", "b_limit": 101}
    with postgresql.connect() as db:
        for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
            db.exec_driver_sql(f"SET LOCAL {setting} = off")
        plan = "\n".join(row[0] for row in db.exec_driver_sql(f"EXPLAIN {compiled}", values))
    assert "ix_invoices_email_heads" in plan, plan
