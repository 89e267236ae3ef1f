"""What changes an invoice's amounts after it is sent: credit notes (and, to come, refunds and
customer balances). Payments outside Stripe are invoice_actions.mark_paid."""
