"""Every JSON answer, encoded by orjson, is the document Flask's own encoder writes: the same
values, keys in the same order, one line; and a value orjson refuses is still answered."""

import json

from flask.json.provider import DefaultJSONProvider
from hypothesis import given, settings
from hypothesis import strategies as st

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def test_an_answer_is_the_document_flasks_encoder_writes(sqlite_api):
    app = sqlite_api.live.app
    flask_json = DefaultJSONProvider(app)

    @settings(max_examples=300, deadline=None)
    @given(VALUES)
    def check(value):
        with app.app_context():
            ours, theirs = app.json.response(value), flask_json.response(value)
        assert ours.mimetype == theirs.mimetype == "application/json"
        body = ours.get_data(as_text=True)
        assert body.endswith("\n") and "\n" not in body[:-1]
        # The same document (Flask escapes non-ASCII, orjson writes it as UTF-8): equal
        # values, and the keys in the same order. (Infinity, which no answer holds, orjson
        # writes as null where Flask writes a word that is not JSON.)
        assert json.loads(body) == json.loads(theirs.get_data(as_text=True))
        assert json.dumps(json.loads(body)) == json.dumps(json.loads(theirs.get_data()))

    check()


def test_a_value_orjson_refuses_is_answered_by_flasks_encoder(sqlite_api):
    app = sqlite_api.live.app
    with app.app_context():
        for value in ({"big": 2**70}, {"text": "\ud800"}, {1: "a key that is not text"}):
            answer = app.json.response(value)
            assert answer.status_code == 200
            assert answer.get_data(as_text=True) == json.dumps(value, separators=(",", ":")) + "\n"


def test_an_answer_is_utf_8_as_json_itself_is(sqlite_api):
    app = sqlite_api.live.app
    with app.app_context():
        answer = app.json.response({"name": "Zoë", "amount": 2000})
    # Flask's encoder would write "Zo\u00eb": orjson writes the text as it is.
    assert answer.get_data() == '{"amount":2000,"name":"Zoë"}\n'.encode()
