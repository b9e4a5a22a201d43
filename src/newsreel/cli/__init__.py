"""The `newsreel` command: build, serve, watch, publish, and the clips by hand.

Only arguments and printing live here (`cli.site`, `cli.clips`, `cli.publish`); the work is
the application layer's (`newsreel.build`, `newsreel.media.pipeline`, `newsreel.publish`).
Every command has `--verbose`, and one error path (`cli.console.command`): a mistake a person
can fix is one red line per problem and exit status 2, never a traceback.
"""

from __future__ import annotations

import typer

from newsreel.cli import clips, publish, site
from newsreel.cli.console import command

app = typer.Typer(
    name="newsreel",
    help="Build, serve and publish the bilingual newsreel media portal.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)
for function in (site.build, site.serve, site.watch, site.clean):
    command(app)(function)
command(app, "publish")(publish.publish)
command(app, "demo-media")(clips.demo_media)
app.add_typer(clips.app, name="clips")
