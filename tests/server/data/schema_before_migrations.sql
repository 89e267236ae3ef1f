-- The schema as the server made it before schema migrations (create_all), for the tests
-- that upgrade such a database in place. It reads the same on SQLite and PostgreSQL.
CREATE TABLE customers (
	email VARCHAR(254) NOT NULL,
	stripe_id VARCHAR(255) NOT NULL,
	name VARCHAR(256),
	created BIGINT NOT NULL,
	PRIMARY KEY (email),
	UNIQUE (stripe_id)
);
CREATE TABLE events (
	id VARCHAR(255) NOT NULL,
	type VARCHAR(255) NOT NULL,
	created BIGINT NOT NULL,
	received BIGINT NOT NULL,
	invoice_id VARCHAR(255),
	payload TEXT NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_events_invoice_id ON events (invoice_id);
CREATE TABLE idempotency_keys (
	"key" VARCHAR(255) NOT NULL,
	request_hash VARCHAR(64) NOT NULL,
	invoice_id VARCHAR(255),
	attempt INTEGER NOT NULL,
	locked_at BIGINT NOT NULL,
	created BIGINT NOT NULL,
	PRIMARY KEY ("key")
);
CREATE TABLE invoices (
	id VARCHAR(255) NOT NULL,
	number VARCHAR(255),
	status VARCHAR(32) NOT NULL,
	status_rank INTEGER NOT NULL,
	payment VARCHAR(32),
	payment_rank INTEGER NOT NULL,
	payment_at BIGINT NOT NULL,
	payment_intent VARCHAR(255),
	customer VARCHAR(255) NOT NULL,
	email VARCHAR(254) NOT NULL,
	amount_due BIGINT NOT NULL,
	amount_paid BIGINT NOT NULL,
	currency VARCHAR(3) NOT NULL,
	due_date BIGINT,
	hosted_invoice_url TEXT,
	invoice_pdf TEXT,
	description TEXT,
	lines JSON NOT NULL,
	created BIGINT NOT NULL,
	updated BIGINT NOT NULL,
	recorded BIGINT NOT NULL,
	changed BIGINT NOT NULL,
	PRIMARY KEY (id)
);
CREATE INDEX ix_invoices_email ON invoices (email);
CREATE INDEX ix_invoices_created ON invoices (created);
CREATE INDEX ix_invoices_changed ON invoices (changed);
CREATE INDEX ix_invoices_payment_intent ON invoices (payment_intent);
