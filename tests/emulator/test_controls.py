"""controls.py: the test controls under /_emulator/ over HTTP: calls, faults and info."""

import pytest
import requests
import stripe

from stripe_emulator import serve


def test_controls_over_http(emulator):
    server = serve(emulator)
    try:
        requests.post(f"{server.url}/_emulator/faults", json={"operation": "customers.list"})
        client = stripe.StripeClient("sk_test_123456789", base_addresses={"api": server.url})
        with pytest.raises(stripe.APIError):
            client.v1.customers.list()
        calls = requests.get(f"{server.url}/_emulator/calls").json()["calls"]
        assert calls == ["customers.list"]
        requests.delete(f"{server.url}/_emulator/calls")
        assert requests.get(f"{server.url}/_emulator/calls").json()["calls"] == []
    finally:
        server.stop()


def test_info_names_the_emulator_and_its_port(emulator):
    server = serve(emulator)
    try:
        info = requests.get(f"{server.url}/_emulator/info").json()
    finally:
        server.stop()
    assert info == {"object": "emulator", "api_version": stripe.api_version, "port": server.port}
