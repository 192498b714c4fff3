from django import template

from recordsadmin.records import fieldtypes

register = template.Library()


@register.filter
def display(record, schema) -> str:
    """The record's primary display value (or its id)."""
    return record.display(schema)


@register.simple_tag(name="value")
def value_tag(field, value, short=True):
    """One value of `field`, rendered for its dataType and escaped."""
    return fieldtypes.of(field).render(value, short=short)
