"""A throwaway PostgreSQL server from the Debian binaries, for tests and benchmarks."""

import glob
import os
import shutil
import subprocess
import tempfile

import psycopg

from tests.helpers.serving import free_port


def _bindir():
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(found)
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(candidates[-1]) if candidates else None


class Postgres:
    """initdb + pg_ctl in a temporary folder, as the `postgres` user when run as root."""

    def __init__(self):
        self.bindir = _bindir()
        if self.bindir is None:
            raise FileNotFoundError(
                "PostgreSQL is not installed: apt-get install -y postgresql (initdb, pg_ctl)"
            )
        self.root = tempfile.mkdtemp(prefix="invoicing-pg-")
        self.data = os.path.join(self.root, "data")
        self.port = free_port()
        self._as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_user:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, tool, *args):
        command = [*self._as_user, os.path.join(self.bindir, tool), *args]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)

    def start(self):
        """Create the cluster and start it on a free loopback port; on failure remove its
        folder (and stop what did start) before the error goes on."""
        try:
            self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync")
            return self.resume()
        except BaseException:
            self.stop()
            raise

    def resume(self):
        """Start the server (again) on its port."""
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        log = os.path.join(self.root, "log")
        self._run("pg_ctl", "-D", self.data, "-o", options, "-l", log, "-w", "start")
        return self

    def halt(self):
        """Stop the server at once, keeping its data, as a crash or an outage would."""
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "stop")

    def url(self, database="postgres"):
        """The SQLAlchemy URL of one database."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name, template=None):
        """A new database, empty or a copy of the database `template` (which nobody may be
        connected to); return its SQLAlchemy URL."""
        dsn = f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres"
        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def stop(self):
        """Stop the server (if running) and remove its files."""
        try:
            self.halt()
        except subprocess.CalledProcessError:
            pass  # already stopped
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
