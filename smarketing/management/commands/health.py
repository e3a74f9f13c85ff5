from django.core.management.base import BaseCommand, CommandError

from smarketing.health import health_check


class Command(BaseCommand):
    help = "Report the database, the cache, the broker and whether a Celery worker answered."

    def handle(self, *args, **options) -> None:
        results = health_check()
        for result in results:
            style = self.style.SUCCESS if result.ok else self.style.ERROR
            self.stdout.write(
                f"{result.name:<9} {style('ok' if result.ok else 'DOWN')}  {result.detail}"
            )
        down = [result.name for result in results if not result.ok]
        if down:
            raise CommandError(f"Unhealthy: {', '.join(down)}.")
