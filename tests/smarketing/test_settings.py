"""The three set-ups: the embedded demo, PostgreSQL + Redis, and production."""

from tests.helpers import PRODUCTION_ENV, manage

SHOW_SETUP = (
    "from django.conf import settings as s;"
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.DEBUG)"
)


def test_nothing_set_runs_the_embedded_demo_on_sqlite_with_in_process_tasks(tmp_path):
    result = manage("shell", "-v", "0", "-c", SHOW_SETUP, env={"SMARKETING_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "True"]


def test_the_demo_secret_is_generated_once_and_kept(tmp_path):
    show_key = "from django.conf import settings; print(settings.SECRET_KEY)"
    first = manage("shell", "-v", "0", "-c", show_key, env={"SMARKETING_VAR_DIR": str(tmp_path)})
    second = manage("shell", "-v", "0", "-c", show_key, env={"SMARKETING_VAR_DIR": str(tmp_path)})
    assert first.stdout == second.stdout
    assert len(first.stdout.strip()) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_database_and_broker_urls_select_postgresql_and_real_workers(tmp_path):
    env = {
        "SMARKETING_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/smarketing",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    result = manage("shell", "-v", "0", "-c", SHOW_SETUP, env=env)
    assert result.stdout.split() == ["django.db.backends.postgresql", "False", "True"]


def test_production_without_secret_key_names_it(tmp_path):
    env = {**PRODUCTION_ENV, "SECRET_KEY": "", "SMARKETING_VAR_DIR": str(tmp_path)}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_without_allowed_hosts_names_it(tmp_path):
    env = {**PRODUCTION_ENV, "ALLOWED_HOSTS": "", "SMARKETING_VAR_DIR": str(tmp_path)}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set when DEBUG is off" in result.stderr


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = {**PRODUCTION_ENV, "SMARKETING_VAR_DIR": str(tmp_path)}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
