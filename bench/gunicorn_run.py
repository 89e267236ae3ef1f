"""A gunicorn under test: started on a free port, its workers' CPU time and memory read from /proc.

Every target of the webhook benchmark runs under the settings the server is deployed with
(`gunicorn.conf.py`): the server with that file itself, the references with its serving
settings only (read from it once and written into a plain settings file), not its hooks.
"""

import os
import runpy
import subprocess
import sys
import time

import requests

from tests.helpers.serving import free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICKS = os.sysconf("SC_CLK_TCK")
# The settings that decide how requests are served; hooks, bind and logs stay each target's own.
SERVING = ("workers", "worker_class", "threads", "timeout", "graceful_timeout", "keepalive",
           "worker_tmp_dir", "max_requests", "backlog", "worker_connections")  # fmt: skip


def deployed_settings(folder=ROOT):
    """The serving settings of `folder`/gunicorn.conf.py, as a gunicorn settings file's text."""
    found = runpy.run_path(os.path.join(folder, "gunicorn.conf.py"))
    lines = [f"{name} = {found[name]!r}" for name in SERVING if name in found]
    # The worker class may be the project's own (buffered_worker): importable from anywhere.
    lines.append(f"pythonpath = {folder!r}")
    return "\n".join([*lines, "accesslog = None", 'errorlog = "-"', ""])


def _children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        if int(fields[1]) == pid:
            kids.append(int(entry))
    return kids


def _cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime: fields 14 and 15 of stat(5), 12 and 13 after the command name.
    return (int(fields[11]) + int(fields[12])) / TICKS


def _rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            line = next(x for x in status if x.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0.0
    return int(line.split()[1]) / 1024


def _preemptions(pid):
    """How often the process was switched out while it could still run (another process took
    its core): nonvoluntary_ctxt_switches of proc(5)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            line = next(x for x in status if x.startswith("nonvoluntary_ctxt_switches:"))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1])


class Gunicorn:
    """`gunicorn APP` on `port` (a free one by default): from `cwd` (the project by default)
    with its own gunicorn.conf.py, or with `config` (a settings file's path) from elsewhere."""

    def __init__(
        self, app, env, cwd=ROOT, bindir=None, config=None, health="/healthz", log=None, port=None
    ):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        environ = {
            k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "DATABASE_"))
        }
        environ.update(env, PORT=str(self.port))
        gunicorn = os.path.join(bindir or os.path.dirname(sys.executable), "gunicorn")
        command = [gunicorn, app, "--bind", f"127.0.0.1:{self.port}"]
        if config:
            command += ["--config", config]
        # gunicorn's own messages (a worker that failed to boot says why there).
        self.log = open(log or os.devnull, "w")
        self.process = subprocess.Popen(
            command, cwd=cwd, env=environ, stdout=subprocess.DEVNULL, stderr=self.log
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}{health}", timeout=2).ok and self.workers():
                    return
            except requests.RequestException:
                pass  # not listening yet, or its workers still booting
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{app} did not start (see {self.log.name})")

    def workers(self):
        """The worker processes' ids, in order."""
        return sorted(_children(self.process.pid))

    def cpu_seconds(self):
        """CPU time (user + system) spent so far by the workers alive now."""
        return sum(_cpu_seconds(pid) for pid in self.workers())

    def preemptions(self):
        """Times the workers alive now were switched out while they could still run."""
        return sum(_preemptions(pid) for pid in self.workers())

    def rss_mib(self):
        """Resident memory of each worker now, in MiB."""
        return [_rss_mib(pid) for pid in self.workers()]

    def stop(self):
        """Stop gracefully."""
        self.process.terminate()
        self.process.wait(timeout=60)
        self.log.close()
