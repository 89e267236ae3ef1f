"""One record, one Stripe account: the database notes the account and mode it belongs to the
first time it is used, and a server started with keys of another refuses to start."""

import hashlib
import json

import stripe

from invoicing import stripe_calls
from invoicing.errors import ConfigError
from invoicing.record import database, settings

NOTE = "stripe.account"
# A database made before the note existed, but used in emulator mode, names its emulator.
_EMULATOR_URL = "emulator.url"


def _key_hash(secret_key):
    # Enough to know the key again, never enough to use it.
    return hashlib.sha256(secret_key.encode()).hexdigest()[:16]


def _noted(db):
    note = settings.get_setting(db, NOTE)
    if note:
        return json.loads(note)
    if settings.get_setting(db, _EMULATOR_URL):
        return {"mode": "emulator"}
    return None


def _refuse(where, note, mode, account=None):
    theirs = f"{note['mode']} mode" + (f" of {note['account']}" if note.get("account") else "")
    ours = f"{mode} mode" + (f" of {account}" if account else "")
    return ConfigError(
        f"the database {where} belongs to Stripe's {theirs}, and these keys are for {ours}; "
        "set DATABASE_URL to a database of their own"
    )


def check(app):
    """Refuse keys of another account or mode than the database's; note them on first use.

    Costs one Stripe call only when the secret key is new to this database; a Stripe out of
    reach leaves the check to the next start."""
    mode, engine = app.config["MODE"], app.extensions["db"]
    where = engine.url.render_as_string(hide_password=True)
    with database.connect(engine) as db:
        note = _noted(db)
    if note and note["mode"] != mode:
        raise _refuse(where, note, mode)
    key = _key_hash(app.config["STRIPE_SECRET_KEY"]) if mode != "emulator" else None
    if note and note.get("key") == key and (key is None or note.get("account")):
        return
    account = None
    if mode != "emulator":
        try:
            with app.app_context():
                account = stripe_calls.current_account()
        except stripe.APIConnectionError:
            app.logger.warning("Stripe is out of reach: the account is checked at the next start")
            return
        if note and note.get("account") and note["account"] != account:
            raise _refuse(where, note, mode, account)
    with database.begin(engine) as db:
        settings.set_setting(db, NOTE, json.dumps({"mode": mode, "account": account, "key": key}))
