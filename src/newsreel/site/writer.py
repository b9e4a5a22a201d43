"""A writer that renders only the pages a body-only edit can have changed.

When an editor changes only the text of an item that has its own `Summary:` (its front matter
is the same, so no listing, link or title elsewhere changes), the rebuild needs the item's page
and its language's feeds, which carry the full text; everything else is the live site as it is.
`NEWSREEL_ONLY` lists those output paths; every other page is neither rendered nor written.
"""

from __future__ import annotations

from typing import Any

from pelican.writers import Writer


class SelectiveWriter(Writer):
    def _selected(self, name: str | None) -> bool:
        only = self.settings.get("NEWSREEL_ONLY")
        return not only or (name is not None and name in only)

    def write_file(self, name, template, context, *args: Any, **kwargs: Any):
        if self._selected(name):
            return super().write_file(name, template, context, *args, **kwargs)
        return None

    def write_feed(self, elements, context, path=None, *args: Any, **kwargs: Any):
        if self._selected(path):
            return super().write_feed(elements, context, path, *args, **kwargs)
        return None


def on_get_writer(pelican: Any) -> type[Writer] | None:
    """Pelican's `get_writer` signal: our writer when a selection is set."""
    return SelectiveWriter if pelican.settings.get("NEWSREEL_ONLY") else None
