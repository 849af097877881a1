"""Form rendering in the U.S. Web Design System's markup, for any Django form."""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()

_CLASSES = {
    "checkbox": "usa-checkbox__input",
    "radio": "usa-radio__input",
    "select": "usa-select",
    "selectmultiple": "usa-select",
    "textarea": "usa-textarea",
    "clearablefile": "usa-file-input",
    "file": "usa-file-input",
}


@register.filter
def uswds_widget(field: BoundField) -> SafeString:
    """Render a field's widget with the design system's class added to its own."""
    css = _CLASSES.get(field.widget_type, "usa-input")
    if field.errors and css == "usa-input":
        css += " usa-input--error"
    existing = field.field.widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{css} {existing}".strip()})
