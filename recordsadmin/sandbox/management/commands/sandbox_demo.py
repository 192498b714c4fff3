"""manage.py sandbox_demo [--records N] [--contacts N] [--force]: the demo location, loaded
once."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from recordsadmin.sandbox import credentials
from recordsadmin.sandbox.demo import CONTACTS, PROPERTY_KEY, create_demo_location
from recordsadmin.sandbox.indexing import ensure_property_indexes
from recordsadmin.sandbox.models import (
    ApiToken,
    Location,
    ObjectSchema,
    Relation,
    TokenTaken,
    hash_token,
)


class Command(BaseCommand):
    help = (
        "Load the embedded records API's demo location (users, the Property and Showing objects, "
        "records, contacts, and relations of properties to buyers and showings) unless it is "
        "there already. Its id and token come from SANDBOX_LOCATION_ID "
        "and SANDBOX_TOKEN, or from the credentials file, or are made up and saved there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=2000, help="Properties (default 2000)")
        parser.add_argument(
            "--contacts",
            type=int,
            default=None,
            help=f"Contacts (default: as many as properties, at most {CONTACTS})",
        )
        parser.add_argument("--seed", type=int, default=0, help="Seed of the demo data")
        parser.add_argument(
            "--force", action="store_true", help="Delete the demo location and build it again"
        )
        parser.add_argument(
            "--no-indexes",
            dest="indexes",
            action="store_false",
            help="Skip, for now, the per-property indexes that make sorting large listings "
            "fast (the next migrate or schema change through the API makes them)",
        )

    def handle(self, *args, **options):
        try:
            self._load(*args, **options)
        except TokenTaken as exc:
            raise CommandError(
                f"The demo token (SANDBOX_TOKEN): {exc} A token belongs to one location: "
                "give this one its own."
            ) from None

    def _load(
        self,
        *args,
        records: int,
        contacts: int | None,
        seed: int,
        force: bool,
        indexes: bool,
        **options,
    ):
        if records < 0:
            raise CommandError("--records must be 0 or more.")
        if contacts is not None and contacts < 0:
            raise CommandError("--contacts must be 0 or more.")
        from_settings = bool(settings.SANDBOX_LOCATION_ID and settings.SANDBOX_TOKEN)
        saved = credentials.load()
        location_id = settings.SANDBOX_LOCATION_ID or (saved[0] if saved else None)
        token = settings.SANDBOX_TOKEN or (saved[1] if saved and saved[0] == location_id else None)
        if token:
            # Before --force deletes anything: the token must not be another location's.
            bound = ApiToken.objects.filter(token_hash=hash_token(token))
            elsewhere = bound.exclude(location_id=location_id).first()
            if elsewhere:
                raise TokenTaken(elsewhere.location_id)
        location = Location.objects.filter(id=location_id).first() if location_id else None
        loaded = ObjectSchema.objects.filter(location=location, key=PROPERTY_KEY).exists()

        if location and loaded and not force:
            token = self._ensure_token(location, token)
            self.stdout.write(
                f"The demo location {location.id} is loaded already (--force rebuilds it)."
            )
        else:
            if location and force:
                with transaction.atomic():
                    location.delete()
            started = time.monotonic()
            location, token = create_demo_location(
                location_id=location_id,
                token=token,
                records=records,
                seed=seed,
                contacts=contacts,
            )
            elapsed = time.monotonic() - started
            self.stdout.write(
                f"Loaded the demo location {location.id}: {records} properties, "
                f"{records // 10} showings, {location.contacts.count()} contacts, "
                f"{Relation.objects.filter(location=location).count()} relations "
                f"in {elapsed:.1f} s."
            )
        if indexes:
            started = time.monotonic()
            created = [
                name
                for obj in ObjectSchema.objects.filter(location=location).prefetch_related("fields")
                for name in ensure_property_indexes(obj)
            ]
            if created:
                elapsed = time.monotonic() - started
                self.stdout.write(f"Created {len(created)} property indexes in {elapsed:.1f} s.")
        if not from_settings:
            path = credentials.save(location.id, token)
            if not saved or saved != (location.id, token):
                self.stdout.write(f"Token: {token}")
            self.stdout.write(f"The dashboard reads the token from {path}.")

    def _ensure_token(self, location: Location, token: str | None) -> str:
        if (
            token
            and ApiToken.objects.filter(location=location, token_hash=hash_token(token)).exists()
        ):
            return token
        # The plaintext is lost (or belongs elsewhere): issue one the dashboard can use.
        return ApiToken.issue(location, label="demo", token=token or "")
