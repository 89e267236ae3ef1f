"""record/statements.py on SQLite and PostgreSQL: statements built once per dialect, a
misspelt column refused rather than skipped, and the hot path's changes part of the caller's
transaction."""

import pytest

from invoicing.record import invoices, statements, tables

T = 1_760_000_000


def test_a_statement_is_built_once_per_dialect(engine):
    built = []

    def build(dialect):
        built.append(dialect)
        return tables.settings.select()

    statement = statements.built_once(build)
    with engine.connect() as db:
        first = statement(db)
        assert statement(db) is first
    assert built == [engine.dialect.name]


def test_a_misspelt_column_is_refused():
    values = {"key": "k", "value": "v"}
    assert statements.columns_only(tables.settings, values) is values
    with pytest.raises(TypeError, match="not columns of settings: valeu"):
        statements.columns_only(tables.settings, {"key": "k", "valeu": "v"})


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_a_hot_path_change_commits_or_rolls_back_with_the_callers_transaction(engine, ending):
    with engine.begin() as db:
        invoices.record_invoice(
            db,
            {"id": "in_1", "status": "open", "customer": "cus_1", "email": "jo@example.com",
             "amount_due": 2000, "amount_paid": 0, "currency": "usd", "created": T, "lines": []},
        )  # fmt: skip
    with engine.connect() as db:
        assert not db.in_transaction()
        assert statements.make_change(db, invoices.status_change("in_1", "paid")) is True
        assert db.in_transaction()  # begun by the change, as SQLAlchemy's autobegin would
        getattr(db, ending)()
    with engine.connect() as db:
        status = invoices.get_invoice(db, "in_1").status
    assert status == ("paid" if ending == "commit" else "open")
