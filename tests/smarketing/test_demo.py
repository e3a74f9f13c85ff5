"""The demo path of ``make run`` on SQLite, so that it never rots."""

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
        "from django.contrib.auth import authenticate;"
        "print(sorted(g.name for g in authenticate(username='manager', password='demo').groups.all()))",
        env=env,
    )
    assert check.stdout.strip() == "['sales_manager']"
