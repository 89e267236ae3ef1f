"""Stripe's published schema for the objects the emulator serves, and a checker against it.

`schema.json` is extracted by `node/extract-schema.mjs` from the official Node SDK's type
definitions (generated from Stripe's OpenAPI spec for one API version; `source` names which).
A field typed `T | null` is always present, possibly null; `field?: T` may be absent.

    checker = Checker()
    problems = checker.check_answer(json_body)     # a resource, a list, or an error
    problems = checker.check_event(event)          # the event and its data.object
"""

import json
import os

SCHEMA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema.json")
# Fields of the SDK's error type that are the SDK's own, never sent by the API.
_SDK_ERROR_FIELDS = {"detail", "exception", "headers", "requestId", "statusCode", "user_message"}


def load(path=SCHEMA_FILE):
    """The extract as a dict: source, objects, deleted, events, definitions."""
    with open(path, encoding="utf-8") as extract:
        return json.load(extract)


class Checker:
    """Checks JSON values against the extract; counts what it checked."""

    def __init__(self, schema=None):
        self.schema = schema or load()
        self.definitions = self.schema["definitions"]
        self.fields_checked = 0
        self.events_checked = 0

    # What is checked against what.

    def type_of(self, obj):
        """The schema type name for a JSON object, by its `object` (and `deleted`) field."""
        table = self.schema["deleted"] if obj.get("deleted") is True else self.schema["objects"]
        return table.get(obj.get("object"))

    def check_answer(self, body):
        """Problems with one API answer: a resource, a list or search result, or an error."""
        problems = []
        if not isinstance(body, dict):
            return ["(answer): not a JSON object"]
        if "error" in body and "object" not in body:
            self._check_error(body, problems)
        elif body.get("object") in ("list", "search_result"):
            self._check_list(body, {"kind": "any"}, body["object"], problems)
            for i, item in enumerate(body.get("data") or []):
                self._check_resource(item, f"{body['object']}.data[{i}]", problems)
        else:
            self._check_resource(body, body.get("object", "(answer)"), problems)
        return problems

    def check_event(self, event):
        """Problems with an event: its envelope, `data.object` by the event's type, and
        `data.previous_attributes` as a partial object of that type."""
        self.events_checked += 1
        problems = []
        self._check(event, {"kind": "ref", "name": "EventBase"}, "event", problems)
        name = self.schema["events"].get(event.get("type"))
        data = event.get("data") or {}
        if name is None:
            problems.append(f"event {event.get('type')}: not an event type of the served objects")
            return problems
        path = f"{event.get('type')}.data"
        self._check(data.get("object"), {"kind": "ref", "name": name}, f"{path}.object", problems)
        if "previous_attributes" in data:
            ref = {"kind": "ref", "name": name}
            prior = data["previous_attributes"]
            self._check(prior, ref, f"{path}.previous_attributes", problems, partial=True)
        return problems

    # The walk.

    def _check_resource(self, obj, path, problems):
        name = self.type_of(obj) if isinstance(obj, dict) else None
        if name is None:
            problems.append(f"{path}: no schema for object {obj.get('object')!r}")
            return
        if name == "EventBase":
            problems.extend(self.check_event(obj))
        else:
            self._check(obj, {"kind": "ref", "name": name}, path, problems)

    def _check_error(self, body, problems):
        if set(body) != {"error"}:
            problems.append(f"error: unexpected keys {sorted(set(body) - {'error'})}")
        fields = {
            k: v
            for k, v in self.definitions["StripeRawError"].items()
            if k not in _SDK_ERROR_FIELDS
        }
        self._check_fields(body["error"], fields, "error", problems, partial=False)

    def _check_list(self, value, items, path, problems):
        expected = {"object", "data", "has_more", "url"}
        if value.get("object") == "search_result":
            expected |= {"next_page", "total_count"}
        for key in sorted(set(value) - expected):
            problems.append(f"{path}.{key}: not in the schema")
        for key in ("data", "has_more", "url"):
            if key not in value:
                problems.append(f"{path}.{key}: missing (always present)")
        self.fields_checked += len(expected & set(value))
        if not isinstance(value.get("data"), list):
            problems.append(f"{path}.data: not an array")
            return
        for i, item in enumerate(value["data"]):
            self._check(item, items, f"{path}.data[{i}]", problems)

    def _check_fields(self, value, fields, path, problems, partial):
        if not isinstance(value, dict):
            problems.append(f"{path}: expected an object, got {_shown(value)}")
            return
        for key in sorted(set(value) - set(fields)):
            problems.append(f"{path}.{key}: not in the schema")
        for key, field in fields.items():
            if key not in value:
                if not field["optional"] and not partial:
                    problems.append(f"{path}.{key}: missing (always present)")
                continue
            self.fields_checked += 1
            self._check(value[key], field["type"], f"{path}.{key}", problems, partial)

    def _check(self, value, shape, path, problems, partial=False):
        kind = shape["kind"]
        if kind == "ref":
            self._check_fields(value, self.definitions[shape["name"]], path, problems, partial)
        elif kind == "object":
            self._check_fields(value, shape["fields"], path, problems, partial)
        elif kind == "union":
            self._check_union(value, shape, path, problems, partial)
        elif kind == "list":
            if not isinstance(value, dict) or value.get("object") != "list":
                problems.append(f"{path}: expected a list object, got {_shown(value)}")
            else:
                self._check_list(value, shape["items"], path, problems)
        elif kind == "array":
            if not isinstance(value, list):
                problems.append(f"{path}: expected an array, got {_shown(value)}")
            else:
                for i, item in enumerate(value):
                    self._check(item, shape["items"], f"{path}[{i}]", problems, partial)
        elif kind == "map":
            if not isinstance(value, dict):
                problems.append(f"{path}: expected a hash, got {_shown(value)}")
            else:
                for key, item in value.items():
                    self._check(item, shape["values"], f"{path}.{key}", problems, partial)
        elif not _scalar_fits(value, shape):
            problems.append(f"{path}: expected {_described(shape)}, got {_shown(value)}")

    def _check_union(self, value, shape, path, problems, partial):
        best, counted = None, self.fields_checked
        for member in shape["of"]:
            trial = []
            self.fields_checked = counted  # only the member that fits counts its fields
            self._check(value, member, path, trial, partial)
            if not trial:
                return
            # An object is explained best by the object type it comes closest to.
            if isinstance(value, dict) and member["kind"] not in ("ref", "object", "list"):
                continue
            if best is None or len(trial) < len(best):
                best = trial
        self.fields_checked = counted
        # The member it came closest to explains the mismatch best.
        if isinstance(value, dict) and best is not None:
            problems.extend(best)
        else:
            choices = " or ".join(_described(m) for m in shape["of"])
            problems.append(f"{path}: expected {choices}, got {_shown(value)}")


def _scalar_fits(value, shape):
    kind = shape["kind"]
    if kind == "any":
        return True
    if kind == "absent":
        return False
    if kind == "null":
        return value is None
    if kind in ("string", "decimal"):
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "enum":
        return value in shape["values"] and not isinstance(value, bool)
    if kind == "external":
        return isinstance(value, dict)
    raise ValueError(f"unknown kind {kind}")


def _described(shape):
    kind = shape["kind"]
    if kind == "enum":
        return "one of " + ", ".join(map(str, shape["values"]))
    if kind in ("ref", "external"):
        return f"a {shape['name']}"
    return {"absent": "no value", "null": "null"}.get(kind, f"a {kind}")


def _shown(value):
    text = json.dumps(value)
    return text if len(text) <= 60 else text[:57] + "..."
