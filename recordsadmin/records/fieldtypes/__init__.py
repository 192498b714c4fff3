"""One class per dataType: everything the dashboard does with a field of that type.

`of(field)` is the field's type, bound to it: `of(field).form_field()`, `.render(value)`,
`.csv_in(text)`... A dataType the dashboard does not know yet behaves as TEXT. Adding a
dataType is its rule in recordsadmin/contract/datatypes.py, one class here (registered in
TYPES), one in recordsadmin/sandbox/fieldtypes.py, and their tests.
"""

from functools import lru_cache

from recordsadmin.client.domain import Field

from .base import FieldType, Text
from .dates import CREATED, Date
from .files import FileUpload
from .lines import TextboxList, TextboxListField
from .numbers import Monetory, Numerical
from .options import Checkbox, MultipleOptions, Radio, SingleOptions
from .text import Email, LargeText, Phone

# In the order the schema editor's type menu lists them.
TYPES: dict[str, type[FieldType]] = {
    cls.data_type: cls
    for cls in (
        Text,
        LargeText,
        Numerical,
        Monetory,
        Phone,
        Email,
        Date,
        Checkbox,
        SingleOptions,
        MultipleOptions,
        Radio,
        TextboxList,
        FileUpload,
    )
}


@lru_cache(maxsize=4096)
def of(field: Field) -> FieldType:
    """The type of `field`, bound to it (the same instance each time: a table asks per cell)."""
    return TYPES.get(field.data_type, FieldType)(field)


def type_name(data_type: str) -> str:
    """What a person reads for `data_type` (the type's own spelling when unknown)."""
    found = TYPES.get(data_type)
    return found.type_name if found else data_type


__all__ = ["CREATED", "TYPES", "FieldType", "TextboxListField", "of", "type_name"]
