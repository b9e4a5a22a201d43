"""The media pipeline: every video's renditions and cuts, encoded once, at build time.

manifests + presets (what to cut, how to encode) -> probe (what the source is) -> plan (jobs and
their content-addressed cache keys) -> encode (ffmpeg) -> cache -> `output/media/<id>/`.
"""

from newsreel.media.errors import MediaError

__all__ = ["MediaError"]
