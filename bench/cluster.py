"""The benchmark's own PostgreSQL server: a cluster in ``var/bench-pg`` configured as a
million-lead install would be, started on first use and left running, so that a later run of
some parts finds the leads an earlier one generated.

PostgreSQL's default configuration (128 MB of shared buffers, 1 GB of WAL between checkpoints)
is sized for a laptop's first start, not for a 10 GB database: the local server keeps its
defaults for the tests, and the benchmark measures on a server given what production would give
it. The settings follow PostgreSQL's own tuning guidance — a quarter of the memory as shared
buffers, three quarters as the planner's cache estimate, checkpoints far enough apart that a
burst of writes does not log every page whole — and keep every durability setting at its
default (``fsync``, ``synchronous_commit`` and ``full_page_writes`` on). They are printed with
the figures.

    make bench-stop    # stops the server (its data stays in var/bench-pg)
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("BENCH_PGDATA", ROOT / "var" / "bench-pg"))
PORT = int(os.environ.get("BENCH_PGPORT", 5439))
# PostgreSQL refuses to run as root; a root shell runs the server as the system's postgres user.
SERVER_USER = "postgres"


def _memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def settings() -> dict[str, str]:
    """The server's settings, from this machine's memory."""
    memory_mb = _memory_bytes() // 2**20
    return {
        "shared_buffers": f"{min(memory_mb // 4, 8192)}MB",
        "effective_cache_size": f"{memory_mb * 3 // 4}MB",
        "maintenance_work_mem": "1GB",
        "max_wal_size": "16GB",
        "min_wal_size": "1GB",
        "checkpoint_timeout": "15min",
        "checkpoint_completion_target": "0.9",
        "wal_compression": "lz4",
        "random_page_cost": "1.1",
        "max_connections": "50",
    }


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).exists():
            return str(folder / name)
    sys.exit(f"bench: PostgreSQL's {name} was not found (install PostgreSQL's server package).")


def _run(program: str, *arguments: str, check: bool = True) -> int:
    """Run one of PostgreSQL's programs (as the server's user from a root shell) and return
    its exit status; its output goes to the server's log, not between the figures."""
    command = [_bin(program), *arguments]
    if os.geteuid() == 0:
        command = ["runuser", "-u", SERVER_USER, "--", *command]
    done = subprocess.run(command, capture_output=True, check=False)  # noqa: S603
    if check and done.returncode:
        sys.exit(f"bench: {program} failed:\n{done.stderr.decode(errors='replace')}")
    return done.returncode


def _running() -> bool:
    return _run("pg_ctl", "status", "-D", str(DATA), check=False) == 0


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def _prepare_folder() -> None:
    DATA.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        user = pwd.getpwnam(SERVER_USER)
        os.chown(DATA, user.pw_uid, user.pw_gid)
    DATA.chmod(0o700)


def url() -> str:
    """The server's URL (without a database), after starting it if it is not running."""
    if not _running():
        if not (DATA / "PG_VERSION").exists():
            _prepare_folder()
            _run("initdb", "-D", str(DATA), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        if not _port_free(PORT):
            sys.exit(
                f"bench: port {PORT} is taken by another server; set BENCH_PGPORT to a free one."
            )
        options = " ".join(f"-c {name}={value}" for name, value in settings().items())
        options += f" -p {PORT} -c listen_addresses=127.0.0.1 -c unix_socket_directories={DATA}"
        _run(
            "pg_ctl", "start", "-w", "-D", str(DATA), "-l", str(DATA / "server.log"), "-o", options
        )
    return f"postgres://postgres@127.0.0.1:{_port()}"


def _port() -> int:
    """The port the running server listens on (line 4 of ``postmaster.pid``)."""
    return int((DATA / "postmaster.pid").read_text().splitlines()[3])


def stop() -> None:
    if _running():
        _run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(DATA))


def describe(connection) -> str:
    """What the figures were measured on, read back from the server."""
    names = ("server_version", "shared_buffers", "effective_cache_size", "max_wal_size")
    shown = []
    for name in names:
        shown.append(f"{name}={connection.execute(f'SHOW {name}').fetchone()[0]}")  # noqa: S608
    return ", ".join(shown)


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop()
    else:
        print(url())
