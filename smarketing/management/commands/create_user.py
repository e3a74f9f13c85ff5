import getpass

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from smarketing.accounts import user_create
from smarketing.roles import Role


class Command(BaseCommand):
    help = "Create a user with one role: create_user --role sales alice --email alice@example.com"

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=[role.value for role in Role])
        parser.add_argument("--email", default="")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--password",
            help="The password (asked for when omitted; avoid passing it on shared machines).",
        )

    def handle(self, *args, **options) -> None:
        password = options["password"] or self._ask_password()
        try:
            user = user_create(
                username=options["username"],
                role=Role(options["role"]),
                password=password,
                email=options["email"],
                first_name=options["first_name"],
                last_name=options["last_name"],
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(self.style.SUCCESS(f"Created {user.username} ({options['role']})."))

    def _ask_password(self) -> str:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Password (again): "):
            raise CommandError("The two passwords differ.")
        return password
