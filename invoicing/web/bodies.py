"""The JSON body of a request: an object, or a 400 in the error shape."""

from flask import request

from invoicing.errors import ApiError


def json_body():
    """The request's JSON object, or a 400."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser goes
        raise ApiError(400, "The body is nested too deeply.", code="invalid_json") from None
    if body is None:
        raise ApiError(400, "The body is not valid JSON.", code="invalid_json")
    if not isinstance(body, dict):
        raise ApiError(400, "The body must be a JSON object.")
    return body
