"""A throwaway PostgreSQL cluster that a test owns: initdb into a temporary folder, pg_ctl start on
a free port of 127.0.0.1, the unix socket in that folder; stopped and removed at teardown.

A test that stops or restarts PostgreSQL uses this, never the machine's server: a test never
stops, restarts or reconfigures a server it did not start.

``initdb`` and ``postgres`` refuse to run as root: as root, the cluster runs as an unprivileged
user (``nobody``, else ``postgres``) that owns the temporary folder. ``nobody`` comes first: its
processes cannot signal the machine's server (which runs as ``postgres``) or read its files.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

USERS = ("nobody", "postgres")  # who runs the cluster when the tests run as root, in this order
TOOLS = ("initdb", "pg_ctl", "postgres")


class ClusterUnavailable(Exception):
    """The throwaway cluster cannot be set up here; the message says why."""


def find_bindir() -> Path:
    """The server's bin directory: ``NEWSDEDUP_TEST_PG_BINDIR``, ``pg_config --bindir``, the newest
    ``/usr/lib/postgresql/*/bin``, or where ``initdb`` is on the PATH."""
    candidates: list[str] = []
    if os.environ.get("NEWSDEDUP_TEST_PG_BINDIR"):
        candidates.append(os.environ["NEWSDEDUP_TEST_PG_BINDIR"])
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=30)
            if out.returncode == 0 and out.stdout.strip():
                candidates.append(out.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", Path(path).parent.name))

    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb") or "").resolve().parent))
    for candidate in candidates:
        if all(os.access(Path(candidate) / tool, os.X_OK) for tool in TOOLS):
            return Path(candidate)
    raise ClusterUnavailable("no PostgreSQL server binaries (initdb, pg_ctl, postgres) in "
                             f"{candidates or 'pg_config --bindir, /usr/lib/postgresql/*/bin, PATH'}; "
                             "install the server package or set NEWSDEDUP_TEST_PG_BINDIR")


def run_as() -> pwd.struct_passwd | None:
    """The unprivileged user to run the cluster as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in USERS:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ClusterUnavailable(f"running as root and none of the users {', '.join(USERS)} exists "
                             "(initdb and postgres refuse to run as root)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


class PgCluster:
    """One throwaway cluster: ``url`` (a database in it), ``admin_url``, ``stop()``, ``start()``,
    ``restart()`` (``pg_ctl -m fast``), ``destroy()`` (stop for good and remove the folder)."""

    def __init__(self, bindir: Path, user: pwd.struct_passwd | None, port: int | None = None,
                 database: str = "newsdedup") -> None:
        self.bindir = bindir
        self.user = user
        self.port = port or free_port()
        self.database = database
        # as root, in /tmp: the unprivileged user must reach it; short: so must the socket's path
        self.root = Path(tempfile.mkdtemp(prefix="newsdedup-pg-", dir="/tmp" if user else None))
        if user is not None:
            try:
                os.chown(self.root, user.pw_uid, user.pw_gid)
            except OSError as exc:
                shutil.rmtree(self.root, ignore_errors=True)
                raise ClusterUnavailable(f"cannot give {self.root} to {user.pw_name}: {exc}") from exc
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}  # no stray PGDATA, PGPORT
        env.update(HOME=str(self.root), LC_ALL="C", LANG="C")
        who: dict[str, object] = {}
        if self.user is not None:  # as root: drop to the unprivileged user, no extra groups
            who = {"user": self.user.pw_uid, "group": self.user.pw_gid, "extra_groups": []}
        # pg_ctl's server writes to self.log (-l), never to our pipes: run() would wait for them
        try:
            return subprocess.run([str(self.bindir / args[0]), *args[1:]], capture_output=True, text=True,
                                  stdin=subprocess.DEVNULL, env=env, cwd=self.root, timeout=timeout, **who)
        except (OSError, subprocess.SubprocessError) as exc:
            raise ClusterUnavailable(f"{args[0]} could not run: {exc}") from exc

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            raise ClusterUnavailable(f"{what} failed ({result.returncode}): "
                                     f"{(result.stderr or result.stdout).strip()}\n{_tail(self.log)}")

    def init(self) -> None:
        self._check(self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                              "--no-locale", "-E", "UTF8", "--no-sync"), "initdb")

    def _options(self) -> str:
        # fsync=off: nothing here has to survive a crash of the machine, only of the server
        return f"-p {self.port} -k {shlex.quote(str(self.root))} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start(self) -> None:
        self._check(self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(),
                              "-w", "-t", "60", "start"), "pg_ctl start")

    def stop(self, mode: str = "fast") -> None:
        self._check(self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"),
                    "pg_ctl stop")

    def restart(self) -> None:
        self._check(self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self._options(),
                              "-m", "fast", "-w", "-t", "60", "restart"), "pg_ctl restart")

    def running(self) -> bool:
        try:
            return self.data.is_dir() and self._run("pg_ctl", "-D", str(self.data), "status").returncode == 0
        except ClusterUnavailable:
            return self._postmaster() is not None

    def create_database(self) -> None:
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.database}"'))
        except Exception as exc:  # noqa: BLE001 - started but not answering on 127.0.0.1: say why
            raise ClusterUnavailable(f"the server started but CREATE DATABASE failed: {exc}") from exc
        finally:
            engine.dispose()

    def _postmaster(self) -> int | None:
        """The pid in this cluster's postmaster.pid if that process is this cluster's postmaster
        (its command line names this data folder), else None: never signal a reused pid."""
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError, IndexError):
            return None
        return pid if os.fsencode(str(self.data)) in cmdline else None

    def destroy(self) -> None:
        """Stop the server if it runs (fast, then immediate, then SIGKILL to the postmaster whose pid
        this cluster's postmaster.pid names) and remove the folder."""
        try:
            for mode in ("fast", "immediate"):
                if not self.running():
                    break
                try:
                    self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "30", "stop", timeout=60)
                except ClusterUnavailable:
                    break
            pid = self._postmaster()
            if pid is not None:  # pg_ctl could not stop it
                try:
                    os.kill(pid, signal.SIGKILL)
                    time.sleep(0.5)
                except (ProcessLookupError, PermissionError):
                    pass
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> PgCluster:
    """A running throwaway cluster with an empty database; ClusterUnavailable says why not."""
    bindir, user = find_bindir(), run_as()
    for attempt in range(3):  # another process may take the free port before the server does
        cluster = PgCluster(bindir, user)
        try:
            cluster.init()
            cluster.start()
            cluster.create_database()
            return cluster
        except ClusterUnavailable as exc:
            cluster.destroy()
            if attempt == 2 or "could not bind" not in str(exc) and "in use" not in str(exc):
                raise
        except Exception:
            cluster.destroy()
            raise
    raise AssertionError("unreachable")


@pytest.fixture
def pg_cluster() -> Iterator[PgCluster]:
    """A throwaway PostgreSQL cluster for one test, which may stop, start and restart it; stopped
    and removed afterwards, whatever the test's outcome. Skips, saying why, where it cannot start."""
    try:
        cluster = start_cluster()
    except ClusterUnavailable as exc:
        pytest.skip(f"no throwaway PostgreSQL cluster: {exc}")
    try:
        yield cluster
    finally:
        cluster.destroy()
