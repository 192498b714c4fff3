"""The filter builder's conditions: read from the address bar, written back into links, sent
to the records API as filters and groups.

The address bar's scheme (README, "Filters in the address bar"), beside the panel's `f.<key>`,
`min.<key>`, `max.<key>` and `owner`, which keep applying too:

    match=any                       the top level holds if any (default: all) of its items do
    c1.field=price                  condition 1 of the top level: a field's key,
    c1.op=gte                       an operator of the records API (eq when left out),
    c1.value=250000                 and a value, unless the operator is exists / not_exists
    g1.match=any                    group 1: any or all of its conditions
    g1.c1.field=status              condition 1 of group 1 (and g1.c1.op, g1.c1.value)

Numbers run from 1 to 999 and may have gaps; links write them again as 1, 2, 3..., the
conditions first, then the groups, each in its number's order, and only the complete ones, so
that reading a link and writing it back gives the same link. The form also sends what links
never carry: `c1.was` (the field and operator its row was drawn with, so that choosing another
field resets the operator and value quietly instead of calling them wrong), `add` (c, g or g<N>:
a new empty row) and `remove` (c<N>, g<N> or g<N>.c<M>), the buttons that work without
JavaScript.

What cannot be used is left out and said (`problems`): an unknown field or operator, a value
that does not read for the field's type, a group inside a group, conditions past
MAX_CONDITIONS. Only what no form of ours sends is `refused` (the page answers 400): a builder
parameter given twice, or a value longer than its input takes.
"""

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.http import QueryDict
from django.utils.safestring import SafeString

from recordsadmin.client.domain import Filter, FilterGroup, Schema
from recordsadmin.contract.datatypes import OPERATORS, PRESENCE
from recordsadmin.records import fieldtypes, formatting
from recordsadmin.records.fieldtypes.base import MAX_CONDITION_TEXT, ConditionValueError
from recordsadmin.records.formatting import esc

# The messages about the builder's parameters on one page; the rest are counted.
MAX_PROBLEMS = 8
# Conditions in all, at the top level and in groups together: enough for any question a person
# builds by hand, and with the panel's filters still inside the records API's bound on one
# search (docs/records-api.md).
MAX_CONDITIONS = 20
ALL, ANY = "all", "any"
MATCHES = (ALL, ANY)

_NUMBER = r"[1-9][0-9]{0,2}"
_CONDITION = re.compile(rf"(?:g({_NUMBER})\.)?c({_NUMBER})\.(field|op|value|was)")
_GROUP_MATCH = re.compile(rf"g({_NUMBER})\.match")
_NESTED = re.compile(r"(g[0-9]+\.g[0-9]+)\..*")
# Anything else that looks like the builder's: said, not silently ignored.
_BUILDER_LIKE = re.compile(r"[cg][0-9]+\..*")
_REMOVE = re.compile(rf"(?:g({_NUMBER})(?:\.c({_NUMBER}))?|c({_NUMBER}))")


@dataclass(frozen=True)
class Condition:
    """One row of the builder: a field, an operator and the value as typed (`text`), read
    (`value`) for the search. A row without a value yet, or whose value does not read
    (`problem`), stays in the builder and is not sent."""

    field: str
    op: str
    text: str = ""
    value: Any = None
    problem: str = ""

    @property
    def complete(self) -> bool:
        return not self.problem and (self.op in PRESENCE or self.text != "")

    def filter(self) -> Filter:
        return Filter(self.field, self.op, None if self.op in PRESENCE else self.value)


@dataclass(frozen=True)
class Group:
    match: str = ANY
    conditions: tuple[Condition, ...] = ()

    @property
    def complete(self) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if c.complete)


@dataclass(frozen=True)
class Conditions:
    """The builder's question: conditions and groups at the top level, joined by `match`."""

    match: str = ALL
    conditions: tuple[Condition, ...] = ()
    groups: tuple[Group, ...] = ()

    @property
    def rows(self) -> int:
        """How many rows the builder shows, complete or not."""
        return len(self.conditions) + sum(len(g.conditions) for g in self.groups)

    @property
    def count(self) -> int:
        """How many conditions are sent."""
        return sum(1 for c in self.conditions if c.complete) + sum(
            len(g.complete) for g in self.groups
        )

    def filters(self) -> list[Filter | FilterGroup]:
        """The conditions as the search sends them, to be ANDed with the panel's filters."""
        items: list[Filter | FilterGroup] = [c.filter() for c in self.conditions if c.complete]
        for group in self.groups:
            members = tuple(c.filter() for c in group.complete)
            if members:
                items.append(FilterGroup("OR" if group.match == ANY else "AND", members))
        if self.match == ANY and len(items) > 1:
            return [FilterGroup("OR", tuple(items))]
        return items

    def pairs(self) -> list[tuple[str, str]]:
        """The complete conditions as query string pairs, numbered from 1 (module docstring)."""
        pairs: list[tuple[str, str]] = []
        conditions = [c for c in self.conditions if c.complete]
        groups = [g for g in self.groups if g.complete]
        if self.match == ANY and (conditions or groups):
            pairs.append(("match", ANY))
        for number, condition in enumerate(conditions, 1):
            pairs += _condition_pairs(f"c{number}", condition)
        for number, group in enumerate(groups, 1):
            pairs.append((f"g{number}.match", group.match))
            for inner, condition in enumerate(group.complete, 1):
                pairs += _condition_pairs(f"g{number}.c{inner}", condition)
        return pairs

    def without(self, group: int | None, index: int) -> "Conditions":
        """Without one condition: the `index`th of the top level (group None), or of a group
        (a group left empty goes too). Indexes count from 0 over all rows."""
        if group is None:
            kept = self.conditions[:index] + self.conditions[index + 1 :]
            return replace(self, conditions=kept)
        members = self.groups[group].conditions
        changed = replace(self.groups[group], conditions=members[:index] + members[index + 1 :])
        groups = list(self.groups)
        if changed.conditions:
            groups[group] = changed
        else:
            del groups[group]
        return replace(self, groups=tuple(groups))


def _condition_pairs(prefix: str, condition: Condition) -> list[tuple[str, str]]:
    pairs = [(f"{prefix}.field", condition.field), (f"{prefix}.op", condition.op)]
    if condition.op not in PRESENCE:
        pairs.append((f"{prefix}.value", condition.text))
    return pairs


@dataclass
class Reading:
    """What the address bar's builder parameters say: the conditions, what was left out and
    why, a reason to answer 400, and the id of the control to focus after a button's action."""

    conditions: Conditions = field(default_factory=Conditions)
    problems: list[str] = field(default_factory=list)
    refused: str = ""
    focus: str = ""


def read(schema: Schema, params: QueryDict) -> Reading:
    """The builder's conditions in `params` (module docstring), with the form's `add` or
    `remove` applied."""
    reading = Reading()
    top: dict[int, dict[str, str]] = {}
    groups: dict[int, dict] = {}
    nested: list[str] = []
    unknown: list[str] = []
    for name, values in params.lists():
        if not (_CONDITION.fullmatch(name) or _GROUP_MATCH.fullmatch(name)):
            if _NESTED.fullmatch(name):
                nested.append(_NESTED.fullmatch(name)[1])
            elif _BUILDER_LIKE.fullmatch(name):
                unknown.append(name)
            continue
        if len(values) > 1:
            reading.refused = f"“{name}” is given {len(values)} times."
            continue
        value = values[0]
        if len(value) > MAX_CONDITION_TEXT:
            reading.refused = f"“{name}” is longer than {MAX_CONDITION_TEXT} characters."
            continue
        if match := _GROUP_MATCH.fullmatch(name):
            groups.setdefault(int(match[1]), {"rows": {}})["match"] = value
            continue
        match = _CONDITION.fullmatch(name)
        rows = top if match[1] is None else groups.setdefault(int(match[1]), {"rows": {}})["rows"]
        rows.setdefault(int(match[2]), {})[match[3]] = value
    if nested:
        reading.problems.append(
            f"Groups hold conditions, not other groups: {named(nested)} left out."
        )
    if unknown:
        reading.problems.append(f"No part of a filter: {named(unknown)} left out.")
    if _remove(params.get("remove", ""), top, groups):
        reading.focus = "builder-add"
    reading.conditions = _conditions(schema, params.get("match"), top, groups, reading.problems)
    _add(schema, params.get("add", ""), reading)
    if len(reading.problems) > MAX_PROBLEMS:
        more = len(reading.problems) - MAX_PROBLEMS + 1
        reading.problems[MAX_PROBLEMS - 1 :] = [
            f"And {more} more parts of the filter were left out."
        ]
    return reading


def is_builder_name(name: str) -> bool:
    """Whether `name` is one of the builder's parameters in a link (module docstring)."""
    return name == "match" or bool(_CONDITION.fullmatch(name) or _GROUP_MATCH.fullmatch(name))


def left_out(schema: Schema, params: QueryDict) -> list[str]:
    """The field of each of the builder's conditions in `params` that `read` leaves out today
    (a field the schema does not have, or an operator or value that does not fit it), in the
    address's order. Each condition is read by itself, not compared pair by pair: links number
    the kept ones again, which would read as changed."""
    rows: dict[tuple[str | None, str], dict[str, str]] = {}
    for name, value in params.items():
        if match := _CONDITION.fullmatch(name):
            rows.setdefault((match[1], match[2]), {})[match[3]] = value
    found = []
    for row in rows.values():
        condition = _condition(schema, row, "", [])
        if condition is None or not condition.complete:
            found.append(row.get("field", "").strip())
    return found


def named(names: list[str]) -> str:
    """Names from the address in a sentence, a few of them and cut short: "“g1.g2”, “g3.g1”
    and 4 more were"."""
    shown = [f"“{name[:40]}”" for name in dict.fromkeys(names)]
    if len(shown) == 1:
        return f"{shown[0]} was"
    more = len(shown) - 3
    listed = ", ".join(shown[:3]) + (f" and {more} more" if more > 0 else "")
    return f"{listed} were"


def _remove(action: str, top: dict, groups: dict) -> bool:
    """The form's remove button, by the numbers the form was drawn with; whether it removed
    anything."""
    match = _REMOVE.fullmatch(action)
    if not match:
        return False
    group, inner, alone = match.groups()
    if alone:
        return top.pop(int(alone), None) is not None
    if inner:
        return groups.get(int(group), {"rows": {}})["rows"].pop(int(inner), None) is not None
    return groups.pop(int(group), None) is not None


def _conditions(
    schema: Schema, match: str | None, top: dict, groups: dict, problems: list[str]
) -> Conditions:
    room = [MAX_CONDITIONS]
    conditions = _rows(schema, top, "Condition", room, problems)
    built = []
    for position, number in enumerate(sorted(groups), 1):
        group = groups[number]
        label = f"Group {position}, condition"
        rows = _rows(schema, group["rows"], label, room, problems)
        if rows:
            built.append(
                Group(_match(group.get("match"), ANY, f"Group {position}", problems), rows)
            )
    dropped = -room[0]
    if dropped > 0:
        problems.append(
            f"At most {MAX_CONDITIONS} conditions: {dropped} more "
            f"{'was' if dropped == 1 else 'were'} left out."
        )
    return Conditions(_match(match, ALL, "The conditions", problems), conditions, tuple(built))


def _match(value: str | None, default: str, whose: str, problems: list[str]) -> str:
    if value is None or value == "":
        return default
    if value in MATCHES:
        return value
    problems.append(f"{whose}: match “{value[:40]}” is neither all nor any; {default} is used.")
    return default


def _rows(schema, rows: dict, label: str, room: list[int], problems) -> tuple[Condition, ...]:
    found = []
    for number in sorted(rows):
        condition = _condition(schema, rows[number], f"{label} {len(found) + 1}", problems)
        if condition is None:
            continue
        room[0] -= 1
        if room[0] >= 0:
            found.append(condition)
    return tuple(found)


def _condition(schema: Schema, row: dict[str, str], label: str, problems) -> Condition | None:
    """One row read for its field's type; None (and a problem) when it cannot be shown."""
    key = row.get("field", "").strip()
    f = schema.field(key) if key else None
    if f is None:
        what = f"there is no field “{key[:40]}”" if key else "it names no field"
        problems.append(f"{label}: {what}; it was left out.")
        return None
    kind = fieldtypes.of(f)
    # The field and operator its row showed: changed in the form, the rest is reset quietly.
    shown_field, _, shown_op = row.get("was", "").rpartition(":")
    changed = "was" in row and (shown_field != key or shown_op != row.get("op"))
    op = row.get("op", "").strip() or kind.operators[0]
    if op not in kind.operators:
        if changed:
            op = kind.operators[0]
        else:
            why = "unknown operator" if op not in OPERATORS else f"{f.name} has no operator"
            problems.append(f"{label}: {why} “{op[:40]}”; it was left out.")
            return None
    if op in PRESENCE:
        return Condition(key, op)
    text = formatting.one_line(row.get("value", ""))
    if not text:
        return Condition(key, op)
    try:
        value = kind.condition_value(op, text)
    except ConditionValueError as error:
        if changed:
            return Condition(key, op)
        problems.append(f"{label} ({f.name} {kind.operator_text(op)}): {error}; it was left out.")
        return Condition(key, op, text, problem=f"{error}.")
    return Condition(key, op, kind.condition_param(op, value), value)


def _add(schema: Schema, action: str, reading: Reading) -> None:
    """The form's add buttons: an empty row for the first field, at the top level (c), in a new
    group (g) or in group N (g<N>); its field's list takes focus."""
    if not action or not schema.fields:
        return
    conditions = reading.conditions
    if action not in ("c", "g") and not re.fullmatch(rf"g{_NUMBER}", action):
        return
    if conditions.rows >= MAX_CONDITIONS:
        reading.problems.append(f"At most {MAX_CONDITIONS} conditions: none was added.")
        return
    first = schema.fields[0]
    empty = Condition(first.key, fieldtypes.of(first).operators[0])
    if action == "c":
        rows = (*conditions.conditions, empty)
        reading.conditions = replace(conditions, conditions=rows)
        reading.focus = f"c{len(rows)}-field"
        return
    groups = list(conditions.groups)
    if action == "g":
        groups.append(Group(ANY, (empty,)))
        number = len(groups)
    else:
        number = int(action[1:])
        if number > len(groups):
            return
        groups[number - 1] = replace(
            groups[number - 1], conditions=(*groups[number - 1].conditions, empty)
        )
    reading.conditions = replace(conditions, groups=tuple(groups))
    reading.focus = f"g{number}-c{len(groups[number - 1].conditions)}-field"


# -- the builder on the page, and the conditions in words ----------------------------------------


def builder(schema: Schema, conditions: Conditions, *, focus: str = "") -> dict:
    """What templates/records/_filter_builder.html draws: every row with its controls' names,
    ids and choices (their <option>s as HTML, made here: a builder of 20 rows holds hundreds),
    the groups, and whether another row fits."""
    fields = [(f.key, f.name) for f in schema.fields]
    top = [
        _row(schema, fields, f"c{n}", f"Condition {n}", c, focus)
        for n, c in enumerate(conditions.conditions, 1)
    ]
    groups = [
        {
            "id": f"g{g}",
            "name": f"g{g}",
            "number": g,
            "match": group.match,
            "rows": [
                _row(schema, fields, f"g{g}.c{n}", f"Group {g}, condition {n}", c, focus)
                for n, c in enumerate(group.conditions, 1)
            ],
        }
        for g, group in enumerate(conditions.groups, 1)
    ]
    return {
        "match": conditions.match,
        "rows": top,
        "groups": groups,
        "items": len(top) + len(groups),
        "room": conditions.rows < MAX_CONDITIONS,
        "limit": MAX_CONDITIONS,
        "focus": focus,
        "state": state(schema, conditions),
        "maxlength": MAX_CONDITION_TEXT,
        # Every field's operators, for the page to show a row's at once when its field is
        # changed (static/js/filters.js), before the row is drawn again here.
        "operators": json.dumps(
            {f.key: _operators(fieldtypes.of(f)) for f in schema.fields}, separators=(",", ":")
        ),
    }


def state(schema: Schema, conditions: Conditions) -> str:
    """What the builder is made of, but for the operators and values chosen in its controls,
    which the page shows as the user left them. A redrawn builder is sent and swapped in only
    when this differs (a row came or went, a field changed and its value input with it, a
    value was refused; views/browse.py, static/js/filters.js): typing in a list is not cut
    short, and a table redrawn for another page or sort costs no builder."""

    def shape(c: Condition) -> tuple:
        kind = fieldtypes.of(schema.field(c.field)).condition_input(c.op)
        return c.field, kind and kind["kind"], c.problem

    items = len(conditions.conditions) + len(conditions.groups)
    made_of = (
        conditions.match if items > 1 else "",
        [shape(c) for c in conditions.conditions],
        [(g.match, [shape(c) for c in g.conditions]) for g in conditions.groups],
        conditions.rows < MAX_CONDITIONS,
    )
    return hashlib.blake2b(repr(made_of).encode(), digest_size=8).hexdigest()


def _options(choices: Iterable[tuple[str, str]], chosen: str) -> SafeString:
    return SafeString(
        "".join(
            f'<option value="{esc(value)}"{" selected" if value == chosen else ""}>'
            f"{esc(text)}</option>"
            for value, text in choices
        )
    )


def _operators(kind) -> list[tuple[str, str]]:
    """A field type's operators, each with its words: a row's list, and the page's copy of
    every field's (static/js/filters.js)."""
    return [(op, kind.operator_text(op)) for op in kind.operators]


def _row(schema: Schema, fields, name: str, label: str, condition: Condition, focus) -> dict:
    f = schema.field(condition.field)
    kind = fieldtypes.of(f)
    row_id = name.replace(".", "-")
    value_input = kind.condition_input(condition.op)
    operators = _operators(kind)
    return {
        "name": name,
        "id": row_id,
        "focus": focus == f"{row_id}-field",
        "label": label,
        "field_options": _options(fields, condition.field),
        "op_options": _options(operators, condition.op),
        "input": value_input,
        "value_options": _options(value_input.get("options", ()), condition.text)
        if value_input
        else "",
        "text": condition.text,
        "problem": condition.problem,
        "was": f"{condition.field}:{condition.op}",
    }


def sentence(schema: Schema, condition: Condition) -> str:
    """A condition in words: "Price is at least $250,000.00"."""
    f = schema.field(condition.field)
    kind = fieldtypes.of(f)
    words = f"{f.name} {kind.operator_text(condition.op)}"
    if condition.op in PRESENCE:
        return words
    return f"{words} {kind.condition_text(condition.op, condition.value)}"


def in_words(schema: Schema, conditions: Conditions) -> str:
    """The sent conditions as one phrase, groups in brackets: "Price is at least $1.00 and
    (Status is Sold or Status is Pending)"."""

    def joined(parts: Iterable[str], match: str) -> str:
        return (" or " if match == ANY else " and ").join(parts)

    parts = [sentence(schema, c) for c in conditions.conditions if c.complete]
    for group in conditions.groups:
        members = [sentence(schema, c) for c in group.complete]
        if len(members) > 1:
            parts.append(f"({joined(members, group.match)})")
        elif members:
            parts.append(members[0])
    return joined(parts, conditions.match)
