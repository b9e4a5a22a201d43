"""The steps of a build, as one application layer that the CLI, publishing, the benchmarks and
the tests all call: content checks, media, per-language Pelican workers, staging and the atomic
swap, search and sitemaps (see `build.site`)."""

from newsreel.build.site import BuildError, BuildResult, build_site

__all__ = ["BuildError", "BuildResult", "build_site"]
