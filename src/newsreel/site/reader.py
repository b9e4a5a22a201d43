"""A Markdown reader that reads other languages' items for their metadata only.

Each language's run reads every item, to know its translations; but of an item in another
language it needs only the title, slug, date and language, for the language switcher and the
`hreflang` links. Rendering its Markdown would double the reading work of every run, so the
body of such a file (named `<slug>.<lang>.md`) is skipped.
"""

from __future__ import annotations

from pathlib import Path

from markdown import Markdown
from markdown.preprocessors import Preprocessor
from pelican.readers import MarkdownReader

from newsreel.site.frontmatter import file_name, read_front_matter_lines


class _Unchanged(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return lines


class RunLanguageMarkdownReader(MarkdownReader):
    def read(self, source_path):
        match = file_name(Path(source_path))
        if match is None or match.group("lang") in (None, self.settings.get("DEFAULT_LANG")):
            return super().read(source_path)
        self._source_path = source_path
        if getattr(self, "_summary_md", None) is None:  # formats `Summary:`; made once, reused
            self._summary_md = Markdown(**self.settings["MARKDOWN"])
        self._md = self._summary_md
        # Pelican removes the `meta` preprocessor before formatting fields: put one back
        self._md.preprocessors.register(_Unchanged(self._md), "meta", 27)
        # the same header lines Python-Markdown's `meta` extension reads, without Markdown
        return "", self._parse_metadata(read_front_matter_lines(Path(source_path)).values)


def on_readers_init(readers) -> None:
    """Use the reader above for Markdown files (Pelican's `readers_init` signal)."""
    for extension in ("md", "markdown", "mkd", "mdown"):
        if extension in readers.reader_classes:
            readers.reader_classes[extension] = RunLanguageMarkdownReader
