"""`newsreel serve`'s API options: --trusted-proxy is checked before anything starts."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from newsreel.cli import app

REPO = Path(__file__).resolve().parents[2]


def test_a_trusted_proxy_that_is_not_an_address_stops_serve_with_one_line(tmp_path):
    (tmp_path / "pelicanconf.py").write_text(
        (REPO / "pelicanconf.py").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (tmp_path / "output").mkdir()
    result = CliRunner().invoke(
        app,
        ["serve", "--root", str(tmp_path), "--no-build", "--trusted-proxy", "not-an-address"],
    )
    assert result.exit_code == 2
    assert "--trusted-proxy" in result.output and "not-an-address" in result.output
    assert "Traceback" not in result.output


def test_trusted_proxies_accept_addresses_and_networks():
    from starlette.datastructures import Headers

    from newsreel.api.clients import TrustedProxies

    proxies = TrustedProxies(["127.0.0.1", "10.0.0.0/8", "::1"])
    chain = Headers({"x-forwarded-for": "6.6.6.6, 203.0.113.5, 10.1.2.3"})
    assert proxies.identify(chain, "127.0.0.1") == "203.0.113.5"
    assert proxies.identify(chain, "198.51.100.1") == "198.51.100.1", "not a trusted peer"
    assert proxies.identify(Headers({}), "127.0.0.1") == "127.0.0.1"
    junk = Headers({"x-forwarded-for": "garbage, 10.1.2.3"})
    assert proxies.identify(junk, "127.0.0.1") == "10.1.2.3"
    v6 = Headers({"x-forwarded-for": "2001:db8:aa:bb::1"})
    assert proxies.identify(v6, "::1") == "2001:db8:aa:bb::/64"
