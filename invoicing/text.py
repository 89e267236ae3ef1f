"""The text rule every stored string follows: no control characters (newlines and tabs allowed
in a multi-line text) and no lone surrogates, else a 400 naming the field."""

import re

from invoicing.errors import ApiError

# Control characters (C0, DEL, C1) and lone surrogates (from JSON's `\ud800`): no database
# stores them all (PostgreSQL refuses NUL, every driver refuses surrogates), and no invoice
# needs them. A multi-line text keeps its newlines and tabs.
_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NOT_MULTILINE_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(value, field, multiline=False):
    """`value` if it holds no control character (newlines and tabs allowed when `multiline`)
    and no lone surrogate; else a 400 naming `field`."""
    if (_NOT_MULTILINE_TEXT if multiline else _NOT_TEXT).search(value):
        allowed = " other than newlines and tabs" if multiline else ""
        raise ApiError(400, f"{field} cannot hold control characters{allowed}.", field=field)
    return value
