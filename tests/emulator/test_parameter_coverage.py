"""Part of the conformance suite: every parameter the SDK declares for an emulated operation
is either emulated (and then shown: echoed in the answer, seen by a following read, or changing
what a list holds) or refused with a 400 saying the emulator does not cover it; never taken and
dropped.

The refusals are checked for every route and every declared parameter, top-level and, where a
route names only some keys of a hash, nested. The effects are checked by the witnesses below,
which must between them cover every emulated parameter of every route: each calls operations
with parameters and shows their effect (the value echoed in the answer, seen by a following
read, or what a list holds). A list's paging and filters are shown the same way for every
list: a filter with a value nothing has leaves a non-empty list empty.
"""

import os
import typing
from urllib.parse import urlencode

import pytest
from typing_extensions import is_typeddict
from werkzeug.test import Client

from stripe_emulator.routes import ROUTES
from stripe_emulator.schema import _OPTION_KEYS, _hints, coverage, params_class
from tests.helpers import witnesses_accounts, witnesses_billing  # noqa: F401 (registers them)
from tests.helpers.coverage import World, run_all

# Operations whose parameters the suite of their own module proves (another person's work).
PROVEN_ELSEWHERE = {
    "test_helpers.test_clocks.create": "test_test_clocks.py",
    "test_helpers.test_clocks.list": "test_test_clocks.py",
    "test_helpers.test_clocks.advance": "test_test_clocks.py",
}


def _declared(cls):
    return {k: v for k, v in _hints(cls).items() if k not in _OPTION_KEYS}


def _typed_dict(tp):
    """The TypedDict a parameter's type holds (through unions and lists), and whether it is an
    array of them; (None, False) for a scalar or a free-form hash."""
    if is_typeddict(tp):
        return tp, False
    origin = typing.get_origin(tp)
    if origin is list:
        inner, _ = _typed_dict(typing.get_args(tp)[0])
        return inner, True
    for arg in typing.get_args(tp) if origin is not None else ():
        inner, many = _typed_dict(arg)
        if inner is not None:
            return inner, many
    return None, False


def _uncovered(cls, cover, prefix=""):
    """Every (parameter path as sent, its path for the error) the route does not emulate."""
    for key, tp in _declared(cls).items():
        path = f"{prefix}[{key}]" if prefix else key
        if key not in cover:
            yield path
            continue
        inner, many = _typed_dict(tp)
        if cover[key] is not True and inner is not None:
            yield from _uncovered(inner, cover[key], f"{path}[0]" if many else path)


def _cases():
    for route in ROUTES:
        cls = params_class(route.params)
        for path in _uncovered(cls, coverage(route.emulates)):
            yield pytest.param(route, path, id=f"{route.operation}:{path}")


def _send(emulator, route, path):
    """Call the route with `path=x` (ids in the URL name nothing: the refusal comes first)."""
    url = route.path
    while "<" in url:
        start, end = url.index("<"), url.index(">")
        url = url[:start] + "x_missing" + url[end + 1 :]
    body = urlencode({path: "x"})
    headers = {"Authorization": "Bearer sk_test_coverage"}
    if route.method in ("GET", "DELETE"):
        return Client(emulator).open(f"{url}?{body}", method=route.method, headers=headers)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return Client(emulator).open(url, method=route.method, data=body, headers=headers)


@pytest.mark.parametrize(("route", "path"), list(_cases()))
def test_a_declared_parameter_not_emulated_is_refused(emulator, route, path):
    answer = _send(emulator, route, path)
    error = answer.get_json()["error"]
    assert answer.status_code == 400, error
    assert error["code"] == "parameter_unknown" and "does not cover" in error["message"]
    assert error["param"] == path


def _resolves(cls, keys):
    hints = _declared(cls)
    if keys[0] not in hints:
        return False
    if len(keys) == 1:
        return True
    inner, _ = _typed_dict(hints[keys[0]])
    return inner is not None and _resolves(inner, keys[1:])


def test_every_emulated_parameter_is_one_the_sdk_declares():
    wrong = []
    for route in ROUTES:
        for path in route.emulates - {"expand"}:
            keys = path.replace("]", "").split("[")
            if not _resolves(params_class(route.params), keys):
                wrong.append(f"{route.operation}: {path}")
    assert not wrong


def test_every_emulated_parameter_shows_its_effect(client):
    """Run every witness; together they must account for every emulated parameter."""
    world = World(client)
    proven = run_all(world)
    missing = []
    for route in ROUTES:
        if route.operation in PROVEN_ELSEWHERE:
            continue
        for key in sorted(set(coverage(route.emulates)) - {"expand"}):
            if (route.operation, key) not in proven:
                missing.append(f"{route.operation}: {key}")
    assert not missing, f"{len(missing)} emulated parameters without a witness:\n" + "\n".join(
        missing
    )


def test_expand_is_taken_by_every_operation_that_declares_it():
    # `expand` is handled once, by the API layer, for every route (test_api.py shows it).
    for route in ROUTES:
        declared = _declared(params_class(route.params))
        assert ("expand" in declared) <= ("expand" in route.emulates), route.operation


COVERAGE_DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "emulator-coverage.md")
TABLE_MARK = "<!-- operations: generated -->"


def operations_table():
    """docs/emulator-coverage.md's table: each operation and the parameters it emulates."""
    rows = [
        "| Operation | Method and path | Parameters emulated (besides `expand`) |",
        "|---|---|---|",
    ]
    for route in sorted(ROUTES, key=lambda r: (r.path, r.method)):
        taken = ", ".join(f"`{p}`" for p in sorted(route.emulates - {"expand"})) or "none"
        rows.append(f"| `{route.operation}` | `{route.method} {route.path}` | {taken} |")
    return "\n".join(rows) + "\n"


def test_the_coverage_doc_lists_every_operation_as_emulated():
    with open(COVERAGE_DOC, encoding="utf-8") as doc:
        written = doc.read().split(TABLE_MARK)
    assert len(written) == 2 and written[1].strip() == operations_table().strip(), (
        "docs/emulator-coverage.md is out of date; its table is:\n\n" + operations_table()
    )
