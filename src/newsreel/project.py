"""The project: where a site's settings, content, clips, cache and output live.

Everything that runs on a project (the build, the `clips` commands, publishing, the local
server, the benchmarks, the tests) starts from a `Project`, so paths and settings are derived
once, here. The site's languages come from the settings (`NEWSREEL_LANGUAGES` in
`pelicanconf.py`), the only place that lists them; everything else asks the project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsreel.errors import NewsreelError, Problem, shown

if TYPE_CHECKING:
    from newsreel.media.plan import MediaSettings

#: The environment variable that turns the shared media cache on (s3://bucket/prefix); it
#: wins over the setting of the same name.
SHARED_CACHE_VARIABLE = "NEWSREEL_MEDIA_CACHE"


@dataclass(frozen=True)
class Project:
    """Where a site's settings, content and output live."""

    root: Path
    settings_file: Path
    output: Path
    cache: Path
    clips: Path

    @classmethod
    def at(
        cls,
        root: Path | str = ".",
        settings_file: str | Path = "pelicanconf.py",
        output: Path | str | None = None,
        cache: Path | str | None = None,
    ) -> Project:
        """The project in `root`; a NewsreelError when its settings file is not there, or when
        `output` is, holds or lies inside one of the project's sources (`check_output`)."""
        root = Path(root).resolve()
        project = cls(
            root=root,
            settings_file=(root / settings_file).resolve(),
            output=(root / (output or "output")).resolve(),
            cache=(root / (cache or ".cache")).resolve(),
            clips=(root / "clips").resolve(),
        )
        if not project.settings_file.is_file():
            name = Path(settings_file).name
            above = next((f for f in root.parents if (f / name).is_file()), None)
            fix = (
                f"the site's folder is {above}: run newsreel there, or pass --root {above}"
                if above is not None
                else "run newsreel from the site's folder, or pass --root and --settings"
            )
            # named in full: relative to the current folder, where it was looked for is lost
            raise NewsreelError(Problem(str(project.settings_file), "", "not found", fix))
        project.check_output()
        return project

    def sources(self) -> dict[Path, str]:
        """The folders a build must never replace nor `clean` remove, each with what it is to
        the editor: what they wrote and the project's own state. The root and the settings
        file's folder hold the output folder (by default): that may lie inside them."""
        found = {
            self.root / "content": "the content folder",
            self.clips: "the clips folder",
            self.root / "theme": "the theme folder",
            self.cache: "the cache folder",
            self.root / ".git": "the project's git repository",
            self.root / "var": "the local server's folder (accounts, e-mails)",
        }
        try:  # where the settings put content and theme (a broken file is said by the build)
            found.setdefault(self.content, "the content folder")
            found.setdefault(self.theme, "the theme folder")
        except NewsreelError:
            pass
        return found

    def check_output(self) -> None:
        """A NewsreelError when the output folder is, holds or lies inside a source folder, or
        is or holds the project's folder or its settings file's: a build replaces its output
        whole and `clean` removes it (`newsreel build -o .` once replaced a whole project)."""
        output = self.output
        clash: str | None = None
        holders = [(self.root, "the project's folder"),
                   (self.settings_file.parent, "the settings file's folder")]  # fmt: skip
        for folder, what in holders:
            if not clash and folder.is_relative_to(output):
                clash = f"is {what}" if output == folder else f"holds {what} ({folder.name}/)"
        for folder, what in self.sources().items():
            if clash:
                break
            if self.root.is_relative_to(folder):
                continue  # content at the root (PATH = "."): the rule above
            if output == folder:
                clash = f"is {what}"
            elif output.is_relative_to(folder):
                clash = f"lies inside {what} ({folder.name}/)"
            elif folder.is_relative_to(output):
                clash = f"holds {what} ({folder.name}/)"
        if clash:
            raise NewsreelError(
                Problem("--output", "", f"{shown(output)} {clash}, and a build replaces its "
                        "output folder whole (clean removes it)",
                        "give it a folder of its own, e.g. --output output (the default)")
            )  # fmt: skip

    @cached_property
    def settings(self) -> dict[str, Any]:
        """The editor's settings as Pelican reads them, before any language is laid over them."""
        from pelican.settings import read_settings

        try:
            return read_settings(str(self.settings_file))
        except Exception as error:  # noqa: BLE001 - a broken settings file is the editor's
            raise NewsreelError(
                Problem(self.settings_file, "", f"cannot be read ({type(error).__name__}: "
                        f"{error})", "fix the Python in the settings file")
            ) from error  # fmt: skip

    def reread_settings(self) -> None:
        """Read the settings file again (it was edited): NewsreelError if it is now broken."""
        self.__dict__.pop("settings", None)
        self.settings  # noqa: B018 - read, to raise now

    @cached_property
    def languages(self) -> tuple[str, ...]:
        """The site's language codes, in the order the editor listed them."""
        declared = self.settings.get("NEWSREEL_LANGUAGES")
        if not isinstance(declared, dict) or not declared:
            raise NewsreelError(
                Problem(self.settings_file, "NEWSREEL_LANGUAGES", "missing or empty",
                        'list the site\'s languages, e.g. {"en": {"name": "English"}, ...}')
            )  # fmt: skip
        return tuple(declared)

    @property
    def content(self) -> Path:
        return (self.root / self.settings.get("PATH", "content")).resolve()

    @property
    def theme(self) -> Path:
        return (self.root / self.settings.get("THEME", "theme")).resolve()

    @property
    def has_media(self) -> bool:
        return (self.clips / "presets.toml").is_file()

    @property
    def media_cache(self) -> Path:
        return self.cache / "media"

    @property
    def shared_media_cache(self) -> str | None:
        """The media cache shared by every build machine (s3://...), if one is set."""
        return (
            os.environ.get(SHARED_CACHE_VARIABLE)
            or self.settings.get(SHARED_CACHE_VARIABLE)
            or None
        )

    def media_settings(self, ffmpeg: str | None = None) -> MediaSettings:
        """What the media pipeline needs of this project."""
        from newsreel.media.plan import MediaSettings

        return MediaSettings(
            clips=self.clips,
            cache=self.media_cache,
            languages=self.languages,
            shared_cache=self.shared_media_cache,
            ffmpeg=ffmpeg or self.settings.get("NEWSREEL_FFMPEG"),
        )

    @property
    def public_base(self) -> str:
        """The site's public address: SITEURL in production, FEED_DOMAIN (the local server)
        in development."""
        return public_base(self.settings)


def public_base(settings: dict[str, Any]) -> str:
    """The site's address in `settings`: SITEURL in production, FEED_DOMAIN (the local server)
    in development."""
    return (settings.get("SITEURL") or settings.get("FEED_DOMAIN") or "").rstrip("/")
