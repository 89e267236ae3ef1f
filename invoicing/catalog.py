"""The catalog cached in each worker, so that sending an invoice costs no catalog call."""

import threading
import time

from flask import current_app

from invoicing import stripe_calls

CATALOG_TTL = 300
# An unknown price id refreshes the catalog at most this often, so bad input can't amplify.
CATALOG_MISS_REFRESH = 5


class Catalog:
    """The catalog cached in each worker, so sending an invoice costs no catalog call."""

    def __init__(self):
        self._prices = None
        self._fetched = 0.0
        self._lock = threading.Lock()

    def prices(self):
        """All prices, refreshed when older than CATALOG_TTL."""
        with self._lock:
            if self._prices is None or time.monotonic() - self._fetched > CATALOG_TTL:
                self._refresh()
            return self._prices

    def lookup(self, price_ids):
        """`{id: price}` for the ids asked for that exist, refreshing once for an unknown id."""
        prices = self.prices()
        if any(p not in prices for p in price_ids):
            with self._lock:
                if time.monotonic() - self._fetched > CATALOG_MISS_REFRESH:
                    self._refresh()
                prices = self._prices
        return prices

    def _refresh(self):
        self._prices = stripe_calls.fetch_catalog(current_app.extensions["stripe"])
        self._fetched = time.monotonic()
