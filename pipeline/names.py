"""File names as data: every name the OS can give, in a lossless form that JSON, CSV and terminals take.

Linux allows any bytes but ``/`` and NUL in a name, so a name need not be UTF-8; Python hands such
bytes over as lone surrogates, which no UTF-8 file can hold. A name that is valid UTF-8 and has no
backslash is used as it is. Otherwise its bytes are written with ``\\xNN`` for each byte that is not
UTF-8 and ``\\\\`` for a backslash, the escapes of ``ls --quoting-style=escape``; the mapping is
one-to-one, so ``unescape_name`` gives back the exact name (``os.fsencode`` form) to open the file.
Control characters stay in the name (JSON escapes them); ``records.printable`` shows them safely.
"""

from __future__ import annotations

import os
import re

_NEEDS_ESCAPE = re.compile(r"[\\\udc80-\udcff]")
_ESCAPE = re.compile(r"\\(\\|x[0-9a-fA-F]{2})")


def escape_name(name: str) -> str:
    """``name`` (as ``os`` gives it) in a form that is valid UTF-8 and maps back to the same bytes."""
    if not _NEEDS_ESCAPE.search(name):
        return name
    raw = os.fsencode(name)
    return raw.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def unescape_name(text: str) -> str:
    """The name ``escape_name`` was given, in the form ``open`` and ``os`` take."""
    if "\\" not in text:
        return text
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(text):
        out += text[pos:m.start()].encode("utf-8")
        esc = m.group(1)
        out += b"\\" if esc == "\\" else bytes([int(esc[1:], 16)])
        pos = m.end()
    out += text[pos:].encode("utf-8")
    return os.fsdecode(bytes(out))
