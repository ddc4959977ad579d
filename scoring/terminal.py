"""Text from users' files, made safe to print on a terminal.

A member name or a note can hold ANSI escape sequences (`\\x1b[2J` clears the screen, OSC 8 makes
links, some terminals answer queries into the input) or other control characters. `clean` removes
escape sequences and replaces the remaining control characters (C0 except newline and tab, DEL, C1)
with U+FFFD so the reader sees that something was there. Every layer printing user data uses it
(`escape` also escapes Rich markup, for text printed through a Rich console).
"""
from __future__ import annotations

import re
from typing import Any

# CSI … final byte, OSC … BEL/ST, other two-byte ESC sequences; also the 8-bit CSI (0x9b) form
_ANSI = re.compile(r"(\x1b\[[0-?]*[ -/]*[@-~])|(\x1b\][^\x07\x1b]*(\x07|\x1b\\)?)|(\x1b[@-Z\\-_])|(\x9b[0-?]*[ -/]*[@-~])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: Any) -> str:
    """`text` as a string without escape sequences or control characters (newline and tab kept)."""
    s = text if isinstance(text, str) else str(text)
    s = _ANSI.sub("", s)
    return _CONTROL.sub("\ufffd", s)


def clean_line(text: Any) -> str:
    """`clean`, and newlines and tabs as spaces: one table cell, one line."""
    return clean(text).replace("\r", " ").replace("\n", " ").replace("\t", " ")


def escape(text: Any) -> str:
    """`clean` and Rich-markup escaped: user data printed through a Rich console."""
    from rich.markup import escape as rich_escape

    return rich_escape(clean(text))


def json_safe(text: str) -> str:
    """JSON text (json.dumps with ensure_ascii=False) with C1 controls and DEL escaped too: json
    escapes only C0, and 0x9b is a CSI on some terminals."""
    return re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text)
