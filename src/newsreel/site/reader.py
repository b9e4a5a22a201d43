"""A Markdown reader that reads other languages' items for their metadata only.

Each language's run reads every item, to know its translations; but of an item in another
language it needs only the title, slug, date and language, for the language switcher and the
`hreflang` links. Rendering its Markdown would double the reading work of every run, so the
body of such a file (named `<slug>.<lang>.md`) is skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown import Markdown
from pelican.readers import MarkdownReader
from pelican.utils import pelican_open

_FILE_LANG = re.compile(r"\.([a-z]{2})$")


class RunLanguageMarkdownReader(MarkdownReader):
    def read(self, source_path):
        match = _FILE_LANG.search(Path(source_path).stem)
        if match is None or match.group(1) == self.settings.get("DEFAULT_LANG"):
            return super().read(source_path)
        self._source_path = source_path
        self._md = Markdown(**self.settings["MARKDOWN"])
        with pelican_open(source_path) as text:
            header = re.split(r"\n[ \t]*\n", text, maxsplit=1)[0]
        self._md.convert(header + "\n\n")
        metadata = self._parse_metadata(self._md.Meta) if hasattr(self._md, "Meta") else {}
        return "", metadata


def on_readers_init(readers) -> None:
    """Use the reader above for Markdown files (Pelican's `readers_init` signal)."""
    for extension in ("md", "markdown", "mkd", "mdown"):
        if extension in readers.reader_classes:
            readers.reader_classes[extension] = RunLanguageMarkdownReader
