"""The table's association columns and bulk linking, against the embedded API's demo location
through a recording proxy (tests/facets/conftest.py) that counts the calls."""

from tests.facets.conftest import api as api
from tests.facets.conftest import prop as prop
