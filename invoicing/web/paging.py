"""A list route's page: `limit`, the search `q`, and the row a page starts after
(`starting_after`), each checked, a 400 naming the field otherwise."""

import re

from invoicing.errors import ApiError
from invoicing.record.snapshots import is_stripe_id
from invoicing.text import clean_text

PAGE = 100  # the most, and the default, of one answer


def page_params(args):
    """`limit` (1 to PAGE, default PAGE) and `q` (a search, or None) of a list's query string."""
    raw = args.get("limit", str(PAGE))
    if not re.fullmatch("[0-9]{1,3}", raw) or not 1 <= int(raw) <= PAGE:
        raise ApiError(400, f"limit must be a whole number from 1 to {PAGE}.", field="limit")
    q = clean_text(args.get("q", ""), "q").strip() or None
    if q is not None and len(q) > 200:
        raise ApiError(400, "q must be at most 200 characters.", field="q")
    return int(raw), q


def starting_after(args, find, noun):
    """The row a page starts after (`?starting_after=`, looked up by `find(id)`), or None."""
    wanted = args.get("starting_after")
    if wanted is None:
        return None
    found = find(wanted) if is_stripe_id(wanted) else None
    if found is None:
        raise ApiError(400, f"No {noun} {wanted!r} to start after.", field="starting_after")
    return found
