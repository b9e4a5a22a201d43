"""Editors' text files (Markdown items, TOML manifests and presets, WebVTT captions), read as
UTF-8 or refused with one line.

Editors save files with whatever editor they have. Windows Notepad starts a file with a UTF-8
byte-order mark: kept, it glues itself to the first field (`\\ufefftitle`), which then reads as
missing, so it is dropped here. An older editor may save Latin-1: Python's decoder would stop
the build with a traceback, so the file is named instead, with the first byte that is not
UTF-8 and its line, for the editor to re-save it.
"""

from __future__ import annotations

from pathlib import Path

from newsreel.errors import NewsreelError, Problem

BOM = b"\xef\xbb\xbf"


def read_text(path: Path, error: type[NewsreelError] = NewsreelError) -> str:
    """The text of an editor's file, without a byte-order mark, newlines as `\\n`; raises
    `error` (one problem naming the file and the bad byte) when it is not UTF-8."""
    data = path.read_bytes()
    skip = len(BOM) if data.startswith(BOM) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as decoding:
        raise error(not_utf8(path, data, skip + decoding.start)) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def not_utf8(path: Path, data: bytes, position: int) -> Problem:
    """The problem of a file whose byte at `position` (counted from 0) is not UTF-8."""
    line = data.count(b"\n", 0, position) + 1
    return Problem(
        path,
        "",
        f"is not UTF-8 (byte 0x{data[position]:02x} at position {position}, line {line})",
        "save it as UTF-8 (in most editors: Save as, Encoding: UTF-8)",
    )
