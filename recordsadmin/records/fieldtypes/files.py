"""FILE_UPLOAD: a list of files ({"url", "name"?}). Writing files needs an upload to the
location's media first, so the dashboard shows them and leaves them as they are."""

from typing import Any

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from recordsadmin.records.formatting import safe_href

from .base import LIST_SEPARATOR, FieldType


class FileUpload(FieldType):
    data_type = "FILE_UPLOAD"
    read_only_note = "Files are managed in GoHighLevel; saving here leaves them as they are."

    def form_field(self, current: Any = None) -> forms.Field | None:
        return None

    def render_value(self, value: Any, *, short: bool) -> SafeString:
        items = value if isinstance(value, list) else [value]
        parts = []
        for item in items:
            url = item.get("url") if isinstance(item, dict) else item
            name = (item.get("name") if isinstance(item, dict) else None) or url or "file"
            href = safe_href(url)
            if href:
                link = '<li><a href="{}" rel="noopener noreferrer">{}</a></li>'
                parts.append(format_html(link, href, name))
            else:
                parts.append(format_html("<li>{}</li>", name))
        return format_html('<ul class="files">{}</ul>', mark_safe("".join(parts)))  # noqa: S308

    def csv_value(self, value: Any, *, labels: bool) -> str:
        if not isinstance(value, list):
            return super().csv_value(value, labels=labels)
        urls = (str(v.get("url", "")) if isinstance(v, dict) else str(v) for v in value)
        return f"{LIST_SEPARATOR} ".join(urls)
