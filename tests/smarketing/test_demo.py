"""The demo path of ``make run`` on SQLite, so that it never rots."""

import contextlib
import socket

from smarketing.management.commands.run_demo import DEFAULT_PORT, _port_choose
from tests.helpers import manage


def test_a_fresh_demo_database_migrates_and_prints_the_logins(tmp_path):
    env = {"SMARKETING_VAR_DIR": str(tmp_path)}
    assert manage("migrate", "--noinput", env=env, timeout=300).returncode == 0
    result = manage("load_demo", env=env)
    assert result.returncode == 0, result.stderr
    assert "Demo logins (password: demo):" in result.stdout
    for username in ("admin", "marketing", "sales", "manager"):
        assert f"  {username}" in result.stdout
    check = manage(
        "shell",
        "-v",
        "0",
        "-c",
        # With a request, as the login page authenticates (login throttling needs one).
        "from django.contrib.auth import authenticate; from django.test import RequestFactory;"
        "user = authenticate(RequestFactory().post('/accounts/login/'), username='manager', password='demo');"
        "print(sorted(g.name for g in user.groups.all()))",
        env=env,
    )
    assert check.stdout.strip() == "['sales_manager']"


def test_run_demo_refuses_a_port_that_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        result = manage("run_demo", "--port", str(port), env={"SMARKETING_VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert f"Port {port} on 127.0.0.1 is taken" in result.stderr


def test_run_demo_serves_on_a_free_port_asked_for():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert _port_choose("127.0.0.1", port) == port


def test_without_a_port_run_demo_takes_a_free_one_when_8000_is_taken():
    with socket.socket() as holder:
        with contextlib.suppress(OSError):  # already taken by another program: just as good
            holder.bind(("127.0.0.1", DEFAULT_PORT))
        port = _port_choose("127.0.0.1", None)
    assert port != DEFAULT_PORT
