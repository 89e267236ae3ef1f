"""The table of API operations: method, path, name, the SDK's params type, what of it the
emulator emulates, and the handler."""

from collections.abc import Callable
from dataclasses import dataclass

# What every operation takes, handled by the API layer (api.py) rather than its handler.
ALWAYS = ("expand",)
# What every list takes, handled by listing.py.
PAGING = ("limit", "starting_after", "ending_before", "created")


@dataclass(frozen=True)
class Route:
    """One API operation, such as `POST /v1/invoices/<invoice>/add_lines`.

    `emulates`: the parameters the handler gives their effect, as paths: `footer` takes the
    whole of `footer`; `invoice_settings[footer]` takes only that key of the hash (a hash named
    only by its keys refuses its other keys); an array's items are named without an index
    (`lines[pricing][price]`). The SDK's other parameters are refused as not covered.
    """

    method: str
    path: str
    operation: str
    params: str
    handler: Callable
    emulates: frozenset


ROUTES = []


def under(prefix, paths):
    """Parameter paths moved under `prefix`: (`pricing[price]`,) → (`lines[pricing][price]`,)."""
    moved = []
    for path in paths:
        head, bracket, rest = path.partition("[")
        moved.append(f"{prefix}[{head}]" + (f"[{rest}" if bracket else ""))
    return tuple(moved)


def route(method, path, operation, params, emulates=()):
    """Register the decorated function as the handler of one API operation that emulates the
    parameters `emulates` (see `Route`), besides `expand`."""

    def register(handler):
        covered = frozenset((*ALWAYS, *emulates))
        ROUTES.append(Route(method, path, operation, params, handler, covered))
        return handler

    return register
