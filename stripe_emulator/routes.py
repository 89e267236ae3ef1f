"""The table of API operations: method, path, name, the SDK's params type, and the handler."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    """One API operation, such as `POST /v1/invoices/<invoice>/add_lines`."""

    method: str
    path: str
    operation: str
    params: str
    handler: Callable


ROUTES = []


def route(method, path, operation, params):
    """Register the decorated function as the handler of one API operation."""

    def register(handler):
        ROUTES.append(Route(method, path, operation, params, handler))
        return handler

    return register
