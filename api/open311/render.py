"""The spec's two formats: JSON, and XML mapped from the same data by the Spark convention; errors in its shape."""

import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from starlette.responses import Response

FORMATS = ("json", "xml")
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"

# XML names of the items of each list (Spark convention: a plural element holds singular children).
ITEM_NAMES = {
    "services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
    "values": "value", "endpoints": "endpoint", "formats": "format", "service_request_updates": "request_update",
}


class Open311Error(Exception):
    """An error answered in the spec's shape: a list of {code, description}, with the HTTP status it names."""

    def __init__(self, status: int, description: str, code: int | str | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.code = code if code is not None else status


# What XML 1.0 cannot hold, even escaped: C0 controls but TAB, LF and CR, lone surrogates, U+FFFE and U+FFFF.
# One `\x01` in one description used to make the whole feed ill-formed for every client.
NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _build(parent: ET.Element, name: str, value: Any) -> None:
    element = ET.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _build(element, key, item)
    elif isinstance(value, list):
        child = ITEM_NAMES.get(name, "item")
        for item in value:
            _build(element, child, item)
    else:
        element.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    """`<root>` holding the data; None becomes an empty element, as in the spec's examples (`<account_id/>`)."""
    element = ET.Element(root)
    _fill(element, root, data)
    ET.indent(element)
    body = ET.tostring(element, encoding="utf-8", xml_declaration=False)
    # A parser turns a raw CR (and CR LF) into LF: as a character reference it survives, so a description
    # typed with Windows line breaks reads back byte for byte. Indentation writes LF only.
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body.replace(b"\r", b"&#13;")


def respond(fmt: str, root: str, data: Any, status: int = 200) -> Response:
    """The data as JSON (the bare value) or XML (under `root`), with the spec's content types."""
    if fmt == "xml":
        return Response(to_xml(root, data), status_code=status, media_type=XML_TYPE)
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, status_code=status, media_type=JSON_TYPE)


def error_response(fmt: str, errors: list[Open311Error], status: int | None = None) -> Response:
    """`[{"code": 403, "description": "..."}]` or `<errors><error>...</error></errors>`."""
    body = [{"code": e.code, "description": e.description} for e in errors]
    return respond(fmt, "errors", body, status or errors[0].status)
