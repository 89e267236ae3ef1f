"""Decode Stripe's form encoding and check it against the SDK's own request types.

Each operation names the `stripe.params` TypedDict of its SDK method. A parameter that
TypedDict does not declare is refused as `parameter_unknown`, as Stripe refuses it, so code
that passes the emulator sends only parameters the pinned API version has.
"""

import functools
import re
import types
import typing
from decimal import Decimal, InvalidOperation

import stripe
import stripe.params
from typing_extensions import is_typeddict

from .errors import StripeAPIError, invalid, missing, not_covered, unknown

_KEY = re.compile(r"\[([^\[\]]*)\]")
# Options of the SDK call itself, never sent as parameters.
_OPTION_KEYS = frozenset(stripe.RequestOptions.__annotations__)
_UNIONS = (typing.Union, types.UnionType)


def decode(pairs):
    """Turn `[("lines[0][pricing][price]", "price_1")]` into nested dicts of strings."""
    root = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head] + (_KEY.findall("[" + rest) if rest else [])
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "" and i > 0:  # `expand[]`: append
                part = str(len(node))
            if last:
                node[part] = value
            else:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
    return root


@functools.cache
def _hints(cls):
    """The resolved field types of one TypedDict, cached."""
    ns = {"StripeContext": stripe.StripeContext, "Mapping": typing.Mapping}
    return typing.get_type_hints(cls, localns=ns)


def params_class(name):
    """The `stripe.params` TypedDict called `name` (`test_helpers.X`: one of that module)."""
    return functools.reduce(getattr, name.split("."), stripe.params)


def check(params, cls, emulates=None):
    """Validate decoded `params` against the TypedDict `cls`; return them typed.

    With `emulates` (parameter paths, see `routes.Route`), a declared parameter outside them
    is refused as not covered, before any value is looked at.
    """
    if emulates is not None:
        _refuse_uncovered(params, cls, coverage(emulates), "")
    return _typed_dict(params, cls, "", top=True)


def _refuse_uncovered(value, cls, cover, prefix):
    """Refuse the first declared parameter of `value` that `cover` does not take."""
    if cover is True or not isinstance(value, dict):
        return
    hints = _hints(cls)
    for key, given in value.items():
        if key not in hints:
            continue  # not declared at all: refused as unknown by the check that follows
        path = _path(prefix, key)
        if key not in cover:
            raise not_covered(path)
        inner = _inner_typed_dict(hints[key])
        if inner is None or cover[key] is True:
            continue
        if typing.get_origin(_strip(hints[key])) is list and _is_index_dict(given):
            for index, item in given.items():
                _refuse_uncovered(item, inner, cover[key], f"{path}[{index}]")
        else:
            _refuse_uncovered(given, inner, cover[key], path)


def _strip(tp):
    """A parameter's type without `| Literal[""]` and the like: its list or TypedDict."""
    for arg in typing.get_args(tp) if typing.get_origin(tp) in _UNIONS else ():
        if typing.get_origin(arg) is list or is_typeddict(arg):
            return arg
    return tp


def _inner_typed_dict(tp):
    """The TypedDict a parameter holds, itself or as the items of its array; else None."""
    tp = _strip(tp)
    if typing.get_origin(tp) is list:
        tp = _strip(typing.get_args(tp)[0])
    return tp if is_typeddict(tp) else None


@functools.cache
def coverage(emulates):
    """Parameter paths (`a`, `a[b][c]`) as a tree of dicts; True where a whole value is taken."""
    tree = {}
    for path in sorted(emulates, key=len):
        head, _, rest = path.partition("[")
        keys = [head] + (_KEY.findall("[" + rest) if rest else [])
        node = tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
            if node is True:
                break
        else:
            node[keys[-1]] = True
    return tree


def _path(prefix, key):
    return f"{prefix}[{key}]" if prefix else key


def _typed_dict(value, cls, prefix, top=False):
    if not isinstance(value, dict):
        raise invalid(prefix, f"Invalid object: {prefix} must be a hash")
    hints = _hints(cls)
    allowed = set(hints) - _OPTION_KEYS if top else set(hints)
    for key in value:
        if key not in allowed:
            raise unknown(_path(prefix, key))
    for key in cls.__required_keys__:
        if key not in _OPTION_KEYS and key not in value:
            raise missing(_path(prefix, key))
    return {key: _coerce(val, hints[key], _path(prefix, key)) for key, val in value.items()}


@functools.cache
def _is_stripe_object(tp):
    # Metadata is typed `Dict[str, str] | UntypedStripeObject[str]`, a StripeObject subclass
    # with no public name of its own: any StripeObject class stands for a free-form hash.
    return isinstance(tp, type) and issubclass(tp, stripe.StripeObject)


def _is_index_dict(value):
    return isinstance(value, dict) and all(k.isdigit() for k in value)


def _choices(values):
    shown = sorted(str(v) for v in values if v != "")
    return ", ".join(shown[:12]) + (", ..." if len(shown) > 12 else "")


def _coerce(value, tp, path):
    origin = typing.get_origin(tp)
    if is_typeddict(tp):
        return _typed_dict(value, tp, path)
    if origin in _UNIONS:
        return _union(value, typing.get_args(tp), path)
    if origin is typing.Literal:
        if value not in typing.get_args(tp):
            raise invalid(path, f"Invalid {path}: must be one of {_choices(typing.get_args(tp))}")
        return value
    if origin is list:
        if value == "":
            return []
        if not _is_index_dict(value):
            raise invalid(path, f"Invalid array: {path} must be an array")
        (item_tp,) = typing.get_args(tp)
        items = sorted(value.items(), key=lambda kv: int(kv[0]))
        return [_coerce(v, item_tp, f"{path}[{i}]") for i, (_, v) in enumerate(items)]
    if origin is dict or _is_stripe_object(origin or tp):
        if not isinstance(value, dict):
            raise invalid(path, f"Invalid hash: {path} must be a hash")
        return value
    if isinstance(value, dict):
        raise invalid(path, f"Invalid {path}: expected a single value, got a hash")
    if tp is int:
        try:
            return int(value)
        except ValueError:
            raise invalid(path, f"Invalid integer: {value}", "parameter_invalid_integer") from None
    if tp is bool:
        if value not in ("true", "false"):
            raise invalid(path, f"Invalid boolean: {value}")
        return value == "true"
    if tp in (float, Decimal):
        try:
            return Decimal(value)
        except InvalidOperation:
            raise invalid(path, f"Invalid decimal: {value}") from None
    return value


def _union(value, options, path):
    if value == "" and any(typing.get_args(o) == ("",) for o in options):
        return ""
    literals = [o for o in options if typing.get_origin(o) is typing.Literal]
    if isinstance(value, str) and literals:
        allowed = {a for o in literals for a in typing.get_args(o)}
        if value in allowed:
            return value
        # `Literal[...] | str` is the SDK leaving room for new values; the API refuses others.
        if str in options and not any(a != "" for a in allowed):
            return value
        rest = [o for o in options if o is not str and o not in literals]
        if not rest:
            raise invalid(path, f"Invalid {path}: must be one of {_choices(allowed)}")
        options = rest
    shaped = [o for o in options if _fits(value, o)]
    last_error = None
    for option in shaped or options:
        try:
            return _coerce(value, option, path)
        except StripeAPIError as error:  # try the next member of the union
            last_error = error
    raise last_error


def _fits(value, tp):
    origin = typing.get_origin(tp)
    if isinstance(value, dict):
        if origin is list:
            return _is_index_dict(value)
        return is_typeddict(tp) or origin is dict or _is_stripe_object(origin)
    return not is_typeddict(tp) and origin not in (list, dict)
