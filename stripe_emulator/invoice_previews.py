"""Invoice previews, which the emulator does not cover: `POST /v1/invoices/create_preview` is
refused with a 400 saying so, and `GET /v1/invoices/upcoming` (gone since API 2025-03-31.basil)
answers 404 as an unknown URL does on Stripe; neither is read as an invoice id."""

from .errors import StripeAPIError, not_covered
from .routes import route


@route(
    "POST",
    "/v1/invoices/create_preview",
    "invoices.create_preview",
    "InvoiceCreatePreviewParams",
)
def create_preview(store, params):
    """Refuse to preview an invoice: not covered, never mistaken for an update of one."""
    raise not_covered(
        "create_preview",
        "The emulator does not cover invoice previews (POST /v1/invoices/create_preview) "
        "yet: create a draft invoice and read its amounts instead.",
    )


@route("GET", "/v1/invoices/upcoming", "invoices.upcoming", "InvoiceCreatePreviewParams")
def upcoming(store, params):
    """Answer 404 as Stripe does for an endpoint this API version does not have."""
    raise StripeAPIError(
        "Unrecognized request URL (GET: /v1/invoices/upcoming). This endpoint was removed in "
        "API version 2025-03-31.basil: use POST /v1/invoices/create_preview.",
        status=404,
    )
