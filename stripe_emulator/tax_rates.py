"""Tax rates: create, retrieve, update and list; and the rates an invoice or a line is given
(https://docs.stripe.com/api/tax_rates, https://docs.stripe.com/billing/taxes/tax-rates)."""

from decimal import Decimal

from .errors import invalid
from .routes import PAGING, route
from .store import merge_metadata

MAX_RATES = 5
# What an update may change; `percentage` and `inclusive` never change once made.
_UPDATABLE = ("active", "country", "description", "display_name", "jurisdiction", "state")


def _text(params, key, longest):
    value = params.get(key)
    if value is not None and len(value) > longest:
        raise invalid(key, f"{key} is at most {longest} characters.")
    return value or None


def _country(params):
    country = params.get("country")
    if country and (len(country) != 2 or not country.isalpha()):
        raise invalid("country", "country must be a two-letter ISO country code.")
    return country.upper() if country else None


@route(
    "POST",
    "/v1/tax_rates",
    "tax_rates.create",
    "TaxRateCreateParams",
    emulates=(
        "active",
        "country",
        "description",
        "display_name",
        "inclusive",
        "jurisdiction",
        "metadata",
        "percentage",
        "state",
        "tax_type",
    ),
)
def create_tax_rate(store, params):
    """Create a tax rate: a percentage added to (exclusive) or included in (inclusive) the
    amounts it applies to."""
    percentage = params["percentage"]
    if not Decimal(0) <= percentage <= Decimal(100):
        raise invalid("percentage", "percentage must be between 0 and 100.")
    if percentage != round(percentage, 4):
        raise invalid("percentage", "percentage has at most 4 decimal places.")
    name = _text(params, "display_name", 50)
    if not name:
        raise invalid("display_name", "display_name must not be empty.")
    rate = store.add(
        {
            "id": store.new_id("txr"),
            "object": "tax_rate",
            "active": params.get("active", True),
            "country": _country(params),
            "created": store.now(),
            "description": _text(params, "description", 500),
            "display_name": name,
            "effective_percentage": float(percentage),
            "flat_amount": None,
            "inclusive": params["inclusive"],
            "jurisdiction": _text(params, "jurisdiction", 50),
            "jurisdiction_level": None,
            "livemode": False,
            "metadata": params.get("metadata") or {},
            "percentage": float(percentage),
            "rate_type": "percentage",
            "state": params.get("state") or None,
            "tax_type": params.get("tax_type"),
        }
    )
    store.emit("tax_rate.created", rate)
    return rate


@route("GET", "/v1/tax_rates/<rate>", "tax_rates.retrieve", "TaxRateRetrieveParams")
def retrieve_tax_rate(store, params, rate):
    """Retrieve a tax rate."""
    return store.get("tax_rate", rate)


@route(
    "POST",
    "/v1/tax_rates/<rate>",
    "tax_rates.update",
    "TaxRateUpdateParams",
    emulates=(*_UPDATABLE, "metadata", "tax_type"),
)
def update_tax_rate(store, params, rate):
    """Change a tax rate's labels, or archive it (`active=false`): an archived rate stays on
    what it applies to, but cannot be applied again."""
    obj = store.get("tax_rate", rate)
    changed = {k: params[k] for k in _UPDATABLE if k in params}
    if "country" in changed:
        changed["country"] = _country(params)
    for key in ("description", "display_name", "jurisdiction", "state"):
        if key in changed:
            changed[key] = _text(params, key, 500 if key == "description" else 50)
    if "display_name" in changed and not changed["display_name"]:
        raise invalid("display_name", "display_name must not be empty.")
    if "tax_type" in params:
        changed["tax_type"] = params["tax_type"] or None
    if "metadata" in params:
        changed["metadata"] = merge_metadata(obj["metadata"], params["metadata"])
    previous = {k: obj[k] for k, v in changed.items() if obj[k] != v}
    obj.update(changed)
    if previous:  # Stripe sends no event for an update that changes nothing
        store.emit("tax_rate.updated", obj, previous)
    return obj


@route(
    "GET",
    "/v1/tax_rates",
    "tax_rates.list",
    "TaxRateListParams",
    emulates=(*PAGING, "active", "inclusive"),
)
def list_tax_rates(store, params):
    """List tax rates, newest first, by `active`, `inclusive` and creation time."""
    keys = ("active", "inclusive")

    def match(rate):
        return all(params.get(k, rate[k]) == rate[k] for k in keys)

    return store.page("tax_rate", params, "/v1/tax_rates", match, covers=keys)


def rates_for(store, ids, param):
    """The tax rates `ids` name, as an invoice or a line embeds them: each active, at most 5,
    none twice; `""` (unset) is none."""
    if ids == "":
        return []
    if len(ids) > MAX_RATES:
        raise invalid(param, f"You can pass at most {MAX_RATES} tax rates.")
    if len(set(ids)) != len(ids):
        raise invalid(param, "The same tax rate can only be applied once.")
    rates = []
    for i, rate_id in enumerate(ids):
        rate = store.get("tax_rate", rate_id, f"{param}[{i}]")
        if not rate["active"]:
            raise invalid(f"{param}[{i}]", f"Tax rate {rate_id} is archived (active=false).")
        rates.append(store.render(rate))
    return rates
