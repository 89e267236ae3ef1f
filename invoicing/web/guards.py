"""Request guards: HTTP Basic access control, public routes, JSON-only changes, the body
size limit, trusted proxies, and the security headers (CSP) on every answer."""

import hmac

from flask import current_app, g, request
from gunicorn.http.errors import NoMoreData, ParseException
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from invoicing.errors import ApiError

# Only this origin everywhere; the payment page with real keys adds Stripe.js and its frames.
_CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
_CSP_STRIPE = (
    "default-src 'self'; script-src 'self' https://js.stripe.com; "
    "frame-src https://js.stripe.com https://hooks.stripe.com; "
    "connect-src 'self' https://api.stripe.com; img-src 'self' data: https://*.stripe.com; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


_FIXED_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)


def public(view):
    """Mark a view as reachable without the admin's credentials (Stripe, load balancers, and
    customers holding an invoice's unguessable id)."""
    view.public = True
    return view


def _is_public():
    if request.endpoint == "static":  # the pages' CSS, scripts and icon
        return True
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "public", False)


def _allowed(authorization):
    if authorization is None or authorization.type != "basic":
        return False
    user = (authorization.username or "").encode()
    password = (authorization.password or "").encode()
    # Both compared in constant time, and both always compared.
    user_ok = hmac.compare_digest(user, current_app.config["ADMIN_USER"].encode())
    password_ok = hmac.compare_digest(password, current_app.config["ADMIN_PASSWORD"].encode())
    return user_ok and password_ok


def require_login():
    """Refuse a protected route without the admin's credentials (when ADMIN_PASSWORD is set)."""
    if not current_app.config["ADMIN_PASSWORD"] or _is_public():
        return
    if not _allowed(request.authorization):
        raise ApiError(401, "Sign in with the admin's user and password.", code="unauthorized")


def require_json():
    """Changes accept only JSON, so a cross-site HTML form cannot post to them."""
    if request.method == "POST" and not request.is_json:
        raise ApiError(415, "Send the body as application/json.", code="unsupported_media_type")


def limit_body():
    """A chunked body (no Content-Length) over MAX_CONTENT_LENGTH is a 413, as a declared one
    is: the server reads at most the limit, then checks that nothing is left. A malformed one
    is a 400."""
    if request.method != "POST" or request.content_length is not None:
        return
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        data = request.get_data(cache=True)
        too_large = len(data) >= limit and request.environ["wsgi.input"].read(1)
    except (ParseException, NoMoreData):
        # gunicorn decodes the chunks as they are read: a bad size or extension
        # (InvalidChunkSize, InvalidChunkExtension), data past its size
        # (ChunkMissingTerminator), a bad trailer (InvalidHeader, InvalidHeaderName), or an
        # end before the last chunk (NoMoreData).
        raise ApiError(
            400, "The body's chunked encoding is malformed or cut short.", code="invalid_body"
        ) from None
    if too_large:
        raise RequestEntityTooLarge()


def allow_stripe_js():
    """Let this answer's page load Stripe.js and its frames (the pay page with real keys)."""
    g.uses_stripe_js = True


def add_headers(response):
    """Every answer: a strict CSP, no sniffing, no framing, a short referrer; a Basic
    challenge on a 401."""
    csp = _CSP_STRIPE if g.get("uses_stripe_js", False) else _CSP
    # No view sets these; one extend costs less than four assignments on every answer.
    response.headers.extend((("Content-Security-Policy", csp), *_FIXED_HEADERS))
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="invoicing", charset="UTF-8"'
    return response


def init_app(app):
    """Guard every request and every answer; behind TRUSTED_PROXIES proxies, take the client's
    address, scheme and host from their headers."""
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    app.before_request(require_login)
    app.before_request(limit_body)
    app.after_request(add_headers)
