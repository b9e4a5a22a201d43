"""Shared fixtures: small sites built in temporary folders, the demo site, a server, Chromium."""

from __future__ import annotations

import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreel.build import build_site
from newsreel.project import Project

REPO = Path(__file__).resolve().parents[1]
NEWSREEL = str(Path(sys.executable).parent / "newsreel")
ARTIFACTS = REPO / "test-artifacts"


def write_site(root: Path, files: dict[str, str], settings_extra: str = "") -> Project:
    """A site in `root` with the repository's settings and theme and the given content files."""
    root.mkdir(parents=True, exist_ok=True)
    settings = (REPO / "pelicanconf.py").read_text(encoding="utf-8")
    settings += f"\nTHEME = {str(REPO / 'theme')!r}\n{settings_extra}\n"
    (root / "pelicanconf.py").write_text(settings, encoding="utf-8")
    for name, text in files.items():
        path = root / "content" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / "content" / "news").mkdir(parents=True, exist_ok=True)
    (root / "content" / "pages").mkdir(parents=True, exist_ok=True)
    return Project.at(root)


def item(
    title: str,
    lang: str,
    body: str = "Body.",
    date: str | None = "2025-10-15 10:00",
    translation: bool = False,
    **meta: str,
) -> str:
    """The Markdown of one news item."""
    lines = [f"Title: {title}"] if title else []
    if date:
        lines.append(f"Date: {date}")
    if lang:
        lines.append(f"Lang: {lang}")
    if translation:
        lines.append("Translation: true")
    lines += [f"{key.rstrip('_').capitalize()}: {value}" for key, value in meta.items()]
    return "\n".join(lines) + "\n\n" + body + "\n"


SMALL_SITE = {
    "news/meeting.fr.md": item(
        "Réunion des ministres",
        "fr",
        "Le secrétaire général a dit : « Notre soutien est vital. » Vraiment ? Oui !",
        category="Réunions",
        tags="Ukraine, ministres de la Défense",
    ),
    "news/meeting.en.md": item(
        "Ministers meet",
        "en",
        'The Secretary General said: "Our support is vital."',
        translation=True,
        category="Meetings",
        tags="Ukraine, defence ministers",
    ),
    "pages/about.fr.md": "Title: À propos\nLang: fr\n\nTexte.\n",
    "pages/about.en.md": "Title: About\nLang: en\nTranslation: true\n\nText.\n",
}


@pytest.fixture(autouse=True)
def _newsreel_log_as_it_was() -> Iterator[None]:
    """A command run in the test's process (Typer's CliRunner) gives the `newsreel` logger a
    handler on the standard error it is given, which CliRunner closes when the command ends: a
    later test's mail thread logging its code then printed "--- Logging error ---"."""
    logger = logging.getLogger("newsreel")
    handlers, level, propagate = logger.handlers[:], logger.level, logger.propagate
    yield
    logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


@pytest.fixture
def small_site(tmp_path: Path) -> Project:
    return write_site(tmp_path / "site", SMALL_SITE)


class _DemoBuild:
    """The demo site, built in a thread of its own.

    In one process (`-n 0`, or pytest alone): from the start of the session, at a lower
    priority (its ffmpeg and Pelican processes inherit it), beside the API tests, which need
    no demo and leave a core mostly idle: on a fresh clone the demo's first encode took two
    of the suite's eighteen minutes, alone. Every other test waits for it first
    (`pytest_runtest_setup`), so finds the machine as it was. Under pytest-xdist: by the one
    worker that runs the demo's tests, when the first of them asks (`demo_site`), at full
    priority, while the other workers run the rest."""

    def __init__(self, base: Path, niceness: int = 10) -> None:
        self.base = base
        self.niceness = niceness
        self.project = Project.at(REPO, output=base / "output")
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._build, name="demo-build", daemon=True)
        self.thread.start()

    def _build(self) -> None:
        from newsreel.media.demo import ensure_demo_sources

        try:  # `niceness` for this thread only
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), self.niceness)
            ensure_demo_sources(self.project.clips, self.project.languages)
            build_site(self.project)
        except BaseException as error:  # handed to the first test that needs the demo
            self.error = error

    def result(self) -> Project:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.project


_demo_build: _DemoBuild | None = None


def _a_worker_of_several() -> bool:
    """Whether this is one of pytest-xdist's workers (`python3 tasks.py test`)."""
    return "PYTEST_XDIST_WORKER" in os.environ


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The groups pytest-xdist's `--dist loadgroup` keeps on one worker: each test file (its
    module fixtures, a built site or a stack, are made once), and every file that uses the
    demo site together (it is built once, by the worker that runs them).

    A group is the end of a test's node id (`<id>@<group>`), which pytest-xdist 3.8 writes
    where pytest 9 no longer reads it (`xdist_group` marks are then ignored): it is written
    here. Schemathesis gives each operation's test the same node id, which pytest-xdist would
    take for one test and run once: their names tell them apart."""
    if not _a_worker_of_several():
        return
    demo_files = {item.path for item in items if "demo_site" in getattr(item, "fixturenames", ())}
    ids = Counter(item.nodeid for item in items)
    for item in items:
        nodeid = item.nodeid
        if ids[nodeid] > 1:
            nodeid = f"{nodeid.rpartition('::')[0]}::{item.name}"
        group = "demo" if item.path in demo_files else nodeid.split("::")[0]
        _rename(item, f"{nodeid}@{group}")


def _rename(item: pytest.Item, nodeid: str) -> None:
    """Give `item` another node id: pytest 9 keeps it in `_id`, pytest 8 in `_nodeid` (both
    private; pytest-xdist sets the second for its groups)."""
    if hasattr(item, "_id"):
        from _pytest.nodeid import coerce_node_id

        item._id = coerce_node_id(nodeid)
    else:
        item._nodeid = nodeid


def pytest_collection_finish(session: pytest.Session) -> None:
    global _demo_build
    if _a_worker_of_several():  # each worker collects every test: `demo_site` starts it
        return
    if any("demo_site" in getattr(item, "fixturenames", ()) for item in session.items):
        _demo_build = _DemoBuild(Path(tempfile.mkdtemp(prefix="newsreel-demo-")))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _demo_build is not None and not item.nodeid.startswith("tests/api/"):
        _demo_build.thread.join()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _demo_build is not None:
        _demo_build.thread.join()
        shutil.rmtree(_demo_build.base, ignore_errors=True)


@pytest.fixture(scope="session")
def demo_site() -> Project:
    """The repository's own content and clips, built once into a temporary output folder
    (`_DemoBuild`).

    The media cache is the repository's own (content-addressed, so it cannot be stale): a
    second local run encodes nothing; CI, on a fresh clone, encodes the demo once.
    """
    global _demo_build
    if _demo_build is None:  # one of several workers: the one that runs the demo's tests
        assert _a_worker_of_several(), "started when a collected test asks for the demo"
        _demo_build = _DemoBuild(Path(tempfile.mkdtemp(prefix="newsreel-demo-")), niceness=0)
    return _demo_build.result()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def demo_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's root: its `var/` holds the SQLite store and the outbox of e-mails."""
    return tmp_path_factory.mktemp("server")


@pytest.fixture(scope="session")
def demo_port() -> int:
    return _free_port()


@pytest.fixture(scope="session")
def demo_api_config(demo_site: Project, demo_var: Path, demo_port: int):
    """The demo server's API configuration; `demo_api_config.jobs.drain()` waits for its mail."""
    from newsreel.api.config import ApiConfig

    config = ApiConfig.local(demo_var, demo_site.output, site_url=f"http://127.0.0.1:{demo_port}")
    yield config
    config.jobs.close()


@pytest.fixture(scope="session")
def demo_server(demo_site: Project, demo_api_config, demo_port: int) -> Iterator[str]:
    """`newsreel serve`'s app (site + API) on the built demo site, on a free loopback port."""
    import uvicorn

    from newsreel.api.app import create_app as create_api
    from newsreel.serve import create_app

    port = demo_port
    api = create_api(demo_api_config)
    config = uvicorn.Config(
        create_app(demo_site.output, api), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=5)


def chromium_path() -> str:
    """Debian's Chromium (Playwright cannot download its own browser here)."""
    for candidate in (
        os.environ.get("NEWSREEL_CHROMIUM"),
        "/usr/lib/chromium/chromium",
        shutil.which("chromium"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("Chromium not found: run `python3 tasks.py test`, which installs it")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path(),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def vnu_errors(files: list[Path]) -> str:
    """Run the Nu Html Checker on `files`; returns its error output ('' when all are valid)."""
    jar = REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    if not jar.exists():
        raise RuntimeError("vnu.jar missing: run `python3 tasks.py test`, which installs it")
    result = subprocess.run(
        ["java", "-jar", str(jar), "--errors-only", *map(str, files)],
        capture_output=True,
        text=True,
    )
    return (result.stdout + result.stderr).strip()


def start_serve(
    root: Path, *options: str, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen, list[str]]:
    """`newsreel serve` in a process of its own (`env`: more environment variables), and what
    it printed up to "Serving …"."""
    base = {**os.environ, "COLUMNS": "300", "NO_COLOR": "1"}
    base.pop("NEWSREEL_SMTP_HOST", None)
    env = {**base, **(env or {})}
    # unbuffered: `select` sees the pipe, not what a buffered reader took from it, so two
    # lines arriving together ("Built …", "Serving …") left the second in the reader's buffer
    # while `select` waited on an empty pipe; the test then failed 120 s later, with a
    # `serve` that had started
    server = subprocess.Popen(
        [NEWSREEL, "serve", "--root", str(root), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        bufsize=0,
    )
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while not any(line.startswith("Serving ") for line in lines):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or server.poll() is not None:
            if server.poll() is None:  # stuck: where every thread is (`newsreel.entry`)
                server.send_signal(signal.SIGUSR1)
                time.sleep(1)
            stop_process(server)
            lines.append(server.stdout.read().decode(errors="replace"))
            raise AssertionError("serve did not start:\n" + "".join(lines))
        if select.select([server.stdout], [], [], remaining)[0]:
            lines.append(server.stdout.readline().decode())
    # the line after "Serving": the notes that follow it are printed at once
    if select.select([server.stdout], [], [], 2)[0]:
        lines.append(server.stdout.readline().decode())
    return server, lines


def stop_process(process: subprocess.Popen) -> None:
    """Stop a `newsreel serve` started by a test as Ctrl+C would (its mail queue is flushed),
    and kill it if it has not ended in 15 s."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def moto_endpoint():
    """moto's server on a free loopback port; boto3 talks to it over HTTP."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def aws(moto_endpoint, monkeypatch):
    """boto3 sessions pointed at moto, with dummy credentials."""
    import boto3

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)

    def make(kind: str, service: str):
        return getattr(boto3, kind)(service, endpoint_url=moto_endpoint, region_name="eu-west-1")

    make.endpoint = moto_endpoint
    return make
