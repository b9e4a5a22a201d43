"""`newsreel serve`'s options: each checked before anything is built, each mistake one line
naming its option; the port is taken before the build; links in e-mails work from the LAN."""

from __future__ import annotations

import email
import http.client
import ipaddress
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from email.policy import default
from pathlib import Path

from typer.testing import CliRunner

from conftest import NEWSREEL, free_port, start_serve, stop_process
from newsreel.api.budgets import budget
from newsreel.cli import app

REPO = Path(__file__).resolve().parents[2]


def site_root(tmp_path: Path) -> Path:
    """A project with settings and an empty output (the API needs no page)."""
    (tmp_path / "pelicanconf.py").write_text(
        (REPO / "pelicanconf.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "output").mkdir(exist_ok=True)
    return tmp_path


def test_a_trusted_proxy_that_is_not_an_address_stops_serve_with_one_line(tmp_path):
    site_root(tmp_path)
    result = CliRunner().invoke(
        app,
        ["serve", "--root", str(tmp_path), "--no-build", "--trusted-proxy", "not-an-address"],
    )
    assert result.exit_code == 2
    assert "--trusted-proxy" in result.output and "not-an-address" in result.output
    assert "Traceback" not in result.output


def test_trusted_proxies_accept_addresses_and_networks():
    """`--trusted-proxy` values as uvicorn is given them, and the client the API then counts
    under: the rightmost untrusted `X-Forwarded-For` entry, only from a trusted peer."""
    import asyncio

    from starlette.datastructures import Headers

    from newsreel.api.clients import SocketPeer
    from newsreel.serve import server_config, trusted_proxies

    assert trusted_proxies(["127.0.0.1", "10.1.2.3/8", "[::1]"]) == [
        "127.0.0.1",
        "10.0.0.0/8",
        "::1",
    ]
    seen: list[str] = []

    async def api(scope, receive, send):
        seen.append(SocketPeer().identify(Headers(scope=scope), scope["client"][0]))

    config = server_config(api, ["127.0.0.1", "10.1.2.3/8", "::1"])
    config.load()

    def client(peer: str, forwarded: str | None = None) -> str:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
        scope = {"type": "http", "client": (peer, 5000), "headers": headers}
        asyncio.run(config.loaded_app(scope, None, None))  # through uvicorn's middleware
        return seen.pop()

    chain = "6.6.6.6, 203.0.113.5, 10.1.2.3"
    assert client("127.0.0.1", chain) == "203.0.113.5"
    assert client("198.51.100.1", chain) == "198.51.100.1", "not a trusted peer"
    assert client("127.0.0.1") == "127.0.0.1"
    assert client("127.0.0.1", "6.6.6.6, 203.0.113.5:4711, 10.1.2.3") == "203.0.113.5"
    assert client("::1", "2001:db8:aa:bb::1") == "2001:db8:aa:bb::/64"
    assert client("127.0.0.1", "garbage, 10.1.2.3") == "unknown", "no address: no budget of its own"


def serve_args(root: Path, *options: str) -> list[str]:
    return ["serve", "--root", str(root), *options]


def one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in output, output
    return lines[0]


def test_a_port_in_use_stops_serve_before_the_build_with_one_line(tmp_path):
    root = site_root(tmp_path)
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = CliRunner().invoke(app, serve_args(root, "--port", str(port)))
    assert result.exit_code == 2
    line = one_line(result.output)  # nothing built, nothing "Serving"
    assert line.startswith(f"--port: 127.0.0.1:{port} is already in use")
    other = int(re.search(r"try --port (\d+)", line).group(1))
    assert other != port
    socket.create_server(("127.0.0.1", other)).close()  # the port suggested was free


def test_a_data_folder_that_cannot_be_written_stops_serve_before_the_build_with_one_line(
    tmp_path,
):
    """`var/` holds the accounts and the outbox: if it cannot be written, serve says so and
    which path, before building (a traceback once, or mail that failed after a 202)."""
    root = site_root(tmp_path)
    (root / "var").write_text("a file where the data folder goes")
    result = CliRunner().invoke(app, serve_args(root, "--no-build", "--port", "0"))
    assert result.exit_code == 2, result.output
    line = one_line(result.output)
    assert line.startswith(f"{root / 'var'}: cannot be written")
    assert "writable by this user" in line
    (root / "var").unlink()
    (root / "var" / "newsreel.db").mkdir(parents=True)  # no database can be opened there
    result = CliRunner().invoke(app, serve_args(root, "--no-build", "--port", "0"))
    assert result.exit_code == 2, result.output
    assert "newsreel.db: cannot be written" in one_line(result.output)


def test_each_option_is_named_in_its_own_mistake(tmp_path):
    root = site_root(tmp_path)
    for options, start in [
        (["--port", "99999"], "--port: 99999 is not a port; give one from 1 to 65535"),
        (["--port", "-1"], "--port: -1 is not a port"),
        (["--host", "no-such-host.invalid"], "--host: cannot listen on 'no-such-host.invalid'"),
        (["--site-url", "ftp://news.example.org"], "--site-url: 'ftp://news.example.org' is"),
        (["--site-url", "https://news.example.org/en/"], "--site-url: 'https://news.example."),
        (["--site-url", "http://x:99999"], "--site-url: 'http://x:99999'"),
        (["--trusted-proxy", "nope"], "--trusted-proxy: 'nope' is not an IP address"),
    ]:
        result = CliRunner().invoke(app, serve_args(root, *options))
        assert result.exit_code == 2, (options, result.output)
        assert one_line(result.output).startswith(start), (options, result.output)


def test_serving_on_every_ipv6_interface_answers_at_the_ipv4_addresses_it_prints():
    """`--host ::` prints this machine's IPv4 addresses (`local_urls`): its socket must take
    IPv4 connections too (Python makes an IPv6 socket IPv6-only unless told otherwise)."""
    from newsreel.serve import listen, local_urls

    if not socket.has_ipv6 or not socket.has_dualstack_ipv6():
        raise AssertionError("this machine has no dual-stack IPv6 sockets")
    for host in ("::", "[::]"):
        server = listen(host, 0)
        try:
            port = server.getsockname()[1]
            assert local_urls(host, port)[-1] == f"http://127.0.0.1:{port}"
            for address in ("127.0.0.1", "::1"):
                with socket.create_connection((address, port), timeout=5):
                    pass  # accepted by the listening socket's backlog
        finally:
            server.close()


def test_the_urls_of_a_site_served_on_every_interface_work_from_another_device():
    from newsreel.serve import checked_site_url, lan_address, local_urls

    lan = lan_address()
    assert ipaddress.ip_address(lan) and lan != "0.0.0.0"
    for wildcard in ("0.0.0.0", "::", "[::]"):
        urls = local_urls(wildcard, 8766)
        assert urls[0] == f"http://{lan}:8766" and urls[-1] == "http://127.0.0.1:8766"
    assert local_urls("::1", 8766) == ["http://[::1]:8766"]
    assert local_urls("fe80::1", 80) == ["http://[fe80::1]:80"]
    assert local_urls("192.168.1.5", 8000) == ["http://192.168.1.5:8000"]
    assert checked_site_url("https://news.example.org/") == "https://news.example.org"
    assert checked_site_url("http://[::1]:8000") == "http://[::1]:8000"


def test_serving_on_every_interface_mails_links_that_open_from_the_lan(tmp_path):
    """A real `newsreel serve --host 0.0.0.0`: the newsletter confirmation link points at the
    address it printed for other devices, never at 0.0.0.0, and that address answers."""
    root = site_root(tmp_path)
    server, lines = start_serve(root, "--no-build", "--host", "0.0.0.0", "--port", "0")
    try:
        line = next(line for line in lines if line.startswith("Serving "))
        urls = re.findall(r"(http://[^/ ]+)/", line)
        assert len(urls) == 2 and "0.0.0.0" not in line, line
        lan = urls[0]
        request = urllib.request.Request(
            f"{lan}/api/newsletter/subscribe",
            data=json.dumps({"email": "ana@example.org", "lang": "fr"}).encode(),
            headers={"Content-Type": "application/json", "Origin": lan},
        )
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy
        with direct.open(request, timeout=10) as answer:
            assert answer.status == 202
        deadline = time.monotonic() + 15
        while not (mails := list((root / "var" / "outbox").glob("*.eml"))):
            assert time.monotonic() < deadline, "no mail"
            time.sleep(0.05)
        text = email.message_from_bytes(mails[0].read_bytes(), policy=default)
        body = text.get_body(("plain",)).get_content()
        assert f"{lan}/fr/newsletter/confirm/?token=" in body, body
    finally:
        stop_process(server)


def test_serve_trusts_no_forwarded_header_from_loopback_without_trusted_proxy(tmp_path):
    """A real `newsreel serve` (uvicorn) without --trusted-proxy: a local client rotating
    X-Forwarded-For is one client, and meets its per-address budget like anyone (uvicorn itself
    believes that header from 127.0.0.1 unless told not to)."""
    root = site_root(tmp_path)
    port = free_port()
    server, _ = start_serve(root, "--no-build", "--port", str(port))
    base = f"http://127.0.0.1:{port}"
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    statuses = []
    try:
        for number in range(budget("mail_ip").limit + 3):
            request = urllib.request.Request(
                f"{base}/api/newsletter/subscribe",
                data=json.dumps({"email": f"p{number}@d{number}.example.org"}).encode(),
                headers={"Content-Type": "application/json", "Origin": base,
                         "X-Forwarded-For": f"203.0.113.{number + 1}"},
            )  # fmt: skip
            try:
                with direct.open(request, timeout=10) as answer:
                    statuses.append(answer.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
    finally:
        stop_process(server)
    limit = budget("mail_ip").limit
    assert statuses[:limit] == [202] * limit and set(statuses[limit:]) == {429}, statuses


def test_behind_a_trusted_https_proxy_redirects_stay_on_https(tmp_path):
    """A real `newsreel serve` behind a TLS proxy on the same host (`--trusted-proxy 127.0.0.1`):
    a folder asked for without its slash redirects to https, as the visitor came; without
    --trusted-proxy, X-Forwarded-Proto is not believed either."""
    root = site_root(tmp_path)
    (root / "output" / "fr" / "news").mkdir(parents=True)
    (root / "output" / "fr" / "news" / "index.html").write_text("<!doctype html><title>x</title>")
    for trusted, scheme in ((["--trusted-proxy", "127.0.0.1"], "https"), ([], "http")):
        port = free_port()
        server, _ = start_serve(root, "--no-build", "--port", str(port), *trusted)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/fr/news", headers={
                "Host": "multimedia.example.org", "X-Forwarded-Proto": "https",
                "X-Forwarded-For": "203.0.113.9",
            })  # fmt: skip
            answer = connection.getresponse()
            assert answer.status in (301, 302, 307, 308)
            assert answer.getheader("Location") == f"{scheme}://multimedia.example.org/fr/news/"
        finally:
            stop_process(server)


def said_until_it_ends(process: subprocess.Popen) -> str:
    """All a signalled `newsreel serve` printed until it ended (killed if not in 30 s)."""
    try:
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    return output.decode()


def test_signals_from_timeout_stop_serve_without_a_traceback(tmp_path):
    """`timeout` passes a SIGINT to its child and sends its process group another, and a
    `pkill` may reach both processes: the server got two or three at once, and one that came
    after uvicorn's own handlers were gone cancelled the event loop's lifespan task, which
    uvicorn logged as a traceback after a clean stop (two runs in four). Three rounds."""
    timeout = shutil.which("timeout")
    if timeout is None:  # coreutils: on every Debian
        raise AssertionError("the timeout command is missing")
    root = site_root(tmp_path)
    for round_number in range(3):
        port = free_port()
        wrapper = subprocess.Popen(
            [timeout, "120", NEWSREEL, "serve", "--root", str(root), "--no-build",
             "--port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "300", "NO_COLOR": "1"},
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/openapi.json", timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline and wrapper.poll() is None, "serve did not start"
                time.sleep(0.2)
        request = urllib.request.Request(
            f"{base}/api/newsletter/subscribe",
            data=json.dumps({"email": f"reader{round_number}@example.org"}).encode(),
            headers={"Content-Type": "application/json", "Origin": base},
        )
        urllib.request.urlopen(request, timeout=10).close()
        children = Path(f"/proc/{wrapper.pid}/task/{wrapper.pid}/children").read_text().split()
        for pid in [wrapper.pid, *map(int, children)]:  # as `pkill -f 'newsreel serve'` does
            os.kill(pid, signal.SIGINT)
        said = said_until_it_ends(wrapper)
        assert "Traceback" not in said and "ERROR" not in said, said


def test_sigterm_stops_serve_as_ctrl_c_does(tmp_path):
    """SIGTERM (`docker stop`, systemd) to the server alone: it stops as on Ctrl+C (the mail
    queue flushed, nothing printed after), with the status of a terminated command, 143.
    uvicorn handed SIGTERM back to Python's default once it had stopped, which ended the
    process before `serve` flushed its mail queue."""
    root = site_root(tmp_path)
    server, _ = start_serve(root, "--no-build", "--port", str(free_port()))
    server.send_signal(signal.SIGTERM)
    said = said_until_it_ends(server)
    assert server.returncode == 143, said
    assert "Traceback" not in said and "ERROR" not in said, said
