"""An emulator's state kept in one file: a snapshot line, then one journal line per change.

Every change is in the file before the emulator answers the call that made it, so that
`kill -9` at any moment loses nothing the emulator acknowledged. The file is JSON lines:

    {"format": 3, "port": 12111, "objects": {...}, "by_type": {...}, "idempotent": {...}}
    {"objects": {"in_...": {...}, "cus_...": {...}}, "new": ["in_..."], "idempotent": {...}}
    {"port": 12112}

The first line is a snapshot (a format 1 file, from earlier versions, is that line alone).
Each later line is one change: the objects it may have changed as they are after it, the ids
it added (in order) and removed, the `Idempotency-Key` answers it saved (each with when), the
port. Loading
replays the snapshot, then the lines in order; a last line without its newline, cut short by a
crash in the middle of its write, is ignored. The file is rewritten as one snapshot line
(compaction), atomically, when the emulator starts with lines to fold in, when it stops, and
when the journal grows past a multiple of the snapshot: the cost of saving is per change, not
per state size.

What is kept: every object (events included, in order), the saved answers of
`Idempotency-Key`s, and the port. What is not: the record of calls, armed faults, and webhook
deliveries still waiting for a retry. Events older than 30 days and answers older than 24 hours
are dropped when the file is loaded, as when the emulator runs (the file is then rewritten
without them). Format 3 keeps an event's snapshot as `_object` and `_previous` and when each
answer was saved; files of formats 1 and 2 still load.
"""

import atexit
import json
import logging
import os

from .store import to_json

FORMAT = 3
READABLE = (1, 2, FORMAT)
log = logging.getLogger(__name__)


class StateFileError(ValueError):
    """The state file exists but cannot be read as an emulator's state."""


def dump(emulator):
    """The state as one line of JSON text (a snapshot); call with the store's lock held."""
    return to_json({"format": FORMAT, **emulator.snapshot()})


def load(emulator, path):
    """Put the state saved at `path` into a new emulator. None if there is no file yet; else
    whether the file is tidy: one snapshot line of this format, to append to as it is.

    The emulator's `port` becomes the one it was served on then, for the next run to reuse.
    """
    try:
        with open(path, "rb") as saved:
            data = saved.read()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StateFileError(f"{path}: {error}") from None
    snapshot, changes = _split(path, data)
    try:
        if not isinstance(snapshot, dict) or snapshot.get("format") not in READABLE:
            raise KeyError("format")
        emulator.restore(snapshot)
    except (KeyError, TypeError, ValueError, AttributeError):
        raise StateFileError(f"{path}: not an emulator state file (format {FORMAT})") from None
    for number, line in enumerate(changes, start=2):
        record = _parse(path, line, number)
        try:
            emulator.replay(record)
        except (KeyError, TypeError, ValueError, AttributeError):
            raise StateFileError(f"{path}: line {number} is not a change") from None
    return snapshot["format"] == FORMAT and data.endswith(b"\n") and not changes


def _split(path, data):
    """The snapshot and the change lines of a state file's bytes."""
    first, _, rest = data.partition(b"\n")
    try:
        snapshot = json.loads(first)
    except ValueError:  # not one line: a whole document (format 1, by hand), or not JSON
        return _whole(path, data), []
    # The last piece is empty, or a line cut short by a crash in its write: ignored.
    return snapshot, rest.split(b"\n")[:-1]


def _parse(path, line, number):
    try:
        return json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StateFileError(f"{path}: line {number}: {error}") from None


def _whole(path, data):
    """A file that is one JSON document over several lines."""
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StateFileError(f"{path}: {error}") from None


def line(record):
    """One change as one line of JSON (bytes, with its newline).

    `record`: `objects`, `new` and `removed` (see `Store.changes`), `idempotent` (key: the
    fingerprint, status, body text and time saved of each answer saved) and `port`, each if
    present. JSON texts (an event's `_object` and `_previous`, an answer's body) go in as JSON
    rather than as strings, which would have to be escaped: they are most of a line.
    """
    parts = []
    if "objects" in record:
        objects = ",".join(f"{to_json(i)}:{_object(o)}" for i, o in record["objects"].items())
        new, removed = to_json(record["new"]), to_json(record["removed"])
        parts.append(f'"objects":{{{objects}}},"new":{new},"removed":{removed}')
    if "idempotent" in record:
        answers = ",".join(
            f"{to_json(key)}:[{to_json(fingerprint)},{status},{body},{at}]"
            for key, (fingerprint, status, body, at) in record["idempotent"].items()
        )
        parts.append(f'"idempotent":{{{answers}}}')
    if "port" in record:
        parts.append(f'"port":{to_json(record["port"])}')
    return ("{" + ",".join(parts) + "}\n").encode()


def _object(obj):
    if obj["object"] != "event":
        return to_json(obj)
    rest = to_json({k: v for k, v in obj.items() if k not in ("_object", "_previous")})
    previous = obj["_previous"] or "null"
    return f'{rest[:-1]},"_object":{obj["_object"]},"_previous":{previous}}}'


def _write_all(fd, data):
    """Write every byte: a regular file takes them in one `os.write`, barring a signal."""
    while data:
        data = data[os.write(fd, data) :]


class Journal:
    """Appends each change to the state file before the emulator answers, and compacts it.

    A line handed to `os.write` is in the kernel when the call returns: it survives `kill -9`
    of this process. It is not `fsync`ed, which only a power loss or an OS crash would need:
    that would cost a disk flush per change. A compaction, rare, is fsynced before it replaces
    the file.
    """

    def __init__(self, emulator, path, *, ratio=4, least=1 << 20):
        """Journal into `path`; compact when the journal passes `ratio` times the snapshot's
        size (and `least` bytes)."""
        self.emulator = emulator
        self.path = path
        self.ratio = ratio
        self.least = least
        self._fd = None
        self._snapshot_size = 0
        self._journal_size = 0
        self._closed = False
        # Processes forked later (gunicorn's workers) inherit the open file and this object
        # with a stale copy of the state: only the process that made it writes.
        self._pid = os.getpid()
        atexit.register(self.close)

    def start(self, tidy):
        """Carry on after `load`: append to a `tidy` file; rewrite any other first (its lines
        folded into the snapshot, a line cut short dropped, format 1 made format 2)."""
        if not tidy:
            self.compact()
            return
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        except OSError as error:
            self._failed(error)
            return
        self._snapshot_size = os.fstat(self._fd).st_size

    def append(self, record):
        """Write one change (see `line`) as one line; call with the store's lock held.

        A failed write (a full disk, a folder gone) is logged and the state stays in memory;
        the next change rewrites the whole file, this change included.
        """
        if self._closed or os.getpid() != self._pid:
            return
        if self._fd is None or self._journal_size > max(
            self.least, self.ratio * self._snapshot_size
        ):
            self.compact()  # the state in memory already holds this change
            return
        data = line(record)
        try:
            _write_all(self._fd, data)
        except OSError as error:
            self._failed(error)
            return
        self._journal_size += len(data)

    def compact(self):
        """Rewrite the file as one snapshot line, atomically: a reader sees the old file or the
        new one; the journal then starts again after that line."""
        if os.getpid() != self._pid:
            return
        with self.emulator.store.lock:
            try:
                self._rewrite()
            except OSError as error:
                self._failed(error)

    def _rewrite(self):
        text = (dump(self.emulator) + "\n").encode()
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        partial = f"{self.path}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            _write_all(fd, text)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(partial, self.path)
        self._close_file()
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND)
        self._snapshot_size, self._journal_size = len(text), 0

    def _failed(self, error):
        log.warning("could not write the emulator's state to %s: %s", self.path, error)
        self._close_file()

    def _close_file(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def close(self):
        """Compact the file a last time (the next start reads one line) and close it."""
        if self._closed or os.getpid() != self._pid:
            return
        if self._fd is None or self._journal_size:
            self.compact()
        self._closed = True
        self._close_file()
        atexit.unregister(self.close)
