"""The media pipeline's error: a `NewsreelError` whose problems an editor can act on.

Each problem names the file, the field and the fix, e.g.
`clips/x.toml: cuts['soundbite'].out: 00:02:00 is past the end of the source (00:01:05.000);
...` (a cut named by its id, which the editor finds in the file).
"""

from __future__ import annotations

from newsreel.errors import NewsreelError, Problem, problem, unknown_keys

__all__ = ["MediaError", "Problem", "problem", "unknown_keys"]


class MediaError(NewsreelError):
    """A problem with a manifest, a preset, a source or an encode."""
