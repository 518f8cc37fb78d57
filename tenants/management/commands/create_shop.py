from django.core.management.base import BaseCommand, CommandError

from marketplace.accounts.models import User
from marketplace.errors import ApplicationError
from tenants.services import shop_create


class Command(BaseCommand):
    help = "Create a shop owned by an existing user."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("slug")
        parser.add_argument("--name", required=True)
        parser.add_argument("--owner", required=True, help="email of the owner")

    def handle(self, *args: object, **options: str) -> None:
        owner = User.objects.filter(email__iexact=options["owner"]).first()
        if owner is None:
            raise CommandError(f"No user with email {options['owner']}")
        try:
            shop = shop_create(name=options["name"], slug=options["slug"], owner=owner)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"created shop {shop.slug} (schema {shop.schema_name})")
