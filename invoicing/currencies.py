"""Currencies: minor units, how amounts are written, and Stripe's smallest and largest charges.

The limits come from Stripe's "Supported currencies" page
(https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts):

- the maximum is eight digits in the smallest unit (99999999, $999,999.99) for every currency
  but IDR, which takes twelve (999999999999, Rp 9,999,999,999.99);
- the minimum is the table below, for the currencies it lists. Any other currency's minimum is
  the settlement currency's after conversion, which the emulator cannot know (it has no
  exchange rates), so it enforces none for them.

How Stripe applies them to invoices (https://docs.stripe.com/api/invoices and
https://docs.stripe.com/billing/customer/balance): an invoice whose amount due is below the
minimum is marked paid at finalization and the amount is added to the customer's balance, which
the next invoice collects; an amount above the maximum cannot be charged, so finalizing such an
invoice fails with `amount_too_large`.
"""

# Amounts in whole units: 500 is ¥500.
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
# Amounts in thousandths: 1000 is 1.000 KWD.
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())

MAXIMUM = 99_999_999
_MAXIMUM_BY_CURRENCY = {"idr": 999_999_999_999}

# In the smallest unit of each currency.
_MINIMUM_BY_CURRENCY = {
    "usd": 50,
    "aed": 200,
    "aud": 50,
    "bgn": 100,
    "brl": 50,
    "cad": 50,
    "chf": 50,
    "czk": 1500,
    "dkk": 250,
    "eur": 50,
    "gbp": 30,
    "hkd": 400,
    "huf": 17500,
    "inr": 50,
    "jpy": 50,
    "mxn": 1000,
    "myr": 200,
    "nok": 300,
    "nzd": 50,
    "pln": 200,
    "ron": 200,
    "sek": 300,
    "sgd": 50,
    "thb": 1000,
}

# Written before the amount, as an English-speaking reader expects them; any other currency is
# written with its code.
_SYMBOLS = {
    "usd": "$",
    "eur": "€",
    "gbp": "£",
    "jpy": "¥",
    "inr": "₹",
    "krw": "₩",
    "cad": "CA$",
    "aud": "A$",
    "nzd": "NZ$",
    "hkd": "HK$",
    "sgd": "S$",
    "mxn": "MX$",
    "brl": "R$",
    "ils": "₪",
    "vnd": "₫",
    "php": "₱",
    "thb": "฿",
}


def decimals(currency):
    """How many digits follow the decimal point in amounts of `currency`."""
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def _number(amount, currency):
    places = decimals(currency)
    return f"{'-' if amount < 0 else ''}{abs(amount) / 10**places:,.{places}f}"


def format_money(amount, currency):
    """`47000, "usd"` → `$470.00`; `500, "jpy"` → `¥500`; `1000, "chf"` → `CHF 10.00`."""
    number = _number(amount, currency)
    symbol = _SYMBOLS.get(currency)
    if symbol:
        return f"-{symbol}{number[1:]}" if amount < 0 else f"{symbol}{number}"
    return f"{currency.upper()} {number}"


def format_code(amount, currency):
    """`47000, "usd"` → `470.00 USD`: for where only plain Latin text fits (the PDF)."""
    return f"{_number(amount, currency)} {currency.upper()}"


def minimum(currency):
    """Stripe's smallest charge in `currency`, or 0 when it publishes none for it."""
    return _MINIMUM_BY_CURRENCY.get(currency, 0)


def maximum(currency):
    """Stripe's largest charge in `currency`."""
    return _MAXIMUM_BY_CURRENCY.get(currency, MAXIMUM)
