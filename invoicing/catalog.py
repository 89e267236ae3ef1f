"""The catalog cached in each worker, so that sending an invoice costs no catalog call: the
prices, and the tax rates, coupons and promotion codes an invoice may use."""

import threading
import time

from flask import current_app

from invoicing import stripe_catalog

CATALOG_TTL = 300
# An unknown price id refreshes the catalog at most this often, so bad input can't amplify.
CATALOG_MISS_REFRESH = 5


class Catalog:
    """The catalog cached in each worker, so sending an invoice costs no catalog call."""

    def __init__(self):
        self._prices = None
        self._adjustments = None  # (tax rates, coupons, promotion codes)
        self._fetched = 0.0
        self._lock = threading.Lock()

    def prices(self):
        """All prices, refreshed when older than CATALOG_TTL."""
        with self._lock:
            if self._prices is None or time.monotonic() - self._fetched > CATALOG_TTL:
                self._refresh()
            return self._prices

    def tax_rates(self):
        """Active tax rates, as `{id: rate}`."""
        return self._current()[0]

    def coupons(self):
        """Coupons still valid, as `{id: coupon}`."""
        return self._current()[1]

    def promotion_codes(self):
        """Active promotion codes of valid coupons, as `{id: code}`."""
        return self._current()[2]

    def _current(self):
        with self._lock:
            if self._adjustments is None or time.monotonic() - self._fetched > CATALOG_TTL:
                self._refresh()
            return self._adjustments

    def lookup(self, price_ids):
        """`{id: price}` for the ids asked for that exist, refreshing once for an unknown id."""
        prices = self.prices()
        if any(p not in prices for p in price_ids):
            with self._lock:
                if time.monotonic() - self._fetched > CATALOG_MISS_REFRESH:
                    self._refresh()
                prices = self._prices
        return prices

    def refresh_on_miss(self):
        """Refresh everything if the last refresh is older than CATALOG_MISS_REFRESH (an id
        not found may be new)."""
        with self._lock:
            if time.monotonic() - self._fetched > CATALOG_MISS_REFRESH:
                self._refresh()

    def _refresh(self):
        client = current_app.extensions["stripe"]
        self._prices = stripe_catalog.fetch_catalog(client)
        self._adjustments = (
            stripe_catalog.fetch_tax_rates(client),
            *stripe_catalog.fetch_coupons(client),
        )
        self._fetched = time.monotonic()
