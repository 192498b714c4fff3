"""GoHighLevel's official OpenAPI files, kept in tests/records/ghl-openapi/ (CC0, see SOURCE.txt
there)."""

import json
from pathlib import Path

OFFICIAL = Path(__file__).resolve().parents[1] / "records" / "ghl-openapi"
# How the files of apps/ point at the schemas of the common file.
COMMON_REF = "../common/common-schemas.json#"


def official_file(name: str) -> dict:
    """One file as it is, `name` relative to the folder ("apps/objects.json")."""
    return json.loads((OFFICIAL / name).read_text())


def official_spec(name: str) -> dict:
    """One file of apps/ as a document that stands alone: the common file's schemas are added
    to its own (its own win a name both define) and its references to them are made local."""
    spec = official_file(name)
    common = official_file("common/common-schemas.json")["components"]["schemas"]
    spec["components"]["schemas"] = {**common, **spec["components"]["schemas"]}
    return json.loads(json.dumps(spec).replace(COMMON_REF, "#"))
