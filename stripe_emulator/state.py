"""An emulator's state kept in a JSON file between runs, written off the request path.

What is kept: every object (events included, in order), and the saved answers of
`Idempotency-Key`s. What is not: the record of calls, armed faults, and webhook deliveries
still waiting for a retry.
"""

import atexit
import json
import logging
import os
import threading
import time

FORMAT = 1
log = logging.getLogger(__name__)


class StateFileError(ValueError):
    """The state file exists but cannot be read as an emulator's state."""


def dump(emulator):
    """The state as JSON text; call with the store's lock held."""
    return json.dumps({"format": FORMAT, **emulator.snapshot()})


def load(emulator, path):
    """Put the state saved at `path` into a new emulator; False if there is no file yet.

    The emulator's `port` becomes the one it was served on then, for the next run to reuse.
    """
    try:
        with open(path, encoding="utf-8") as saved:
            data = json.load(saved)
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StateFileError(f"{path}: {error}") from None
    try:
        if data["format"] != FORMAT:
            raise KeyError("format")
        emulator.restore(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise StateFileError(f"{path}: not an emulator state file (format {FORMAT})") from None
    return True


class Saver:
    """Writes the state to `path` a moment after each change, and once more at close."""

    def __init__(self, emulator, path, delay=0.5):
        self.emulator = emulator
        self.path = path
        self.delay = delay
        self._changed = threading.Event()
        self._closed = False
        self._write_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="emulator-state", daemon=True)
        self._thread.start()
        # A normal exit (Ctrl-C, gunicorn's shutdown) writes the last changes. Processes
        # forked later (gunicorn's workers) inherit this hook with a stale copy of the state,
        # so it writes only in the process that made it.
        self._pid = os.getpid()
        atexit.register(self.close)

    def changed(self):
        """Note a change; it reaches the file about `delay` seconds later."""
        self._changed.set()

    def save(self):
        """Write the state now, atomically: a reader sees the old file or the new one.

        A failed write (a full disk, a folder gone) is logged and the state stays in memory;
        the next change tries again.
        """
        try:
            self._write()
        except OSError as error:
            log.warning("could not write the emulator's state to %s: %s", self.path, error)

    def _write(self):
        with self._write_lock:
            with self.emulator.store.lock:
                text = dump(self.emulator)
            folder = os.path.dirname(os.path.abspath(self.path))
            os.makedirs(folder, exist_ok=True)
            partial = f"{self.path}.partial"
            with open(partial, "w", encoding="utf-8") as out:
                out.write(text)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, self.path)

    def close(self):
        """Stop the writer after a last write."""
        if self._closed or os.getpid() != self._pid:
            return
        self._closed = True
        self._changed.set()
        self._thread.join()
        self.save()
        atexit.unregister(self.close)

    def _run(self):
        pause = self.delay
        while not self._closed:
            self._changed.wait()
            if self._closed:
                return
            time.sleep(pause)  # one write for a burst of changes
            self._changed.clear()
            started = time.perf_counter()
            self.save()
            # A large state takes a while to encode under the lock: wait at least ten times
            # as long before the next write, so that API calls have the lock 90% of the time.
            pause = max(self.delay, 10 * (time.perf_counter() - started))
