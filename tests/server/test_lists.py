"""Lists at any size over HTTP: invoices and customers a page at a time (`limit`,
`starting_after`, `has_more`) that reach every one, newest first, with every filter and the
search (`q`) combinable, on SQLite and PostgreSQL."""

import pytest


def every_page(api, path, **params):
    """Every item of a list, following `starting_after` from page to page."""
    seen, after = [], None
    while True:
        query = {**params, **({"starting_after": after} if after else {})}
        answer = api.get(path, params=query)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        seen += page["data"]
        if not page["has_more"]:
            return seen
        assert len(page["data"]) == int(params.get("limit", 100))
        after = page["data"][-1]["id"]


def test_pages_reach_every_invoice_newest_first(api):
    sent = [api.send(f"page{i % 3}@example.com").json()["id"] for i in range(7)]
    shown = every_page(api, "/invoices", limit=2)
    assert [i["id"] for i in shown] == sent[::-1]
    first = api.get("/invoices", params={"limit": 7}).json()
    assert len(first["data"]) == 7 and first["has_more"] is False
    mine = every_page(api, "/invoices", limit=1, email="PAGE1@example.com")
    assert [i["id"] for i in mine] == [sent[4], sent[1]]


def test_search_matches_numbers_emails_and_names_and_combines_with_filters(api):
    jo = api.send("jo.bloggs@example.com", name="Jo Bloggs").json()
    ann = api.send("ann@example.com", name="Ann O'Neil_50%").json()
    assert api.post(f"/invoices/{ann['id']}/void").status_code == 200

    def found(**params):
        answer = api.get("/invoices", params=params)
        assert answer.status_code == 200, answer.text
        return [i["id"] for i in answer.json()["data"]]

    assert found(q="jo.b") == [jo["id"]]
    assert found(q="BLOGGS") == [jo["id"]]  # a word of the name, any case
    assert found(q=jo["number"]) == [jo["id"]]
    assert found(q="o'neil_5") == [ann["id"]]
    assert found(q="neil%") == []  # % and _ match only themselves
    assert found(q="ann", status="open") == []
    assert found(q="ann", status="void") == [ann["id"]]
    assert found(q="nobody") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": "0"}, "limit"), ({"limit": "101"}, "limit"), ({"limit": "x"}, "limit"),
     ({"starting_after": "in_nope"}, "starting_after"), ({"q": "a\x00"}, "q"),
     ({"q": "a" * 201}, "q")],
)  # fmt: skip
def test_bad_list_parameters_are_a_400_naming_them(sqlite_api, params, field):
    for path in ("/invoices", "/customers"):
        if path == "/customers" and params.get("starting_after"):
            params = {"starting_after": "cus_nope"}
        answer = sqlite_api.get(path, params=params)
        assert answer.status_code == 400, (path, answer.text)
        assert answer.json()["error"]["field"] == field


def test_customers_are_listed_with_what_they_owe(api):
    gold = api.prices()["gold_special"]["id"]
    first = api.send("first@example.com", name="Ada First").json()
    api.send("first@example.com", items=[{"price": gold, "quantity": 1}])
    second = api.send("second@example.com").json()
    assert api.post(f"/invoices/{second['id']}/void").status_code == 200
    shown = every_page(api, "/customers", limit=1)
    assert [c["email"] for c in shown] == ["second@example.com", "first@example.com"]
    ada = shown[1]
    assert ada["id"] == first["customer"] and ada["name"] == "Ada First"
    assert ada["owed"] == [{"currency": "usd", "amount": 3000}] and ada["balance"] == 0
    assert shown[0]["owed"] == []
    searched = api.get("/customers", params={"q": "ada"}).json()
    assert [c["email"] for c in searched["data"]] == ["first@example.com"]
