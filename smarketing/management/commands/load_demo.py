from django.core.management.base import BaseCommand

from smarketing.demo import demo_load, demo_logins_text


class Command(BaseCommand):
    help = "Create the demo users and demo data that are missing (embedded demo only)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(demo_logins_text(demo_load()))
