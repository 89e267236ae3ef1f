"""The local record: the database (engine, tables, migrations) and one module per kind of row.

Stripe is the source of truth for money; this record is the source for pages and lists, and
only ever moves forward to what Stripe says (see invoices.py and statements.py).
"""
