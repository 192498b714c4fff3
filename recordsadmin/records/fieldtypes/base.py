"""The dashboard's behaviour for one dataType: the base every type's class builds on.

A `FieldType` is bound to one field of a schema (`fieldtypes.of(field)`) and says everything
the dashboard does with that field's values: the form field and its initial value, the one
spelling values compare in, the HTML of a table cell and of the record page, the text of a link
and of a summary, a CSV cell both ways, and the table's filter control for it. The facts it
shares with the embedded API (list-valued? options? sortable?) come from the contract
(`field.rule`, recordsadmin/contract/datatypes.py).
"""

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.utils.safestring import SafeString

from recordsadmin.client.domain import Field, Filter
from recordsadmin.contract.datatypes import (
    CONTAINS,
    EQ,
    EXISTS,
    GT,
    GTE,
    LT,
    LTE,
    NOT_CONTAINS,
    NOT_EQ,
    NOT_EXISTS,
    PRESENCE,
)
from recordsadmin.contract.limits import MAX_TEXT_LENGTH
from recordsadmin.records import formatting
from recordsadmin.records.formatting import EMPTY, is_empty

# A CSV cell holding several values separates them with this.
LIST_SEPARATOR = ";"

# How an imported file writes its dates (the import's "Dates are written as"): the order's
# name, its strptime format, and 15 February 2026 written so. ISO (year-month-day) is always
# read as well: it is what the export writes.
YMD, MDY, DMY = "ymd", "mdy", "dmy"
DAY_ORDERS = {
    YMD: ("year-month-day", "%Y-%m-%d", "2026-02-15"),
    MDY: ("month/day/year", "%m/%d/%Y", "02/15/2026"),
    DMY: ("day/month/year", "%d/%m/%Y", "15/02/2026"),
}


# The filter builder lists a type's operators in this order.
OPERATOR_ORDER = (EQ, NOT_EQ, CONTAINS, NOT_CONTAINS, GT, GTE, LT, LTE, NOT_EXISTS, EXISTS)
# The longest value a builder condition takes (its input's maxlength).
MAX_CONDITION_TEXT = 200


class ConditionValueError(ValueError):
    """A builder condition's value that does not read for its field; the message says why."""


def plain_text(text: str) -> str:
    """Text as the form holds it: LF line ends (browsers post a textarea's as CRLF) and no
    surrounding whitespace (Django strips what is posted)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


class TextField(forms.CharField):
    def to_python(self, value):
        return plain_text(super().to_python(value))


class FieldType:
    """A field of any dataType this dashboard does not know yet: a line of text."""

    data_type: ClassVar[str] = ""
    # What a person reads for the type (the schema editor's type menu and field lists).
    type_name: ClassVar[str] = ""
    # A phone's card shows the first field of such a type as the record's status, a badge
    # beside its title (recordsadmin/records/tables.py).
    shows_as_status: ClassVar[bool] = False
    # Rendered as a <fieldset> with a <legend>: one label would not name several inputs.
    grouped: ClassVar[bool] = False
    # Why the form shows the field but offers no input for it (form_field is None then).
    read_only_note: ClassVar[str] = ""
    # Its cells show its value as written, so that the text a filter condition looks for in
    # it ("contains", "is") is marked there (recordsadmin/records/tables.py).
    matched_as_text: ClassVar[bool] = False
    # An import finds a record by the field's value in any letter case (an email address):
    # the records API's `eq` is exact, so it searches with `contains` and compares here.
    found_in_any_case: ClassVar[bool] = False

    def __init__(self, field: Field) -> None:
        self.field = field
        self.rule = field.rule

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.field.key}>"

    @property
    def sortable(self) -> bool:
        return self.rule.sortable

    @property
    def settable(self) -> bool:
        """Bulk edits and imports can set it."""
        return self.rule.settable

    # -- the form ------------------------------------------------------------------------------

    def form_options(self) -> dict[str, Any]:
        """What every form field of this field takes: label, required, help text."""
        return {
            "label": self.field.name,
            "required": self.field.required,
            "help_text": self.field.description,
        }

    def placeholder(self) -> dict[str, str]:
        return {"placeholder": self.field.placeholder} if self.field.placeholder else {}

    @property
    def editable(self) -> bool:
        """Whether the form has an input for it (form_field gives one): cheaper to ask than
        making the form field, for every column of every table."""
        return True

    def form_field(self, current: Any = None) -> forms.Field | None:
        """The form field for this field, given the value the record holds now; None for one
        that is shown, not edited (see read_only_note)."""
        return TextField(
            max_length=MAX_TEXT_LENGTH,
            widget=forms.TextInput(attrs=self.placeholder()),
            **self.form_options(),
        )

    def initial(self, value: Any) -> Any:
        """A record's value as the form field shows it."""
        return value

    def normalise(self, value: Any) -> Any:
        """The value in one canonical spelling, so that equal values compare equal: the
        record's " a\\nb " and the posted "a\\r\\nb" are the same text; None when empty."""
        if isinstance(value, str):
            value = plain_text(value)
        return None if is_empty(value) else self.normalise_value(value)

    def normalise_value(self, value: Any) -> Any:
        return value

    def match_key(self, value: Any) -> Any:
        """What an import compares to find the record that holds `value` (normalise, in any
        letter case where the type says so)."""
        value = self.normalise(value)
        return value.casefold() if self.found_in_any_case and isinstance(value, str) else value

    # -- pages -------------------------------------------------------------------------------

    def render(self, value: Any, *, short: bool = True) -> SafeString:
        """The HTML of one value; `short` cuts long text for a table cell."""
        if is_empty(value):
            return EMPTY
        return self.render_value(value, short)

    def render_value(self, value: Any, short: bool) -> SafeString:
        return formatting.text_html(value, short=short)

    def link_text(self, value: Any) -> str:
        """The value as the text of a link to its record (the primary display field), cut
        short with an ellipsis; "" when there is none."""
        if is_empty(value):
            return ""
        return formatting.cut(self.link_value(value))

    def link_value(self, value: Any) -> str:
        return " ".join(str(value).split())

    def text(self, value: Any) -> str:
        """The value in a sentence for people ("Status Active → Sold")."""
        if is_empty(value):
            return "(empty)"
        return self.text_value(value)

    def text_value(self, value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if isinstance(value, dict):
            return ", ".join(f"{k}: {v}" for k, v in value.items())
        return str(value)

    # -- CSV -----------------------------------------------------------------------------------

    def csv_out(self, value: Any, *, labels: bool) -> str:
        """The value as one CSV cell: option labels (`labels`) or keys, lists joined by "; "."""
        if is_empty(value):
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return self.csv_value(value, labels=labels)

    def csv_value(self, value: Any, *, labels: bool) -> str:
        if isinstance(value, list):
            return f"{LIST_SEPARATOR} ".join(str(v) for v in value)
        if isinstance(value, dict):
            return f"{LIST_SEPARATOR} ".join(f"{k}: {v}" for k, v in value.items())
        return str(value)

    def csv_in(self, text: str, *, day_order: str = YMD) -> Any:
        """A CSV cell as the value the record form would produce; ValidationError when the
        API would refuse it; None for an empty cell. `day_order` (DAY_ORDERS) is how the file
        writes dates."""
        form_field = self.form_field()
        if form_field is None:
            raise ValidationError(f"{self.field.name} cannot be imported.")
        value = form_field.clean(self.csv_raw(text.strip()))
        return None if is_empty(value) else value

    def csv_raw(self, text: str) -> Any:
        """A cell's text as the form field takes it."""
        return text

    def csv_shown(self, value: Any, *, day_order: str = YMD) -> str:
        """An imported value as a person writes it, for the import's preview: option labels
        joined by "; ", a date in the file's own order."""
        return self.csv_out(value, labels=True)

    # -- the table's filter ------------------------------------------------------------------

    def filter_state(self, params) -> tuple[Any, str | None]:
        """What the URL's query string chooses for this field's filter (None: nothing), and a
        problem to tell the user when it could not be read."""
        return None, None

    def filter_pairs(self, state: Any) -> list[tuple[str, str]]:
        """The filter's state as query string pairs, for links that keep it."""
        return []

    def filter_conditions(self, state: Any) -> list[Filter]:
        """The filter as search conditions."""
        return []

    def filter_control(self, state: Any) -> dict | None:
        """The filter panel's control for this field with its current state; None for none."""
        return None

    def filter_chips(self, state: Any) -> list[tuple[str, Any]]:
        """The filter's parts as the chips above the table show them: (its words, the state
        without it; None when nothing is left)."""
        return []

    # -- the filter builder's conditions -------------------------------------------------------
    # A condition is this field, an operator and (unless the operator asks whether there is a
    # value) a value typed as text. recordsadmin/records/conditions.py reads and writes them.

    # What each operator reads as after the field's name ("Price is at least 100,000").
    operator_words: ClassVar[dict[str, str]] = {
        EQ: "is",
        NOT_EQ: "is not",
        CONTAINS: "contains",
        NOT_CONTAINS: "does not contain",
        GT: "comes after",
        GTE: "is or comes after",
        LT: "comes before",
        LTE: "is or comes before",
        NOT_EXISTS: "is empty",
        EXISTS: "is not empty",
    }

    # The keyboard a phone shows for a condition's value.
    condition_inputmode: ClassVar[str] = ""

    @property
    def operators(self) -> tuple[str, ...]:
        """The builder's operators for this field: the ones the records API offers for its
        type (the contract's rule), in OPERATOR_ORDER."""
        return tuple(op for op in OPERATOR_ORDER if op in self.rule.operators)

    def operator_text(self, op: str) -> str:
        return self.operator_words.get(op, op)

    def condition_input(self, op: str) -> dict | None:
        """The value's input for `op`: {"kind": "text", "inputmode"} or {"kind": "select",
        "options": [(key, label)]}; None when the operator takes no value."""
        if op in PRESENCE:
            return None
        return {"kind": "text", "inputmode": self.condition_inputmode}

    def condition_value(self, op: str, text: str) -> Any:
        """A condition's value, typed as `text` (not empty), as the search sends it; raises
        ConditionValueError saying why it does not read."""
        return text

    def condition_param(self, op: str, value: Any) -> str:
        """The value as the address bar writes it (what condition_value reads back)."""
        return str(value)

    def condition_text(self, op: str, value: Any) -> str:
        """The value in a sentence ("Address contains “oak”")."""
        return f"“{value}”"


class Text(FieldType):
    data_type = "TEXT"
    type_name = "Text (one line)"
    matched_as_text = True
