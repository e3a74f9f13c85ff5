import socket

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from smarketing.demo import demo_load, demo_logins_text

DEFAULT_PORT = 8000


def _port_free(host: str, port: int) -> int | None:
    """``port`` if it can be bound on ``host`` (0: the one the operating system picks)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return None
        return probe.getsockname()[1]


def _port_choose(host: str, asked: int | None) -> int:
    """The port asked for, which must be free; else 8000, or a free one if that is taken."""
    if asked is not None:
        if _port_free(host, asked) is None:
            raise CommandError(f"Port {asked} on {host} is taken; choose another (PORT=…).")
        return asked
    port = _port_free(host, DEFAULT_PORT) or _port_free(host, 0)
    if port is None:
        raise CommandError(f"No free port on {host}.")
    return port


class Command(BaseCommand):
    help = "Migrate, load the demo data when missing, and serve the portal (the embedded demo)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--port",
            type=int,
            default=None,
            help=f"The port to serve on (default: {DEFAULT_PORT}, or a free one if taken).",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("run_demo is the local demo; with DEBUG off use gunicorn.")
        host = options["host"]
        port = _port_choose(host, options["port"])  # a taken port stops it before any work
        call_command("migrate", interactive=False, verbosity=0)
        users = demo_load()
        self.stdout.write(self.style.SUCCESS(f"\nSmarketing is running at http://{host}:{port}/"))
        self.stdout.write(demo_logins_text(users) + "\n")
        call_command("runserver", f"{host}:{port}", use_reloader=False)
