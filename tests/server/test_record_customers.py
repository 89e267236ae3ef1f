"""record/customers.py on SQLite and PostgreSQL: one Stripe customer per lower-cased email, the
first writer's mapping kept, and only a named mapping forgotten."""

from invoicing.record import customers


def find(engine, email="jo@example.com"):
    with engine.connect() as db:
        return customers.find_customer(db, email)


def test_the_first_writer_wins(engine):
    with engine.begin() as db:
        first = customers.add_customer(db, "jo@example.com", "cus_first", "Jo")
    with engine.begin() as db:
        second = customers.add_customer(db, "jo@example.com", "cus_second", "Joanna")
    assert (first.stripe_id, first.name) == ("cus_first", "Jo")
    assert second == first == find(engine)
    assert find(engine, "al@example.com") is None


def test_only_the_mapping_named_is_forgotten(engine):
    with engine.begin() as db:
        customers.add_customer(db, "jo@example.com", "cus_first", "Jo")
    with engine.begin() as db:
        # A parallel send already mapped the email to the deleted customer's successor.
        customers.forget_customer(db, "jo@example.com", "cus_other")
    assert find(engine).stripe_id == "cus_first"
    with engine.begin() as db:
        customers.forget_customer(db, "jo@example.com", "cus_first")
    assert find(engine) is None
    with engine.begin() as db:
        assert (
            customers.add_customer(db, "jo@example.com", "cus_next", None).stripe_id == "cus_next"
        )
