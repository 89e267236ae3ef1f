"""HTTP Basic access control for everything but what Stripe and paying customers reach."""

import hmac

from flask import current_app, request

from errors import ApiError

# Stripe, load balancers and customers (by an unguessable invoice id) reach these unlogged.
PUBLIC_ENDPOINTS = frozenset(
    {
        "webhook.receive_event",
        "api.healthz",
        "pages.show_pay_page",
        "pages.get_pay_status",
        "pages.post_test_payment",
        "static",
    }
)


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
    if not current_app.config["ADMIN_PASSWORD"] or request.endpoint in PUBLIC_ENDPOINTS:
        return
    if not _allowed(request.authorization):
        raise ApiError(401, "Sign in with the admin's user and password.", code="unauthorized")


def add_challenge(response):
    """Ask browsers for credentials on a 401."""
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="invoicing", charset="UTF-8"'
    return response


def init_app(app):
    """Guard every request."""
    app.before_request(require_login)
    app.after_request(add_challenge)
