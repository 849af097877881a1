"""The HTML a training module's body may contain, and the cleaner that enforces it.

Module bodies are written by admins in the Django admin and shown to learners as
HTML. An admin account can be phished or shared, so the body is never trusted:
every write path (the admin's module form, `services.module_create`, the data
migration for rows written before) passes it through `module_body_sanitise`, and
only then may the module page render it unescaped.

The allow-list keeps what course text needs: headings, paragraphs, lists, links,
emphasis, tables, images, figures, quotations and code. Everything else goes:
`<script>` and `<style>` with their content, frames, forms, `style` and event
handler attributes (`onerror=`...), and any link or image address whose scheme is
not allowed (`javascript:`, `data:`...).
"""

from __future__ import annotations

import nh3

# <h1> is the module's title on the page, so bodies start at <h2>.
MODULE_TAGS = frozenset(
    {
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "p",
        "br",
        "hr",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "a",
        "em",
        "strong",
        "b",
        "i",
        "sub",
        "sup",
        "abbr",
        "blockquote",
        "code",
        "pre",
        "table",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "img",
        "figure",
        "figcaption",
    }
)

MODULE_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}

# Links may be web addresses or email addresses; relative links to the portal's
# own pages stay. nh3 sets rel="noopener noreferrer" on every link.
MODULE_URL_SCHEMES = frozenset({"http", "https", "mailto"})


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Images load only over https or from the portal itself (a path such as
    /static/...); a plain-http or protocol-relative image is dropped."""
    if tag == "img" and attribute == "src":
        value = value.strip()
        if value.lower().startswith("https://"):
            return value
        if value.startswith("/") and not value.startswith("//"):
            return value
        return None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(MODULE_TAGS),
    attributes=MODULE_ATTRIBUTES,
    url_schemes=set(MODULE_URL_SCHEMES),
    attribute_filter=_attribute_filter,
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def module_body_sanitise(html: str) -> str:
    """The body with everything outside the allow-list removed."""
    return _CLEANER.clean(html)
