"""FILE_UPLOAD: a list of files ({"url", "name"?}). Writing files needs an upload to the
location's media first, so the dashboard shows them and leaves them as they are."""

from typing import Any

from django import forms
from django.utils.safestring import SafeString

from recordsadmin.records.formatting import esc, html_of, safe_href

from .base import LIST_SEPARATOR, FieldType


class FileUpload(FieldType):
    data_type = "FILE_UPLOAD"
    type_name = "File upload"
    read_only_note = "Files are managed in GoHighLevel; saving here leaves them as they are."

    editable = False

    def form_field(self, current: Any = None) -> forms.Field | None:
        return None

    def render_value(self, value: Any, short: bool) -> SafeString:
        items = value if isinstance(value, list) else [value]
        parts = []
        for item in items:
            url = item.get("url") if isinstance(item, dict) else item
            name = esc(str((item.get("name") if isinstance(item, dict) else None) or url or "file"))
            href = safe_href(url)
            if href:
                parts.append(f'<li><a href="{esc(href)}" rel="noopener noreferrer">{name}</a></li>')
            else:
                parts.append(f"<li>{name}</li>")
        return html_of(f'<ul class="files">{"".join(parts)}</ul>')

    def csv_value(self, value: Any, *, labels: bool) -> str:
        if not isinstance(value, list):
            return super().csv_value(value, labels=labels)
        urls = (str(v.get("url", "")) if isinstance(v, dict) else str(v) for v in value)
        return f"{LIST_SEPARATOR} ".join(urls)
