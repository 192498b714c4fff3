"""The dashboard pointed at its own embedded API, holding a new demo location."""

from recordsadmin.sandbox.demo import create_demo_location

from .apis import use_records_api


def use_embedded_demo(settings, url: str, *, records: int, **more):
    """A new demo location in the embedded API, with the dashboard pointed at `url`."""
    location, token = create_demo_location(records=records, seed=1)
    use_records_api(settings, url=url, SANDBOX_LOCATION_ID=location.id, SANDBOX_TOKEN=token, **more)
    return location, token
