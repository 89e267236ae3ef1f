"""__main__.py: `python -m stripe_emulator --port N` runs the emulator alone."""

import subprocess
import sys

import stripe

from tests.helpers import wait_for


def test_runs_alone_from_the_command_line(unused_port):
    process = subprocess.Popen(
        [sys.executable, "-m", "stripe_emulator", "--port", str(unused_port), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = stripe.StripeClient(
            "sk_test_123456789", base_addresses={"api": f"http://127.0.0.1:{unused_port}"}
        )

        def answers():
            try:
                return client.v1.customers.create({"email": "cli@example.com"})
            except stripe.APIConnectionError:
                return None

        # A new Python process imports the SDK and the emulator first: slow on a busy machine.
        assert wait_for(answers, timeout=30).email == "cli@example.com"
    finally:
        process.terminate()
        process.wait(timeout=10)
