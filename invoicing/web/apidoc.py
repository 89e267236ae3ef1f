"""`GET /openapi.json`: the OpenAPI 3.1 description of this HTTP interface (openapi.json)."""

import functools
import os

from flask import Blueprint, Response

bp = Blueprint("apidoc", __name__)
DESCRIPTION_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "openapi.json")


@functools.cache
def _description():
    # Served byte for byte as kept in the repository, where the tests validate it.
    with open(DESCRIPTION_FILE, "rb") as description:
        return description.read()


@bp.get("/openapi.json")
def get_openapi():
    """The description of every route, body, answer and error shape of this server."""
    return Response(_description(), mimetype="application/json")
