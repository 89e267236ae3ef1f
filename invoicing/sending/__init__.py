"""POST /invoices: the order's validation, the client's Idempotency-Key, the customer, and the
crash-safe send itself."""
