"""manage.py sandbox_location NAME [--location-id ID] [--token TOKEN]: a new, empty location."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from recordsadmin.sandbox.models import ApiToken, Location, TokenTaken, new_id


class Command(BaseCommand):
    help = "Create a location of the embedded records API and print its token (shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="The location's name, e.g. 'Acme Realty'")
        parser.add_argument("--location-id", default="", help="Its id (default: a random one)")
        parser.add_argument("--token", default="", help="Its token (default: a random one)")

    def handle(self, *args, name: str, location_id: str, token: str, **options):
        location_id = location_id or new_id()
        with transaction.atomic():
            if Location.objects.filter(id=location_id).exists():
                raise CommandError(f"A location with the id {location_id} exists already.")
            location = Location.objects.create(id=location_id, name=name)
            try:
                token = ApiToken.issue(location, label="sandbox_location", token=token)
            except TokenTaken as exc:
                raise CommandError(f"--token: {exc} A token belongs to one location.") from None
        self.stdout.write(f"Location: {location.name} ({location.id})")
        self.stdout.write(f"Token:    {token}")
        self.stdout.write("The token is stored hashed; this is the only time it is shown.")
