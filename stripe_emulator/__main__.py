"""`python -m stripe_emulator --port 12111`: run the emulator alone."""

import argparse
import logging

from werkzeug.serving import run_simple

from .app import Emulator
from .state import StateFileError


def main(argv=None):
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m stripe_emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=12111)
    parser.add_argument("--latency-ms", type=float, default=0, help="delay every API answer")
    parser.add_argument(
        "--processing-seconds",
        type=float,
        default=3.0,
        help="how long a delayed payment stays processing",
    )
    parser.add_argument(
        "--state-file", help="keep the state in this JSON file, and start from it if it exists"
    )
    parser.add_argument(
        "--automations",
        action="store_true",
        help="send invoice.will_be_due and invoice.overdue as test clocks advance",
    )
    parser.add_argument("--quiet", action="store_true", help="no request log")
    args = parser.parse_args(argv)
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        emulator = Emulator(
            latency_ms=args.latency_ms,
            processing_seconds=args.processing_seconds,
            state_file=args.state_file,
            automations=args.automations or None,
        )
    except StateFileError as error:
        parser.error(str(error))
    emulator.port = args.port
    print(f"Stripe emulator on http://{args.host}:{args.port} (any sk_test_... key works)")
    run_simple(args.host, args.port, emulator, threaded=True)


if __name__ == "__main__":
    main()
