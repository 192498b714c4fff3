"""The records API's limits and reserved names, as docs/records-api.md states them."""

import re

API_VERSION = "2021-07-28"
CUSTOM_OBJECT_PREFIX = "custom_objects."

# Search: the text query's length, and the page size (POST `pageLimit`, GET `limit`).
MAX_QUERY_LENGTH = 75
DEFAULT_PAGE_LIMIT = 20
MAX_PAGE_LIMIT = 100
MAX_SORT_KEYS = 3
# POST search's last page, whatever pageLimit is (offsets go up to 10**9 at 100 a page).
MAX_SEARCH_PAGE = 10_000_001

# A record's own fields. Search reads these bare names as the record's, not as properties, so
# no field key may take one of them.
CREATED_AT = "createdAt"
UPDATED_AT = "updatedAt"
TIMESTAMP_FIELDS = frozenset({CREATED_AT, UPDATED_AT})
OWNER = "owner"
FOLLOWERS = "followers"
RESERVED_KEYS = frozenset({"id", OWNER, FOLLOWERS, CREATED_AT, UPDATED_AT})
MAX_OWNERS = 1
MAX_FOLLOWERS = 10

# The real service runs on JavaScript: a number past 2**53 does not survive the round trip.
MAX_SAFE_INTEGER = 2**53 - 1
MAX_TEXT_LENGTH = 100_000

# A phone number: 3 to 15 digits, with an optional leading +, spaces, dashes and brackets.
PHONE_PATTERN = re.compile(r"\+?[0-9 ()\-]+")
PHONE_DIGITS = (3, 15)
PHONE_RULE = "3 to 15 digits, with an optional leading +, spaces, dashes and brackets"
# The longest phone number and email address the API keeps (a contact's, a field's value).
MAX_PHONE_LENGTH = 40
MAX_EMAIL_LENGTH = 254

# Names people read: object labels, field, folder and option labels, association labels.
MAX_LABEL_LENGTH = 100
MAX_PLACEHOLDER_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 2000
# The <name> part of an object key, a field key or an association key (letters, digits, _).
MAX_KEY_LENGTH = 100
KEY_NAME = re.compile(r"[A-Za-z0-9_]+")
KEY_NAME_RULE = "letters, digits and _ only (no spaces)"

# Associations link a custom object to another one or to contacts; relations link two records.
CONTACT = "contact"
ASSOCIATION_TYPE = "USER_DEFINED"

# Per location: custom objects, and the rate limit every app shares (calls per window, per day).
MAX_OBJECTS = 10
RATE_LIMIT_CALLS = 100
RATE_LIMIT_SECONDS = 10
DAILY_LIMIT = 200_000


def is_phone(value: object) -> bool:
    """Whether the API takes `value` as a phone number."""
    if not isinstance(value, str) or not PHONE_PATTERN.fullmatch(value):
        return False
    low, high = PHONE_DIGITS
    return low <= sum(c.isdigit() for c in value) <= high
