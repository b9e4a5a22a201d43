"""Account-only downloads: 401 without a session, 404 for unknown keys, 302 to a short link."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from .conftest import manifest_bytes, register

VIDEO = "2025-10-15-test"


def publish_manifest(output: Path) -> bytes:
    private = "_private/media/2025-10-15-test/abcd/20251015-test-hd.mp4"
    content = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40
    (output / private).parent.mkdir(parents=True, exist_ok=True)
    (output / private).write_bytes(content)
    manifest = manifest_bytes(
        VIDEO,
        [
            {"preset": "hd", "access": "account", "url": f"/api/download/{VIDEO}/full/hd",
             "private_path": private, "filename": "20251015-test-hd.mp4"},
            {"preset": "web", "access": "public", "url": "/media/x/web.mp4", "filename": "web.mp4"},
        ],
    )  # fmt: skip
    (output / "media" / VIDEO).mkdir(parents=True, exist_ok=True)
    (output / "media" / VIDEO / "manifest.json").write_bytes(manifest)
    return content


def test_download_needs_a_session(client, output):
    publish_manifest(output)
    answer = client.get(f"/api/download/{VIDEO}/full/hd", follow_redirects=False)
    assert answer.status_code == 401 and answer.json()["error"] == "not_authenticated"


def test_download_redirects_to_a_short_lived_signed_link(client, outbox, output, clock):
    content = publish_manifest(output)
    register(client, outbox)
    for missing in (
        f"/api/download/{VIDEO}/full/4k",
        f"/api/download/{VIDEO}/nope/hd",
        "/api/download/other/full/hd",
        "/api/download/..%2Fsecret/full/hd",
    ):
        assert client.get(missing, follow_redirects=False).status_code == 404, missing
    answer = client.get(f"/api/download/{VIDEO}/full/hd", follow_redirects=False)
    assert answer.status_code == 302
    link = answer.headers["location"]
    query = parse_qs(urlsplit(link).query)
    assert int(query["expires"][0]) - clock.now() <= 300
    client.cookies.clear()  # the link itself needs no session: it is the authorisation
    file = client.get(link)
    assert file.status_code == 200 and file.content == content
    assert 'filename="20251015-test-hd.mp4"' in file.headers["content-disposition"]
    part = client.get(link, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == content[10:20]
    tampered = link.replace(query["sig"][0], "0" * 64)
    assert client.get(tampered).status_code == 404
    clock.advance(301)
    assert client.get(link).status_code == 404
    public = client.get(f"/api/download/{VIDEO}/full/web", follow_redirects=False)
    assert public.status_code == 401  # still needs a session, even for public presets


def test_s3_presigned_link_fetches_the_object(aws):
    import boto3
    import httpx
    from botocore.config import Config

    from newsreel.api.downloads import S3Downloader

    s3 = boto3.client(
        "s3",
        endpoint_url=aws.endpoint,
        region_name="eu-west-1",
        config=Config(signature_version="s3v4"),
    )
    s3.create_bucket(
        Bucket="private-media", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    s3.put_object(Bucket="private-media", Key="site/_private/media/x/hd.mp4", Body=b"broadcast")
    url = S3Downloader(lambda: s3, "private-media", "site/").url_for(
        "_private/media/x/hd.mp4", "hd.mp4"
    )
    query = parse_qs(urlsplit(url).query)
    assert int(query["X-Amz-Expires"][0]) <= 300
    answer = httpx.get(url)
    assert answer.status_code == 200 and answer.content == b"broadcast"
    assert 'filename="hd.mp4"' in answer.headers["content-disposition"]


def test_a_signed_in_visitor_gets_the_link_as_json_and_it_serves_ranges_and_head(
    client, outbox, output, clock
):
    """For the visitor's own clip (issue 15): the link as JSON; the link answers Range/HEAD."""
    content = publish_manifest(output)
    accept_json = {"Accept": "application/json"}
    anonymous = client.get(f"/api/download/{VIDEO}/full/hd", headers=accept_json)
    assert anonymous.status_code == 401
    register(client, outbox)
    answer = client.get(f"/api/download/{VIDEO}/full/hd", headers=accept_json)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    link = answer.json()
    assert link["expires_in"] == 300 and link["filename"] == "20251015-test-hd.mp4"
    head = client.head(link["url"])
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(content)
    assert head.headers["accept-ranges"] == "bytes"
    tail = client.get(link["url"], headers={"Range": f"bytes={len(content) - 16}-"})
    assert tail.status_code == 206 and tail.content == content[-16:]
    missing = client.get(f"/api/download/{VIDEO}/full/4k", headers=accept_json)
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_manifests_are_cached_briefly_found_or_not(clock, tmp_path):
    from newsreel.api.manifests import CachedManifests

    reads = []

    class Source:
        def __init__(self):
            self.manifests = {}

        def read(self, video_id):
            reads.append(video_id)
            return self.manifests.get(video_id)

    source = Source()
    cache = CachedManifests(source, clock, ttl_s=60, max_entries=2)
    assert cache.find(VIDEO, "full", "hd") is None
    source.manifests[VIDEO] = manifest_bytes(
        VIDEO,
        [{"preset": "hd", "access": "account", "url": "/x", "filename": "x.mp4",
          "private_path": "_private/x.mp4"}],
    )  # fmt: skip
    assert cache.find(VIDEO, "full", "hd") is None, "a negative answer is cached too"
    clock.advance(61)
    assert cache.find(VIDEO, "full", "hd").private_path == "_private/x.mp4"
    assert cache.find(VIDEO, "full", "hd") is not None
    assert reads == [VIDEO, VIDEO]
    for other in ("a", "b", "c"):
        cache.find(other, "full", "hd")
    assert len(cache._entries) == 2, "bounded"
    assert cache.find("UPPER", "full", "hd") is None and "UPPER" not in reads
    source.manifests["broken"] = b"{not json"
    assert cache.find("broken", "full", "hd") is None


def test_manifests_from_the_site_bucket_and_a_missing_bucket(aws):
    from newsreel.api.manifests import BucketManifests

    s3 = aws("client", "s3")
    s3.create_bucket(
        Bucket="site-manifests", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    s3.put_object(Bucket="site-manifests", Key=f"media/{VIDEO}/manifest.json", Body=b'{"cuts": []}')
    assert BucketManifests(lambda: s3, "site-manifests").read(VIDEO) == b'{"cuts": []}'
    assert BucketManifests(lambda: s3, "site-manifests").read("absent") is None
    assert BucketManifests(lambda: s3, "no-such-bucket-here").read(VIDEO) is None


def raw_get(base: str, target: str, range_header: str | None) -> tuple[int, dict[str, str], bytes]:
    """GET over a socket, the Range header sent exactly as written (a client library might
    refuse or rewrite a malformed one)."""
    import socket

    parts = urlsplit(base)
    extra = f"Range: {range_header}\r\n" if range_header is not None else ""
    request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n{extra}Connection: close\r\n\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request.encode("latin-1"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (x.partition(":") for x in lines)}
    return int(status_line.split()[1]), headers, body


UNREADABLE_RANGES = [
    "bytes=abc", "bytes=5-2", "items=0-1", "bytes=", "bytes=0-1,x", "0-1",
    # positions no file has, too long for Python to read as integers (a 500 before)
    "bytes=0-" + "9" * 4400, "bytes=1" + "0" * 5000 + "-", "bytes=-" + "9" * 4400,
]  # fmt: skip


def test_a_range_the_server_cannot_read_is_ignored_the_whole_file_comes(client, config, output):
    """RFC 9110 §14.2: a server MAY ignore a Range it cannot parse; a player asking for
    `bytes=5-2` gets the file (200), not a `400 text/plain`. A readable range past the end
    still gets 416 with the size, and a good one 206; a set of ranges some of which exist gets
    those; the same for the signed download link and for the site's own files."""
    from .servers import serving

    content = publish_manifest(output)
    (output / "media" / "web.mp4").write_bytes(content)
    link = config.downloads.url_for(
        "_private/media/2025-10-15-test/abcd/20251015-test-hd.mp4", "hd.mp4"
    )
    with serving(client.app) as base:
        for target in (link, "/media/web.mp4"):
            for unreadable in UNREADABLE_RANGES:
                status, headers, body = raw_get(base, target, unreadable)
                assert (status, body) == (200, content), (target, unreadable, status, body[:80])
                assert "content-range" not in headers
            status, headers, body = raw_get(base, target, "bytes=10-19")
            assert (status, body) == (206, content[10:20])
            assert headers["content-range"] == f"bytes 10-19/{len(content)}"
            status, headers, _ = raw_get(base, target, f"bytes={len(content)}-")
            assert status == 416 and headers["content-range"] == f"bytes */{len(content)}"
            # a set some of whose ranges exist gets those (RFC 9110 §14.1.1), not a 416
            size = len(content)
            status, headers, body = raw_get(base, target, f"bytes=10-19, {size + 5}-")
            assert (status, body) == (206, content[10:20]), (target, status, body[:80])
            assert headers["content-range"] == f"bytes 10-19/{size}"
            status, headers, body = raw_get(base, target, f"bytes=0-1,{size}-,-0, 100-103")
            assert status == 206 and headers["content-type"].startswith("multipart/byteranges")
            assert f"bytes 0-1/{size}".encode() in body and content[100:104] in body
            assert f"bytes {size}".encode() not in body
            status, headers, _ = raw_get(base, target, f"bytes={size}-, -0, {size + 9}-{size + 9}")
            assert status == 416 and headers["content-range"] == f"bytes */{size}"


def test_readable_ranges():
    from newsreel.api.ranges import readable_range

    for value in ("bytes=0-", "bytes=-5", "BYTES = 1-2 , 4-4", "bytes=0-0", "bytes=9-9999",
                  "bytes=0-999999999999999999"):  # fmt: skip
        assert readable_range(value), value
    for value in (*UNREADABLE_RANGES, "bytes=-", "bytes=1-2-3", "bytes=+1-2", "bytes=١-٢"):
        assert not readable_range(value), value
