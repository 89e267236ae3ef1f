"""Fixtures only the emulator's tests use (the shared ones are in tests/conftest.py)."""

import os

import pytest

from tests.helpers.browser import CHROMIUM


@pytest.fixture
def price(client):
    """A one-off $10.00 price, its product made with it."""
    return client.v1.prices.create(
        {"currency": "usd", "unit_amount": 1000, "product_data": {"name": "Gold Special"}}
    )


@pytest.fixture
def customer(client):
    """A customer with an email, a name and a phone."""
    return client.v1.customers.create(
        {"email": "jo@example.com", "name": "Jo", "phone": "+15555550100"}
    )


@pytest.fixture
def browser_page(request):
    """A page in Debian's headless Chromium (the browser tests' one), where it is installed."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    page = request.getfixturevalue("browser").new_page()
    yield page
    page.close()
