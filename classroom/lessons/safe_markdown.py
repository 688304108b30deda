"""Markdown written by teachers in the app: the library's features, rendered without any danger.

Library modules are reviewed in git and rendered as trusted (`content.render_markdown`). Text a
teacher types in the app is not: it is rendered with the same extensions, but

- raw HTML is never passed on: Markdown's HTML block and inline HTML are switched off, so a
  tag shows as the text the teacher typed;
- an image becomes a plain link to it (its alt text, or its address) and is never loaded:
  a remote image would tell another server who reads the page;
- the HTML is then cleaned by nh3 against an allow-list: no script, style, iframe, object,
  form or svg, no event handler, style, id or class attribute, and links only to
  http(s), mailto and tel, each with `rel="noopener noreferrer nofollow"`.

The cleaning does not trust the Markdown step: whatever the renderer lets through, nh3 decides.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from .content import BARE_URL, MARKDOWN_EXTENSIONS

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "b", "i", "code", "pre",
    "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "a",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
# Removed with everything inside them, so no script text or style rules show up as text.
REMOVED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "svg", "math", "template"}
LINK_SCHEMES = {"http", "https", "mailto", "tel"}
# The address must start with an allowed scheme exactly: no leading space or control character
# that a browser would skip over (as in "\tjavascript:").
SAFE_HREF = re.compile(r"^(?:https?://|mailto:|tel:)", re.IGNORECASE)
LINK_REL = "noopener noreferrer nofollow"


class _ImagesAsLinks(Treeprocessor):
    """Turn every image into a link to it (alt text as the link text), so none is loaded."""

    def run(self, root: Element) -> None:
        for element in root.iter("img"):
            source = element.get("src", "")
            text = element.get("alt") or source
            title = element.get("title")
            element.tag = "a"
            element.attrib.clear()
            element.set("href", source)
            if title:
                element.set("title", title)
            element.text = text


class _NoRawHtml(Extension):
    """Switch raw HTML off (it shows as typed) and images into links."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # After the inline patterns (20) and attr_list (8), so nothing adds to the image later.
        md.treeprocessors.register(_ImagesAsLinks(md), "images_as_links", 1)


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if tag == "a" and name == "href":
        return value if SAFE_HREF.match(value) else None
    if name == "align":
        return value if value in ("left", "center", "right") else None
    if name == "start":
        return value if value.isdigit() else None
    return value


def render_untrusted_markdown(text: str) -> Markup:
    """Render Markdown typed by a teacher as safe HTML; any page may show it."""
    html = markdown.markdown(
        BARE_URL.sub(r"<\1>", text),
        extensions=[*MARKDOWN_EXTENSIONS, _NoRawHtml()],
        # Alignment as an attribute, since style attributes are not allowed.
        extension_configs={"tables": {"use_align_attribute": True}},
    )
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags=REMOVED_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute,
        url_schemes=LINK_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )
    # Cleaned against the allow-list above, so it is safe to mark.
    return Markup(cleaned)  # noqa: S704  # nosec B704
