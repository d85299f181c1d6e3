"""Safe XML in, namespaced XML out.

Bodies come from the network: they are size-capped before lxml sees them, and any DTD
(the carrier of "billion laughs" and external entities) is refused outright rather than
parsed harmlessly, because no CSTA message ever needs one.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterator

from lxml import etree

from sip.csta.errors import CSTAParseError

#: Largest CSTA body accepted: the biggest real request is well under 2 KiB.
MAX_CSTA_BODY = 64 * 1024

_EDITION = "http://www.ecma-international.org/standards/ecma-323/csta/ed{}"
NAMESPACES = {n: _EDITION.format(n) for n in range(2, 7)}
ED3 = NAMESPACES[3]
CSTA_NAMESPACES = frozenset(NAMESPACES.values())

# Case-insensitive and tolerant of whitespace, so "<! DOCTYPE" tricks are caught too; the
# parsed tree is checked again afterwards for encodings (UTF-16) that hide these bytes.
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)", re.IGNORECASE)
_local = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parsers are not thread-safe: one per thread.
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
            huge_tree=False, remove_comments=True, remove_pis=True, collect_ids=False)
    return parser


def parse_xml(body: bytes | str) -> etree._Element:
    """The root element of `body`, or CSTAParseError(unspecified) saying why not."""
    if isinstance(body, str):
        try:
            body = body.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates
            raise CSTAParseError("body is not valid Unicode", "unspecified", "unspecified",
                                 reason="xml") from None
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise CSTAParseError("body is not bytes", "unspecified", "unspecified")
    body = bytes(body)
    if len(body) > MAX_CSTA_BODY:
        raise CSTAParseError(f"CSTA body of {len(body)} bytes exceeds {MAX_CSTA_BODY}",
                             "unspecified", "unspecified", reason="size")
    if not body.strip():
        raise CSTAParseError("empty CSTA body", "unspecified", "unspecified", reason="xml")
    if _DECLARATION.search(body):
        raise CSTAParseError("DTD or entity declarations are refused", "unspecified", "unspecified",
                             reason="dtd")
    try:
        root = etree.fromstring(body, _parser())
    except (etree.LxmlError, ValueError) as exc:
        raise CSTAParseError(f"not well-formed XML: {exc}", "unspecified", "unspecified",
                             reason="xml") from None
    if root is None:
        raise CSTAParseError("no root element", "unspecified", "unspecified", reason="xml")
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise CSTAParseError("DTD or entity declarations are refused", "unspecified", "unspecified",
                             reason="dtd")
    # entity references (resolve_entities=False), and any comment or PI left: every node
    # whose tag is not a name, found by lxml's own walk
    if next(root.iter(etree.Entity, etree.Comment, etree.ProcessingInstruction), None) is not None:
        raise CSTAParseError("entity references are refused", "unspecified", "unspecified",
                             reason="dtd")
    return root


def _split(tag: str) -> tuple[str, str]:
    """lxml's ``{namespace}local`` (or ``local``) as (namespace or "", local), as
    etree.QName reads it, without making a QName for each element."""
    if tag[:1] == "{":
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return "", tag


def split_tag(element: etree._Element) -> tuple[str, str]:
    """(namespace or "", local name) of an element."""
    return _split(element.tag)


def local(element: etree._Element) -> str:
    return _split(element.tag)[1]


def children(element: etree._Element, name: str) -> Iterator[etree._Element]:
    """Child elements with local name `name`, whatever their namespace."""
    for c in element:
        tag = c.tag
        if isinstance(tag, str) and _split(tag)[1] == name:
            yield c


def child(element: etree._Element, name: str) -> etree._Element | None:
    return next(children(element, name), None)


def text(element: etree._Element | None) -> str | None:
    """Stripped text of an element (None for a missing element)."""
    if element is None:
        return None
    return (element.text or "").strip()


def namespace_for(namespace: str | None) -> str:
    """The namespace to answer in: the request's CSTA edition, else ed3."""
    return namespace if namespace in CSTA_NAMESPACES else ED3


class Builder:
    """Builds an element tree in one default namespace, then serialises it."""

    def __init__(self, root: str, namespace: str | None = None):
        self.ns = namespace_for(namespace)
        self.root = etree.Element(self.q(root), nsmap={None: self.ns})

    def q(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def add(self, parent: etree._Element, name: str, value: str | None = None,
            **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, self.q(name), **attrs)
        if value is not None:
            el.text = value
        return el

    def bytes(self) -> bytes:
        return XML_DECLARATION + etree.tostring(self.root, encoding="UTF-8")


XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'

# Text that lxml writes as it is: printable ASCII but the three characters it escapes, and
# tab and newline. Anything else (\r, other control characters, non-ASCII, &, <, >) goes
# through lxml, which escapes it or refuses it.
_PLAIN = re.compile(r"[\t\n\x20-\x25\x27-\x3b=\x3f-\x7e]*")


def is_plain(text: str) -> bool:
    """Whether lxml would write `text` as it is (see _PLAIN)."""
    return _PLAIN.fullmatch(text) is not None


class NotPlain(ValueError):
    """A value :class:`TextBuilder` does not write itself: render it with :class:`Builder`."""


class TextBuilder:
    """:class:`Builder`'s fast twin for the events and responses we send by the thousand:
    the same calls (``root``, ``add(parent, name, value)``, ``bytes()``) and the same bytes,
    built as nested lists and joined as text, with no lxml element per field. Element names
    are the code's own; a value that is not plain ASCII text raises :class:`NotPlain` (the
    caller renders with :class:`Builder` instead), so escaping stays lxml's alone."""

    __slots__ = ("ns", "root")

    def __init__(self, root: str, namespace: str | None = None):
        self.ns = namespace_for(namespace)
        self.root = [root, None, []]  # [name, text or None, children]

    def add(self, parent: list, name: str, value: str | None = None) -> list:
        if value is not None and not is_plain(value):
            raise NotPlain(value)
        el = [name, value, []]
        parent[2].append(el)
        return el

    def bytes(self) -> bytes:
        name, value, kids = self.root
        out = [f'<{name} xmlns="{self.ns}"']
        _close(out, name, value, kids)
        return XML_DECLARATION + "".join(out).encode("ascii")


def render(root: str, namespace: str | None, fill) -> bytes:
    """The bytes of the document ``fill(builder)`` writes below `root`: by a TextBuilder,
    or by lxml's Builder when a value is not plain (``fill`` must only add elements)."""
    try:
        b = TextBuilder(root, namespace)
        fill(b)
    except NotPlain:
        b = Builder(root, namespace)
        fill(b)
    return b.bytes()


def _close(out: list, name: str, value: str | None, kids: list) -> None:
    """The rest of an element whose start tag is open in `out`, as lxml writes it:
    ``/>`` when it has neither text nor children, else text, children, end tag."""
    if value is None and not kids:
        out.append("/>")
        return
    out.append(">")
    if value:
        out.append(value)
    for child_name, child_value, child_kids in kids:
        out.append(f"<{child_name}")
        _close(out, child_name, child_value, child_kids)
    out.append(f"</{name}>")


def boolean(value: bool) -> str:
    return "true" if value else "false"
