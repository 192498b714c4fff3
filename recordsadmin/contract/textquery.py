"""Field-scoped text queries: `key:value` in search's `query` (docs/records-api.md).

The official description of `query` names a searchable property before a colon: `name:Buddy`
looks for Buddy in the pets' names only. Both sides read a query the same way here: the
embedded API to search one field, the dashboard to say so in its chip and to mark the value.

What is assumed where public material is silent (docs/differences.md):
- the key is a searchable property's bare record key (`name`), in any letter case;
- the value is everything after the first colon, trimmed, quotes included: no quoting syntax
  is documented, so `name:"Buddy Holly"` looks for the quote marks too;
- a key that is not a searchable property (unknown, or a field that is not searchable) makes
  no scope: the whole query, `key:` included, is plain text.
"""

import dataclasses
import re
from collections.abc import Iterable

# A key is the text before the first colon, with no space in it.
_SCOPED = re.compile(r"(?P<key>[^\s:]+):(?P<value>.*)", re.DOTALL)


@dataclasses.dataclass(frozen=True)
class TextQuery:
    """A query as search reads it: `text` to look for, in the property `key` or ("") in every
    searchable property."""

    text: str
    key: str = ""


def read(query: str, searchable: Iterable[str]) -> TextQuery:
    """`query` (already trimmed) as plain text, or scoped to one of the `searchable` keys."""
    match = _SCOPED.fullmatch(query)
    if match:
        wanted = match["key"].lower()
        for key in searchable:
            if key.lower() == wanted:
                return TextQuery(match["value"].strip(), key)
    return TextQuery(query)
