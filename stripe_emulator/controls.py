"""The test controls under `/_emulator/`: calls, faults, deliveries, simulated payments.

Not part of Stripe's API: tests and tools use them to look inside and to arm faults.
"""

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .errors import invalid
from .wire import json_answer


def calls(emulator, request):
    """GET: the API calls received, by operation name; DELETE: forget them."""
    if request.method == "DELETE":
        emulator.reset_calls()
    with emulator.store.lock:
        return json_answer({"calls": list(emulator.calls)})


def faults(emulator, request):
    """POST `{operation, nth?, times?}`: arm a fault; DELETE: clear every fault."""
    if request.method == "DELETE":
        emulator.clear_faults()
        return json_answer({"faults": {}})
    body = request.get_json(silent=True) or {}
    if not isinstance(body.get("operation"), str):
        raise invalid("operation", "Send JSON: {operation, nth?, times?}.")
    emulator.fail(body["operation"], int(body.get("nth", 1)), int(body.get("times", 1)))
    with emulator.store.lock:
        return json_answer({"faults": emulator.faults.shown()})


def deliveries(emulator, request):
    """GET: every webhook delivery attempt so far."""
    return json_answer({"deliveries": list(emulator.deliverer.log)})


def pay(emulator, request, invoice):
    """POST `{outcome}` (JSON or the hosted page's form): pay as a customer would."""
    from_form = not request.is_json
    outcome = (
        request.form.get("outcome") if from_form else (request.get_json() or {}).get("outcome")
    )
    shown = emulator.simulate_payment(invoice, outcome, base_url=request.host_url.rstrip("/"))
    if from_form:
        return Response(status=303, headers={"Location": f"/i/{invoice}"})
    return json_answer(shown)


RULES = [
    Rule("/_emulator/invoices/<invoice>/payments", methods=["POST"], endpoint=pay),
    Rule("/_emulator/calls", methods=["GET", "DELETE"], endpoint=calls),
    Rule("/_emulator/faults", methods=["POST", "DELETE"], endpoint=faults),
    Rule("/_emulator/deliveries", methods=["GET"], endpoint=deliveries),
]
