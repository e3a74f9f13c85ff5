import socket

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from smarketing.demo import demo_load, demo_logins_text


def _free_port(host: str, preferred: int) -> int:
    """The preferred port if it is free, else one the operating system picks."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise CommandError(f"No free port on {host}.")


class Command(BaseCommand):
    help = "Migrate, load the demo data when missing, and serve the portal (the embedded demo)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("run_demo is the local demo; with DEBUG off use gunicorn.")
        call_command("migrate", interactive=False, verbosity=0)
        users = demo_load()
        host = options["host"]
        port = _free_port(host, options["port"])
        self.stdout.write(self.style.SUCCESS(f"\nSmarketing is running at http://{host}:{port}/"))
        self.stdout.write(demo_logins_text(users) + "\n")
        call_command("runserver", f"{host}:{port}", use_reloader=False)
