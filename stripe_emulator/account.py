"""The account the emulator stands for: `GET /v1/account`."""

from .routes import route

ACCOUNT_ID = "acct_1EmulatedAccount00"


@route("GET", "/v1/account", "accounts.retrieve_current", "AccountRetrieveCurrentParams")
def retrieve_account(store, params):
    """The account the API key belongs to: here, the one emulated account."""
    return {
        "id": ACCOUNT_ID,
        "object": "account",
        "business_profile": {"name": "Emulated account", "url": None},
        "business_type": None,
        "charges_enabled": True,
        "country": "US",
        "created": 0,
        "default_currency": "usd",
        "details_submitted": True,
        "email": None,
        "metadata": {},
        "payouts_enabled": True,
        "settings": {"dashboard": {"display_name": "Emulated account", "timezone": "Etc/UTC"}},
        "type": "standard",
    }
