"""A scripted records API (the stub) answering like the real service, for dashboard tests."""

from tests.support.stub import Reply, Seen, Stub

KEY = "custom_objects.property"
LOCATION = "loc-dashboard-tests"
TOKEN = "pit-dashboard-secret-token-0123456789"

PROPERTY = {
    "object": {
        "id": "obj1",
        "key": KEY,
        "labels": {"singular": "Property", "plural": "Properties"},
        "description": "Homes for sale",
        "primaryDisplayProperty": f"{KEY}.address",
        "requiredProperties": [f"{KEY}.address", f"{KEY}.price", f"{KEY}.status"],
        "searchableProperties": [f"{KEY}.address"],
    },
    "fields": [
        {"fieldKey": f"{KEY}.address", "name": "Address", "dataType": "TEXT", "position": 0},
        {"fieldKey": f"{KEY}.price", "name": "Price", "dataType": "MONETORY", "position": 1},
        {
            "fieldKey": f"{KEY}.status",
            "name": "Status",
            "dataType": "SINGLE_OPTIONS",
            "position": 2,
            "options": [
                {"key": "active", "label": "Active"},
                {"key": "pending", "label": "Pending"},
                {"key": "sold", "label": "Sold"},
            ],
        },
        {"fieldKey": f"{KEY}.listed_on", "name": "Listed on", "dataType": "DATE", "position": 3},
        {
            "fieldKey": f"{KEY}.brochure",
            "name": "Brochure",
            "dataType": "FILE_UPLOAD",
            "position": 4,
        },
        {"fieldKey": f"{KEY}.bedrooms", "name": "Bedrooms", "dataType": "NUMERICAL", "position": 5},
        {
            "fieldKey": f"{KEY}.features",
            "name": "Features",
            "dataType": "MULTIPLE_OPTIONS",
            "position": 6,
            "options": [{"key": "pool", "label": "Pool"}, {"key": "garage", "label": "Garage"}],
        },
    ],
}
USERS = {"users": [{"id": "u1", "name": "Maya Patel", "email": "maya@example.com"}]}


def record(n: int, **properties) -> dict:
    return {
        "id": f"rec{n}",
        "properties": {
            "address": f"{n} Main Street",
            "price": 100000 + n,
            "status": "active",
            **properties,
        },
        "owners": ["u1"],
        "dateAdded": "2026-03-07T12:00:00Z",
        "dateUpdated": "2026-03-08T12:00:00Z",
    }


class FakeService:
    """Answers like the real service; `records` and `total` set what a search returns."""

    def __init__(self, stub: Stub) -> None:
        self.stub = stub
        self.records = [record(n) for n in range(1, 26)]
        self.total = 3412
        self.search = None  # a Reply to answer searches with instead
        # The object's schema and the location's users, as GET /objects/{key} and /users/ give.
        self.schema = PROPERTY
        self.users = USERS
        stub.router = self.route

    def route(self, seen: Seen) -> Reply:
        if seen.path == "/objects/" and seen.method == "GET":
            return Reply(200, json={"objects": [self.schema["object"]]})
        if seen.path == f"/objects/{KEY}" and seen.method == "GET":
            return Reply(200, json=self.schema)
        if seen.path == "/users/":
            return Reply(200, json=self.users)
        found = [r for r in self.records if seen.path == f"/objects/{KEY}/records/{r['id']}"]
        if found and seen.method == "GET":
            return Reply(200, json={"record": found[0]})
        if seen.path == f"/objects/{KEY}/records/search":
            return self.search or Reply(
                200, json={"records": self.records, "total": self.total, "traceId": "t"}
            )
        return Reply(
            404, json={"statusCode": 404, "message": f"Custom Object ({seen.path}) not found"}
        )

    def searches(self) -> list[dict]:
        return [seen.json for seen in self.stub.requests if seen.path.endswith("/records/search")]
