"""Real servers for the API tests: an ASGI app under uvicorn on a free loopback port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from conftest import free_port


@contextmanager
def serving(app, trusted_proxies: tuple[str, ...] = ()) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 in a thread, configured as `newsreel serve` configures uvicorn;
    yields its base URL, and stops it afterwards."""
    import uvicorn

    from newsreel.serve import server_config

    port = free_port()
    config = server_config(app, trusted_proxies, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
