"""API benchmark: `newsreel serve` under 5,000 mixed requests at concurrency 32 (issue 10).

Starts `newsreel serve --no-build --trusted-proxy 127.0.0.1` on loopback in a subprocess
(SQLite store; mail to its default outbox, each `.eml` read as it appears, or with `--mail smtp`
sent by SMTP to an aiosmtpd server in a child process), then, in one run:

1. **alone**: the routes that hash no password (subscribe, confirm, register, forgot), 2,000
   requests at concurrency 32, on each server before its mixed run;
2. **mixed**: 5,004 requests at concurrency 32: each person subscribes and confirms, registers,
   verifies with the mailed code (a hash), logs in (a hash) and asks for a reset code; every
   person has its own address and presents its own client address (X-Forwarded-For from the
   benchmarking range 198.18.0.0/15, believed only because of --trusted-proxy). Three runs
   (`--runs`), each on a fresh server (a fresh store: 3 runs would pass the global hourly mail
   budget of one), the hash timed before the first and after each; the throughput figures are
   the median run's (by throughput / ceiling), the p99s those of every run's requests together
   against every alone phase's (2,502 and 1,500 requests a route: a p99 of one run is its 8th
   slowest request, and moved by half from one run to the next);
3. **known vs unknown**: register, code, forgot and subscribe, one request at a time,
   alternating an address that has an account (or a confirmed subscription) and one that has
   none: the medians must be within 10 %. In this phase the load generator runs on one core and
   the server (and the SMTP sink) on the others: the mail a request leads to is made after its
   answer is sent, and on shared cores the client then waits for a core, so a request that leads
   to a mail looked 0.5 ms slower to it (over a network the answer is on the wire first);
4. each server is stopped (its mail queue flushed) and its store checked: every accepted write
   (pending and verified accounts, confirmed subscriptions, issued reset codes) is there;
5. the Lambda handler's cold import against `import boto3`, each in fresh interpreters.

The load generator (its own requests' bytes over keep-alive connections, the answers read by
httptools, on uvloop) and whatever reads the mail share the server's cores, so both are kept
light: each CPU millisecond they spend is one the server cannot.

Targets: the no-hash routes' p99 under the mixed load <= 2 x their p99 alone; mixed throughput
>= 0.7 x the ceiling the password hashes set (hashing requests x one hash's time / cores, the
hash timed alone in this run, before and after each mixed run); handler import <= 1.5 x `import
boto3`; known vs unknown within 10 %. For information, the ceiling is also given with the hash
timed while every core hashes (what a server doing nothing but hash would reach).
Prints tables, the targets (PASS/FAIL), and, last, one JSON line of every figure. Exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import binascii
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import httptools
import httpx
import uvloop
from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
PASSWORD = "Bench-Password-2025!"
NO_HASH = ("subscribe", "confirm", "register", "forgot")
ROUTES = {
    "subscribe": "/api/newsletter/subscribe",
    "confirm": "/api/newsletter/confirm",
    "register": "/api/account/register",
    "verify": "/api/account/verify",
    "login": "/api/account/login",
    "forgot": "/api/account/password/forgot",
    "code": "/api/account/code",
}
console = Console()
#: A pause between two known/unknown requests, once the mail of the first has arrived.
PACE_S = 0.05


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def client_address(phase: int, number: int) -> str:
    """A distinct address from the benchmarking range (RFC 2544) per simulated person."""
    return f"198.{18 + phase // 4}.{(phase % 4) * 60 + number // 250}.{number % 250 + 1}"


def code_or_link(raw: bytes) -> tuple[str, str]:
    """A mail's recipient and the code or confirmation token it carries.

    Read from the bytes, not through the `email` package: the recipient from the `To:` header,
    the code or link from the first part (the plain text, quoted-printable, as the server's
    mailer writes it). Whoever reads the mail here shares the server's cores, and the `email`
    package's parser (even compat32) cost 0.4 ms a mail, this 0.02 ms. A mail this cannot read
    is said, not skipped: its person would wait forever."""
    raw = raw.replace(b"\r\n", b"\n")
    head, _, body = raw.partition(b"\n\n")
    to = re.search(rb"^To: (.+)$", head, re.MULTILINE)
    boundary = re.search(rb'boundary="([^"]+)"', head)
    if to is None or boundary is None:
        raise ValueError(f"a mail without a To header or a multipart boundary: {raw[:200]!r}")
    first = body.split(b"--" + boundary.group(1))[1]
    text = binascii.a2b_qp(first.partition(b"\n\n")[2]).decode("utf-8")
    link = re.search(r"token=(\S+)", text)
    code = re.search(r"\b(\d{6})\b", text)
    return to.group(1).decode(), link.group(1) if link else code.group(1) if code else ""


class Sink:
    """aiosmtpd's handler, in the SMTP child process: each message's code or link goes back to
    the benchmark through a queue."""

    def __init__(self, out) -> None:
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        self.out.put(code_or_link(envelope.content))
        return "250 OK"


def smtp_process(port: int, out, stop) -> None:
    from aiosmtpd.controller import Controller

    # uvloop, as the server runs: the sink takes less of the cores the server shares
    loop = uvloop.new_event_loop()
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port, loop=loop)
    controller.start()
    stop.wait()
    controller.stop()


class Inbox:
    """Where the simulated people read their mail: each message's code or link resolves its
    waiter. `pid` is the process that receives the mail, when it has one of its own."""

    pid: int | None = None

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.waiting: dict[str, list[asyncio.Future[str]]] = defaultdict(list)
        self.received: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()

    def deliver(self, address: str, value: str) -> None:
        with self.lock:
            self.received[address].append(value)
            waiters, self.waiting[address] = self.waiting[address], []
        for future in waiters:
            self.loop.call_soon_threadsafe(_resolve, future, value)

    def close(self) -> None: ...

    async def next_for(self, address: str, seen: int) -> str:
        """The `seen`-th (0-based) mail's code or token for `address`, when it arrives."""
        while True:
            with self.lock:
                if len(self.received[address]) > seen:
                    return self.received[address][seen]
                future = self.loop.create_future()
                self.waiting[address].append(future)
            await asyncio.wait_for(future, timeout=120)


class OutboxInbox(Inbox):
    """`newsreel serve`'s own mailer: each mail an `.eml` file in `var/outbox/` (written aside,
    then renamed), read as it appears (inotify, through watchfiles) by a thread of this
    process."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        import watchfiles

        def wanted(change: watchfiles.Change, path: str) -> bool:
            return change != watchfiles.Change.deleted and path.endswith(".eml")

        read: set[str] = set()
        changes = watchfiles.watch(
            self.folder, watch_filter=wanted, debounce=20, step=5, stop_event=self.stop,
            raise_interrupt=False, rust_timeout=500, yield_on_timeout=True,
        )  # fmt: skip
        for batch in changes:
            paths = [Path(path) for _, path in batch if path not in read]
            read.update(str(path) for path in paths)
            for path in sorted(paths, key=lambda path: path.stat().st_mtime_ns):
                self.deliver(*code_or_link(path.read_bytes()))

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


class SmtpInbox(Inbox):
    """An SMTP server (aiosmtpd) in a child process, which the server sends its mail to."""

    def __init__(self, port: int) -> None:
        import multiprocessing

        super().__init__()
        self.messages = multiprocessing.SimpleQueue()
        self.stop = multiprocessing.Event()
        self.process = multiprocessing.Process(
            target=smtp_process, args=(port, self.messages, self.stop), daemon=True
        )
        self.process.start()
        self.pid = self.process.pid
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            self.deliver(*self.messages.get())

    def close(self) -> None:
        self.stop.set()
        self.process.join(timeout=30)


def _resolve(future: asyncio.Future, value: str) -> None:
    if not future.done():
        future.set_result(value)


@dataclass(frozen=True)
class Answer:
    status_code: int
    text: str


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection to the server: a request's bytes written as they are,
    the answer read by httptools (the C parser uvicorn itself uses), one request at a time."""

    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.body: list[bytes] = []
        self.answered: asyncio.Future[Answer] | None = None

    # asyncio's side
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.parser.feed_data(data)

    def connection_lost(self, error: Exception | None) -> None:
        if self.answered is not None and not self.answered.done():
            closed = error or ConnectionError("the server closed the connection")
            self.answered.set_exception(closed)

    # httptools' side
    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        answer = Answer(self.parser.get_status_code(), b"".join(self.body).decode())
        self.body = []
        if self.answered is not None and not self.answered.done():
            self.answered.set_result(answer)

    @property
    def usable(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    async def exchange(self, request: bytes) -> Answer:
        self.answered = asyncio.get_running_loop().create_future()
        assert self.transport is not None
        self.transport.write(request)
        return await self.answered


class Load:
    """Requests at a bounded concurrency over keep-alive connections, each timed from send to
    answer.

    The load generator shares the server's cores, so every millisecond of CPU it spends is one
    the server cannot: httpx's async client spent 1.7 ms a request here, aiohttp's 0.5 ms (both
    under the mixed load); this one writes each request's bytes itself and reads the answer
    with httptools, the C parser uvicorn uses. No cookies are kept: distinct people never send
    one another's session.
    """

    def __init__(self, base: str, concurrency: int):
        address = httpx.URL(base)
        self.host, self.port = address.host, address.port or 80
        self.head = f"Host: {address.netloc.decode()}\r\nOrigin: {base}\r\n"
        self.gate = asyncio.Semaphore(concurrency)
        self.idle: list[_Connection] = []
        self.timings: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))

    async def _connection(self) -> _Connection:
        while self.idle:
            connection = self.idle.pop()
            if connection.usable:
                return connection
        loop = asyncio.get_running_loop()
        _, connection = await loop.create_connection(_Connection, self.host, self.port)
        return connection

    def _request(self, route: str, body: dict, ip: str) -> bytes:
        content = json.dumps(body).encode()
        head = (
            f"POST {ROUTES[route]} HTTP/1.1\r\n{self.head}X-Forwarded-For: {ip}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n\r\n"
        )
        return head.encode("ascii") + content

    async def post(self, route: str, body: dict, ip: str) -> Answer:
        request = self._request(route, body, ip)
        async with self.gate:
            connection = await self._connection()
            started = time.perf_counter()
            answer = await asyncio.wait_for(connection.exchange(request), 120)
            self.timings[route].append(time.perf_counter() - started)
            self.idle.append(connection)
        self.statuses[route][answer.status_code] += 1
        return answer

    async def close(self) -> None:
        for connection in self.idle:
            if connection.transport is not None:
                connection.transport.close()
        self.idle.clear()

    def count(self) -> int:
        return sum(len(values) for values in self.timings.values())


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else 0.0


async def newsletter_person(load: Load, inbox: Inbox, address: str, ip: str, done: dict) -> None:
    answer = await load.post("subscribe", {"email": address, "lang": "fr", "website": ""}, ip)
    if answer.status_code != 202:
        return
    token = await inbox.next_for(address, 0)
    confirmed = await load.post("confirm", {"token": token}, ip)
    if confirmed.status_code == 200:
        done["confirmed"].append(address)


async def account_person(
    load: Load, inbox: Inbox, address: str, ip: str, done: dict, hashing: bool
) -> None:
    answer = await load.post("register", {"email": address, "password": PASSWORD}, ip)
    if answer.status_code != 202:
        return
    done["registered"].append(address)
    if hashing:
        code = await inbox.next_for(address, 0)
        body = {"email": address, "code": code, "password": PASSWORD}
        if (await load.post("verify", body, ip)).status_code == 200:
            done["verified"].append(address)
            login = {"email": address, "password": PASSWORD}
            if (await load.post("login", login, ip)).status_code == 200:
                done["logged_in"].append(address)
    if (await load.post("forgot", {"email": address}, ip)).status_code == 202:
        done["forgot"].append(address)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_phase(serving: Serving, phase: int, people: int, hashing: bool) -> dict:
    load, inbox = Load(serving.base, 32), serving.inbox
    processes = serving.processes
    before = {name: cpu_seconds(pid) for name, pid in processes.items()}
    done: dict[str, list[str]] = defaultdict(list)
    started = time.perf_counter()
    tasks = []
    for number in range(people):
        ip = client_address(phase, number)
        domain = f"d{number % 97}.bench.example"
        tasks.append(newsletter_person(load, inbox, f"n{phase}-{number}@{domain}", ip, done))
        tasks.append(account_person(load, inbox, f"a{phase}-{number}@{domain}", ip, done, hashing))
    await asyncio.gather(*tasks)
    seconds = time.perf_counter() - started
    await load.close()
    cpu = {name: cpu_seconds(processes[name]) - then for name, then in before.items()}
    return {"load": load, "done": done, "seconds": seconds, "server_cpu_s": cpu.get("server", 0),
            "cpu_s": cpu}  # fmt: skip


#: Which known/unknown requests lead to a mail (what the server decides, off the request path).
MAILS = {
    ("register", "known"): True,  # "you already have an account"
    ("register", "unknown"): True,  # the verification code
    ("code", "known"): True,
    ("code", "unknown"): False,
    ("forgot", "known"): True,
    ("forgot", "unknown"): False,
    ("subscribe", "known"): False,  # already confirmed
    ("subscribe", "unknown"): True,
}


async def known_vs_unknown(
    base: str, inbox: Inbox, known: dict[str, list[str]], rounds: int
) -> dict:
    """One request at a time, known and unknown addresses alternating, per route. After each
    request, its mail (if any) is awaited and a short pause follows, so that no request is timed
    while the previous one's mail is being rendered, sent and received on these two cores."""
    load = Load(base, 1)
    timings: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    bodies = {
        "register": lambda a: {"email": a, "password": PASSWORD},
        "code": lambda a: {"email": a, "purpose": "login"},
        "forgot": lambda a: {"email": a},
        "subscribe": lambda a: {"email": a, "lang": "en", "website": ""},
    }
    number = 0
    for route, body in bodies.items():
        pool = known["subscribe" if route == "subscribe" else "account"]
        for index in range(min(rounds, len(pool))):
            unknown = f"u{route}{index}@n{index % 50}.nobody.example"
            pairs = [("known", pool[index]), ("unknown", unknown)]
            for kind, address in pairs if index % 2 else reversed(pairs):
                number += 1
                seen = len(inbox.received[address])
                started = time.perf_counter()
                answer = await load.post(route, body(address), client_address(9, number))
                timings[route][kind].append(time.perf_counter() - started)
                assert answer.status_code == 202, (route, kind, answer.text)
                if MAILS[route, kind]:
                    await inbox.next_for(address, seen)
                await asyncio.sleep(PACE_S)
    await load.close()
    return {
        route: {kind: statistics.median(values) for kind, values in kinds.items()}
        for route, kinds in timings.items()
    }


def hash_times(rounds: int = 20) -> list[float]:
    """Seconds of one argon2id hash, `rounds` times, in this process with the machine quiet."""
    from newsreel.api.passwords import hash_password

    hash_password("warm-up-Password-1!")
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        hash_password("Bench-Password-2025!")
        samples.append(time.perf_counter() - started)
    return samples


def hash_time_on_every_core(cores: int, rounds: int = 10) -> float:
    """Wall seconds of one hash while every core hashes (one thread each, argon2 releases the
    GIL): what a server doing nothing but hash would see. The hashes share the memory bus and
    the last-level cache (19 MiB each), so each takes longer than alone."""
    from concurrent.futures import ThreadPoolExecutor

    from newsreel.api.passwords import hash_password

    def hash_rounds(_: int) -> list[float]:
        hash_password("warm-up-Password-1!")
        return hash_times(rounds)

    with ThreadPoolExecutor(cores) as pool:
        samples = [t for thread in pool.map(hash_rounds, range(cores)) for t in thread]
    return statistics.median(samples)


def fresh_hash_times(cores: int, processes: int = 3) -> tuple[list[float], float]:
    """`hash_times()` and `hash_time_on_every_core()`, each in `processes` fresh interpreters.

    Fresh: after the load this process holds a large heap, and the 19 MiB each argon2 hash
    asks for comes back as fresh pages: measured in this process after a run, 461 page faults
    a hash and 16.6 ms against 15.3 in a fresh one (and 21-24 ms against 16-18 in two full
    runs), which would lower the ceiling and flatter the ratio. The server's hashing threads
    reuse their memory. Several: a process keeps the pages it first got for its hashes, and
    one process's hashes ran 10 % slower than the next one's, minutes apart or not."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import api; "
        "print(json.dumps([api.hash_times(), api.hash_time_on_every_core(int(sys.argv[2]))]))"
    )
    bench = str(Path(__file__).resolve().parent)
    alone: list[float] = []
    every_core: list[float] = []
    for _ in range(processes):
        out = subprocess.run(
            [sys.executable, "-c", code, bench, str(cores)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        samples, parallel = json.loads(out.stdout)
        alone += samples
        every_core.append(parallel)
    return alone, statistics.median(every_core)


def import_times(rounds: int) -> dict[str, float]:
    env = {
        **os.environ,
        "NEWSREEL_SITE_URL": "https://multimedia.example.org",
        "NEWSREEL_TABLE": "newsreel",
        "NEWSREEL_SECRET": "s" * 64,
        "NEWSREEL_ORIGIN_SECRET": "o" * 32,
        "NEWSREEL_PRIVATE_BUCKET": "private",
        "NEWSREEL_SITE_BUCKET": "site",
        "NEWSREEL_MAIL_QUEUE_URL": "https://sqs.eu-west-1.amazonaws.com/1/mail",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    code = "import time; t = time.perf_counter(); import {}; print(time.perf_counter() - t)"
    samples: dict[str, list[float]] = defaultdict(list)
    for _ in range(rounds):
        for name, module in (("boto3", "boto3"), ("handler", "newsreel.api.lambda_handler")):
            out = subprocess.run(
                [sys.executable, "-c", code.format(module)],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            samples[name].append(float(out.stdout))
    return {name: statistics.median(values) for name, values in samples.items()}


def pin(pid: int, cpus: set[int]) -> None:
    """Every thread of process `pid` onto `cpus` (on Linux affinity is per thread; the threads
    made later inherit it)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(ProcessLookupError, PermissionError):  # a thread just ended
            os.sched_setaffinity(int(task.name), cpus)


def start_server(root: Path, port: int, smtp_port: int | None) -> subprocess.Popen:
    """`newsreel serve` on loopback; its mail to the outbox (its default), or by SMTP."""
    env = dict(os.environ)
    if smtp_port is not None:
        env.update(NEWSREEL_SMTP_HOST="127.0.0.1", NEWSREEL_SMTP_PORT=str(smtp_port))
    command = [
        str(Path(sys.executable).with_name("newsreel")), "serve", "--root", str(root),
        "--no-build", "--port", str(port), "--trusted-proxy", "127.0.0.1",
    ]  # fmt: skip
    with open(root / "server.log", "w") as log:  # the child keeps its own descriptor
        server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/account/password/policy").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"newsreel serve did not start: {(root / 'server.log').read_text()}")


def check_store(db: Path, phases: list[dict]) -> dict[str, int]:
    """Every accepted write is in the store (read after the server stopped)."""
    connection = sqlite3.connect(db)
    rows = {(pk, sk): data for pk, sk, data in connection.execute("SELECT pk, sk, data FROM items")}
    checked = missing = 0
    for phase in phases:
        done = phase["done"]
        expectations = (
            [(f"account#{a}", "profile", None) for a in done["registered"]]
            + [(f"account#{a}", "profile", "verified") for a in done["verified"]]
            + [("newsletter", f"subscriber#{a}", "confirmed") for a in done["confirmed"]]
            + [(f"account#{a}", "code#reset", None) for a in done["forgot"]]
        )
        for pk, sk, state in expectations:
            checked += 1
            data = rows.get((pk, sk))
            if data is None:
                missing += 1
                continue
            item = json.loads(data)
            if state == "verified" and not (item.get("verified") and item.get("password_hash")):
                missing += 1
            if state == "confirmed" and item.get("status") != "confirmed":
                missing += 1
    return {"checked": checked, "missing": missing}


def pooled(phases: list[dict]) -> tuple[dict[str, list[float]], dict[str, dict[int, int]]]:
    """The timings and answers of several phases, per route, together."""
    timings: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for phase in phases:
        for route, values in phase["load"].timings.items():
            timings[route] += values
        for route, counts in phase["load"].statuses.items():
            for status, count in counts.items():
                statuses[route][status] += count
    return timings, statuses


def route_table(title: str, phases: list[dict]) -> Table:
    timings, statuses = pooled(phases)
    table = Table(title=title)
    for column in ("route", "requests", "p50 ms", "p99 ms", "answers"):
        table.add_column(column, justify="right" if column != "route" else "left")
    for route, values in timings.items():
        answers = ", ".join(f"{s}: {n}" for s, n in sorted(statuses[route].items()))
        table.add_row(
            route, str(len(values)), f"{percentile(values, 0.5) * 1000:.1f}",
            f"{percentile(values, 0.99) * 1000:.1f}", answers,
        )  # fmt: skip
    return table


class Serving:
    """One `newsreel serve` in a fresh project folder (its own store and outbox), and where its
    mail is read."""

    def __init__(self, mail: str) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="newsreel-bench-api-"))
        pelicanconf = (REPO / "pelicanconf.py").read_text()
        (self.root / "pelicanconf.py").write_text(pelicanconf, encoding="utf-8")
        (self.root / "output").mkdir()
        port = free_port()
        smtp_port = free_port() if mail == "smtp" else None
        outbox = self.root / "var" / "outbox"
        self.inbox = SmtpInbox(smtp_port) if smtp_port else OutboxInbox(outbox)
        self.server = start_server(self.root, port, smtp_port)
        #: Where the CPU of a phase goes: the server, this load generator, the SMTP sink.
        self.processes = {"server": self.server.pid, "client": os.getpid()}
        if self.inbox.pid:
            self.processes["sink"] = self.inbox.pid
        self.base = f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.server.send_signal(signal.SIGINT)  # uvicorn stops; the mail queue is flushed
        self.server.wait(timeout=120)
        self.inbox.close()


async def load_phases(
    serving: Serving, phase: int, people: int, alone_people: int
) -> tuple[dict, dict]:
    """The alone phase, then one mixed run."""
    serving.inbox.loop = asyncio.get_running_loop()
    alone = await run_phase(serving, 1, alone_people, hashing=False)
    await asyncio.sleep(1)  # the alone phase's last mails go out before the mixed run
    return alone, await run_phase(serving, phase, people, hashing=True)


async def compare_apart(serving: Serving, known: dict[str, list[str]], rounds: int) -> dict:
    """`known_vs_unknown`, the client on one core, the server and its mail on the others."""
    serving.inbox.loop = asyncio.get_running_loop()
    every = os.sched_getaffinity(0)
    apart = len(every) > 1
    if apart:
        client_core = {min(every)}
        for pid in serving.processes.values():
            pin(pid, client_core if pid == os.getpid() else every - client_core)
    try:
        return await known_vs_unknown(serving.base, serving.inbox, known, rounds)
    finally:
        if apart:
            for pid in serving.processes.values():
                pin(pid, every)


def p99_ratios(mixed: dict[str, list[float]], alone: dict[str, list[float]]) -> dict[str, float]:
    """Each no-hash route's p99 under the mixed load over its p99 alone (the target: <= 2)."""
    return {
        route: percentile(mixed[route], 0.99) / percentile(alone[route], 0.99) for route in NO_HASH
    }


def run_figures(
    mixed: dict, alone: dict, hashes: list[float], every_core: float, cores: int
) -> dict:
    """One mixed run against the ceiling its hashes set (timed before and after it)."""
    load: Load = mixed["load"]
    requests = load.count()
    hashing = len(load.timings["verify"]) + len(load.timings["login"])
    one_hash = statistics.median(hashes)
    throughput = requests / mixed["seconds"]
    ceiling = requests / (hashing * one_hash / cores)
    per_request = {k: v * 1000 / requests for k, v in mixed["cpu_s"].items()}
    hash_per_request = hashing * one_hash * 1000 / requests
    return {
        "requests": requests,
        "hashing_requests": hashing,
        "seconds": round(mixed["seconds"], 2),
        "throughput_rps": round(throughput, 1),
        "hash_ms": round(one_hash * 1000, 2),
        "hash_ms_every_core": round(every_core * 1000, 2),
        "hash_ceiling_rps": round(ceiling, 1),
        "ratio": round(throughput / ceiling, 3),
        "every_core_hash_ceiling_rps": round(requests / (hashing * every_core / cores), 1),
        "cpu_ms_per_request": {k: round(v, 2) for k, v in per_request.items()},
        # what any throughput on this machine is bound by, with every core busy
        "throughput_bound_by_cpu": round(hash_per_request / sum(per_request.values()), 3),
        "p50_ms": {r: round(percentile(v, 0.5) * 1000, 1) for r, v in load.timings.items()},
        "p99_ms": {r: round(percentile(v, 0.99) * 1000, 1) for r, v in load.timings.items()},
        "p99_mixed_over_alone": {
            route: round(ratio, 2)
            for route, ratio in p99_ratios(load.timings, alone["load"].timings).items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=834, help="mixed phase: 6 requests each")
    parser.add_argument("--alone-people", type=int, default=500, help="alone phase: 4 each")
    parser.add_argument(
        "--runs", type=int, default=3,
        help="mixed runs, each on a fresh server, the hash timed between them; the figure is "
        "the median run's",
    )  # fmt: skip
    parser.add_argument("--rounds", type=int, default=400, help="known/unknown pairs per route")
    parser.add_argument("--import-rounds", type=int, default=7)
    parser.add_argument(
        "--mail", choices=("outbox", "smtp"), default="outbox",
        help="outbox: newsreel serve's own mailer (.eml files, read as they appear); smtp: sent "
        "to an aiosmtpd server in a child process, on the same cores",
    )  # fmt: skip
    args = parser.parse_args()
    if min(args.runs, args.people, args.alone_people, args.rounds, args.import_rounds) < 1:
        parser.error("--runs, --people, --alone-people, --rounds and --import-rounds: at least 1")

    cores = len(os.sched_getaffinity(0))
    # the hash timed before the first run and after each (fresh interpreters, server idle):
    # this machine's speed drifts by 10-15 % from one minute to the next, so each run's
    # ceiling is the median of the timings on both sides of it
    timings = [fresh_hash_times(cores)]
    alones: list[dict] = []
    compared: dict = {}
    runs: list[dict] = []
    store = {"checked": 0, "missing": 0}
    for number in range(args.runs):
        serving = Serving(args.mail)
        try:
            alone, mixed = uvloop.run(
                load_phases(serving, 2 + number, args.people, args.alone_people)
            )  # as the server runs
            time.sleep(1)  # the last mails of the run go out
            timings.append(fresh_hash_times(cores))
            if number == args.runs - 1:  # on the last server, once its run is timed
                known = {"account": mixed["done"]["verified"],
                         "subscribe": mixed["done"]["confirmed"]}  # fmt: skip
                compared = uvloop.run(compare_apart(serving, known, args.rounds))
        finally:
            serving.stop()
        checked = check_store(serving.root / "var" / "newsreel.db", [alone, mixed])
        store = {key: store[key] + checked[key] for key in store}
        shutil.rmtree(serving.root, ignore_errors=True)  # its store and some 3,000 mails
        hashes = timings[-2][0] + timings[-1][0]
        every_core = (timings[-2][1] + timings[-1][1]) / 2
        alones.append(alone)
        runs.append({"phase": mixed, **run_figures(mixed, alone, hashes, cores=cores,
                                                    every_core=every_core)})  # fmt: skip
    imports = import_times(args.import_rounds)
    alone_timings, _ = pooled(alones)
    mixed_timings, _ = pooled([run["phase"] for run in runs])
    p99_ratio = p99_ratios(mixed_timings, alone_timings)

    middle = sorted(runs, key=lambda run: run["ratio"])[len(runs) // 2]
    console.print(route_table("No-hash routes alone, every server (concurrency 32)", alones))
    console.print(
        route_table("Mixed load, every run (concurrency 32)", [run["phase"] for run in runs])
    )
    table = Table(title="Mixed runs (each on a fresh server)")
    for column in ("run", "seconds", "req/s", "one hash ms (every core)", "hash ceiling req/s",
                   "ratio", "CPU ms a request: " + " / ".join(runs[0]["cpu_ms_per_request"]),
                   "p99 mixed / alone, worst route"):  # fmt: skip
        table.add_column(column, justify="right")
    for number, run in enumerate(runs, 1):
        table.add_row(
            str(number), f"{run['seconds']:.1f}", f"{run['throughput_rps']:.0f}",
            f"{run['hash_ms']:.1f} ({run['hash_ms_every_core']:.1f})",
            f"{run['hash_ceiling_rps']:.0f}", f"{run['ratio']:.2f}",
            " / ".join(f"{v:.1f}" for v in run["cpu_ms_per_request"].values()),
            f"{max(run['p99_mixed_over_alone'].values()):.2f}",
        )  # fmt: skip
    console.print(table)

    errors = {
        route: {s: n for s, n in statuses.items() if s >= 400}
        for phase in (*alones, *(run["phase"] for run in runs))
        for route, statuses in phase["load"].statuses.items()
    }
    gap = {
        route: abs(m["known"] - m["unknown"]) / min(m["known"], m["unknown"])
        for route, m in compared.items()
    }
    summary = Table(title="Targets")
    for column in ("figure", "measured", "target", ""):
        summary.add_column(column)

    def verdict(ok: bool) -> str:
        return "[green]PASS[/green]" if ok else "[red]FAIL[/red]"

    for route, ratio in p99_ratio.items():
        worst = max(run["p99_mixed_over_alone"][route] for run in runs)
        summary.add_row(
            f"{route} p99 mixed / alone (every run)",
            f"{ratio:.2f}x (single runs: up to {worst:.2f}x)", "<= 2x", verdict(ratio <= 2),
        )  # fmt: skip
    ratios = ", ".join(f"{run['ratio']:.2f}" for run in runs)
    summary.add_row(
        "mixed throughput / hash ceiling (median run)",
        f"{middle['throughput_rps']:.0f} / {middle['hash_ceiling_rps']:.0f} req/s = "
        f"{middle['ratio']:.2f} (runs: {ratios})",
        ">= 0.7", verdict(middle["ratio"] >= 0.7),
    )  # fmt: skip
    summary.add_row(
        "(for information) / every-core hash ceiling",
        f"{middle['throughput_rps']:.0f} / {middle['every_core_hash_ceiling_rps']:.0f} req/s = "
        f"{middle['throughput_rps'] / middle['every_core_hash_ceiling_rps']:.2f}", "", "",
    )  # fmt: skip
    ratio = imports["handler"] / imports["boto3"]
    summary.add_row(
        "Lambda handler import / import boto3",
        f"{imports['handler'] * 1000:.0f} / {imports['boto3'] * 1000:.0f} ms = {ratio:.2f}x",
        "<= 1.5x", verdict(ratio <= 1.5),
    )  # fmt: skip
    for route, share in gap.items():
        times = compared[route]
        summary.add_row(
            f"{route}: known vs unknown (median)",
            f"{times['known'] * 1000:.2f} / {times['unknown'] * 1000:.2f} ms ({share:.1%})",
            "within 10 %", verdict(share <= 0.10),
        )  # fmt: skip
    summary.add_row(
        "store after the runs",
        f"{store['checked'] - store['missing']} of {store['checked']} writes found",
        "all", verdict(store["missing"] == 0),
    )  # fmt: skip
    summary.add_row("errors (4xx/5xx)", json.dumps({r: e for r, e in errors.items() if e}), "none",
                    verdict(not any(errors.values())))  # fmt: skip
    console.print(summary)
    alone_requests = sum(phase["load"].count() for phase in alones)
    alone_cpu_ms = sum(phase["server_cpu_s"] for phase in alones) * 1000 / alone_requests
    console.print(
        f"median run: one argon2id hash {middle['hash_ms']:.1f} ms (with every core hashing "
        f"{middle['hash_ms_every_core']:.1f}); {cores} cores; {middle['hashing_requests']} "
        f"hashing requests of {middle['requests']}; server CPU per request: alone "
        f"{alone_cpu_ms:.1f} ms, mixed {middle['cpu_ms_per_request'].get('server', 0):.1f} ms; "
        f"with every core busy, throughput / ceiling could be at most "
        f"{middle['throughput_bound_by_cpu']:.2f} on this machine"
    )
    figures = {
        "benchmark": "api",
        "mail": args.mail,
        "cores": cores,
        "hash_ms_between_runs": [round(statistics.median(t[0]) * 1000, 2) for t in timings],
        "alone": {
            "requests": alone_requests,
            "seconds": [round(phase["seconds"], 2) for phase in alones],
            "server_cpu_ms_per_request": round(alone_cpu_ms, 2),
            "p50_ms": {r: round(percentile(v, 0.5) * 1000, 1) for r, v in alone_timings.items()},
            "p99_ms": {r: round(percentile(v, 0.99) * 1000, 1) for r, v in alone_timings.items()},
        },
        "p99_mixed_over_alone": {r: round(v, 2) for r, v in p99_ratio.items()},
        "mixed_p99_ms": {r: round(percentile(v, 0.99) * 1000, 1) for r, v in mixed_timings.items()},
        "mixed": {k: v for k, v in middle.items() if k != "phase"},
        "mixed_runs": [
            {k: run[k] for k in ("ratio", "throughput_rps", "hash_ceiling_rps", "hash_ms")}
            for run in runs
        ],
        "known_vs_unknown_ms": {
            r: {k: round(v * 1000, 3) for k, v in m.items()} for r, m in compared.items()
        },
        "known_vs_unknown_gap": {r: round(v, 3) for r, v in gap.items()},
        "import_ms": {k: round(v * 1000, 1) for k, v in imports.items()},
        "store": store,
        "errors": errors,
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
