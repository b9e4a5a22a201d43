"""The AWS deployment: both templates lint clean, and the stack's resources, brought up on
moto's server (table, buckets, queue, SES identity, SSM secrets), serve the real handlers:
the API through Mangum with Function URL events, the mail sender with SQS events."""

from __future__ import annotations

import email
import importlib
import json
import re
import subprocess
import sys
from email.policy import default
from pathlib import Path

import httpx
import pytest

from .conftest import manifest_bytes

REPO = Path(__file__).resolve().parents[2]
SITE = "https://multimedia.example.org"
ORIGIN_SECRET = "cdn-origin-secret-" + "z" * 20
VIDEO = "2025-10-15-test"
PRIVATE_KEY = f"_private/media/{VIDEO}/abcd/20251015-test-broadcast.mp4"
CONTENT = bytes(range(256)) * 64
PASSWORD = "Correct-Horse-9-Battery"


@pytest.mark.parametrize("template", ["template.yaml", "site.yaml", "edge.yaml"])
def test_templates_pass_cfn_lint(template: str):
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), str(REPO / "infra" / template)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def function_url_event(
    method: str,
    path: str,
    body: dict | None = None,
    *,
    cookies: list[str] | None = None,
    through_cdn: bool = True,
    viewer: str = "198.51.100.7:50312",
    accept: str = "application/json",
) -> dict:
    """What a Lambda Function URL hands the function (payload format 2.0)."""
    headers = {
        "host": "abc.lambda-url.eu-west-1.on.aws",
        "content-type": "application/json",
        "origin": SITE,
        "accept": accept,
        "accept-language": "fr",
        "x-forwarded-for": "203.0.113.250",  # whatever the client wrote: never believed
    }
    if through_cdn:
        headers["x-newsreel-origin"] = ORIGIN_SECRET
        headers["cloudfront-viewer-address"] = viewer
    path, _, query = path.partition("?")
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": headers,
        "cookies": cookies or [],
        "isBase64Encoded": False,
        "body": json.dumps(body) if body is not None else "",
        "requestContext": {
            "http": {
                "method": method,
                "path": path,
                "sourceIp": "130.176.0.1",  # a CloudFront edge
                "protocol": "HTTP/1.1",
                "userAgent": "test",
            },
            "domainName": "abc.lambda-url.eu-west-1.on.aws",
            "stage": "$default",
            "requestId": "1",
            "accountId": "123456789012",
            "apiId": "abc",
            "timeEpoch": 0,
        },
    }


@pytest.fixture
def stack(aws, monkeypatch):
    """The resources infra/template.yaml and infra/site.yaml declare, on moto's server."""
    import uuid

    from newsreel.api.store.dynamo import DynamoStore

    unique = uuid.uuid4().hex[:8]  # moto's server lives for the session: one stack per test
    table, site_bucket, private_bucket = (f"{n}-{unique}" for n in ("newsreel", "site", "private"))
    region = {"CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}
    dynamodb = aws("client", "dynamodb")
    DynamoStore.create_table(dynamodb, table)
    s3 = aws("client", "s3")
    s3.create_bucket(Bucket=site_bucket, **region)
    s3.create_bucket(Bucket=private_bucket, **region)
    manifest = manifest_bytes(
        VIDEO,
        [{"preset": "broadcast", "access": "account",
          "url": f"/api/download/{VIDEO}/full/broadcast",
          "filename": "20251015-test-broadcast.mp4", "private_path": PRIVATE_KEY}],
    )  # fmt: skip
    s3.put_object(
        Bucket=site_bucket,
        Key=f"media/{VIDEO}/manifest.json",
        Body=manifest,
    )
    s3.put_object(Bucket=private_bucket, Key=PRIVATE_KEY, Body=CONTENT)
    queue_url = aws("client", "sqs").create_queue(QueueName=f"mail-{unique}")["QueueUrl"]
    aws("client", "sesv2").create_email_identity(EmailIdentity="multimedia@example.org")
    ssm = aws("client", "ssm")
    ssm.put_parameter(Name="/newsreel/secret", Value="s" * 64, Type="SecureString", Overwrite=True)
    ssm.put_parameter(
        Name="/newsreel/origin-secret", Value=ORIGIN_SECRET, Type="SecureString", Overwrite=True
    )
    for name, value in {
        "AWS_ENDPOINT_URL": aws.endpoint,
        "NEWSREEL_TABLE": table,
        "NEWSREEL_SITE_URL": SITE,
        "NEWSREEL_SECRET_PARAMETER": "/newsreel/secret",
        "NEWSREEL_ORIGIN_SECRET_PARAMETER": "/newsreel/origin-secret",
        "NEWSREEL_PRIVATE_BUCKET": private_bucket,
        "NEWSREEL_SITE_BUCKET": site_bucket,
        "NEWSREEL_MAIL_QUEUE_URL": queue_url,
        "NEWSREEL_SENDER": "multimedia@example.org",
    }.items():
        monkeypatch.setenv(name, value)
    api = importlib.reload(importlib.import_module("newsreel.api.lambda_handler"))
    sender = importlib.import_module("newsreel.api.lambda_mail")
    sender._work.cache_clear()
    yield api.handler, sender.handler, aws("client", "sqs"), queue_url
    sender._work.cache_clear()


def deliver_queued_mail(sender, sqs, queue_url: str) -> int:
    """Hand the queued jobs to the sender Lambda as SQS would; returns how many."""
    handled = 0
    while True:
        answer = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)
        messages = answer.get("Messages", [])
        if not messages:
            return handled
        event = {
            "Records": [
                {"messageId": m["MessageId"], "body": m["Body"], "eventSource": "aws:sqs"}
                for m in messages
            ]
        }
        assert sender(event, None) == {"batchItemFailures": []}
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        handled += len(messages)


def sent_code(address: str) -> str:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    for message in reversed(sent):
        raw = getattr(message, "raw_data", "")
        parsed = email.message_from_string(raw, policy=default)
        if parsed["To"] == address:
            return re.search(r"\b(\d{6})\b", parsed.get_body(("plain",)).get_content()).group(1)
    raise AssertionError(f"no mail to {address}")


def test_register_verify_and_download_through_the_deployed_handlers(stack):
    api, sender, sqs, queue_url = stack
    address = "journalist@example.org"

    register = api(
        function_url_event(
            "POST", "/api/account/register", {"email": address, "password": PASSWORD}
        ),
        None,
    )
    assert register["statusCode"] == 202, register
    assert deliver_queued_mail(sender, sqs, queue_url) == 1
    code = sent_code(address)

    verify = api(
        function_url_event(
            "POST", "/api/account/verify", {"email": address, "code": code, "password": PASSWORD}
        ),
        None,
    )
    assert verify["statusCode"] == 200, verify
    cookie = next(c for c in verify["cookies"] if c.startswith("newsreel_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie
    session = [cookie.split(";")[0]]

    download = api(
        function_url_event(
            "GET", f"/api/download/{VIDEO}/full/broadcast", cookies=session, accept="*/*"
        ),
        None,
    )
    assert download["statusCode"] == 302, download
    link = download["headers"]["location"]
    assert "/private-" in link and "X-Amz-Expires=300" in link
    part = httpx.get(link, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == CONTENT[100:200]
    whole = httpx.get(link)
    assert whole.status_code == 200 and whole.content == CONTENT
    assert 'filename="20251015-test-broadcast.mp4"' in whole.headers["content-disposition"]

    as_json = api(
        function_url_event("GET", f"/api/download/{VIDEO}/full/broadcast", cookies=session), None
    )
    assert as_json["statusCode"] == 200
    assert json.loads(as_json["body"])["expires_in"] == 300

    unknown = api(
        function_url_event("GET", f"/api/download/{VIDEO}/full/4k", cookies=session), None
    )
    assert unknown["statusCode"] == 404


def test_only_requests_through_cloudfront_are_answered(stack):
    api, *_ = stack
    direct = api(function_url_event("GET", "/api/account/me", through_cdn=False), None)
    assert direct["statusCode"] == 403
    body = json.loads(direct["body"])
    assert body["error"] == "forbidden" and body["message"].startswith("Cette adresse")
    forged = function_url_event("GET", "/api/account/me", through_cdn=False)
    forged["headers"]["x-newsreel-origin"] = "guess"
    assert api(forged, None)["statusCode"] == 403
    through = api(function_url_event("GET", "/api/account/me"), None)
    assert through["statusCode"] == 401


def test_budgets_count_the_cloudfront_viewer_not_forwarded_headers(stack):
    """30 mails an hour per client: rotating X-Forwarded-For changes nothing."""
    api, *_ = stack
    answers = []
    for number in range(31):
        event = function_url_event(
            "POST", "/api/account/password/forgot", {"email": f"user{number}@example{number}.org"}
        )
        event["headers"]["x-forwarded-for"] = f"203.0.113.{number}"
        answers.append(api(event, None)["statusCode"])
    assert answers == [202] * 30 + [429]
    other_viewer = function_url_event(
        "POST",
        "/api/account/password/forgot",
        {"email": "someone@example.net"},
        viewer="2001:db8:1:2::7:40000",
    )
    assert api(other_viewer, None)["statusCode"] == 202


def signed_in(api, sender, sqs, queue_url: str, address: str) -> list[str]:
    """Register and verify `address` through the handlers; returns the session cookie."""
    event = function_url_event(
        "POST", "/api/account/register", {"email": address, "password": PASSWORD}
    )
    assert api(event, None)["statusCode"] == 202
    deliver_queued_mail(sender, sqs, queue_url)
    verify = api(
        function_url_event("POST", "/api/account/verify",
                           {"email": address, "code": sent_code(address), "password": PASSWORD}),
        None,
    )  # fmt: skip
    assert verify["statusCode"] == 200, verify
    return [next(c for c in verify["cookies"] if c.startswith("newsreel_session=")).split(";")[0]]


def test_a_manifest_the_function_may_not_list_is_a_404_not_a_500(stack, aws, monkeypatch):
    """The function may read `media/*/manifest.json` but not list the site bucket (template.yaml),
    so S3 answers a missing manifest with 403 AccessDenied, not 404: an unknown video (an old
    link, a typo) must be a JSON 404, as locally, and never a 500."""
    from publish.faults import FaultProxy

    api, sender, sqs, queue_url = stack
    session = signed_in(api, sender, sqs, queue_url, "desk@example.org")
    denied = (403, "AccessDenied", "Access Denied")

    def decide(number: int, method: str, path: str) -> tuple[int, str, str] | None:
        missing = method == "GET" and path.endswith("/media/2025-01-01-gone/manifest.json")
        return denied if missing else None

    with FaultProxy(aws.endpoint, decide) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)  # the S3 clients are made on first use
        gone = api(function_url_event("GET", "/api/download/2025-01-01-gone/full/broadcast",
                                      cookies=session), None)  # fmt: skip
        found = api(function_url_event("GET", f"/api/download/{VIDEO}/full/broadcast",
                                       cookies=session), None)  # fmt: skip
    assert proxy.faults() == {"AccessDenied": 1}
    assert gone["statusCode"] == 404, gone
    assert json.loads(gone["body"])["error"] == "not_found"
    assert found["statusCode"] == 200, found


def test_a_deployment_missing_a_setting_says_which_in_one_line(stack, aws, monkeypatch):
    """A function deployed without one of its variables, or with an SSM parameter that does not
    exist, stops at start with one line naming each and the fix, not a KeyError or a botocore
    traceback in the logs; an origin secret stored with a trailing newline still matches."""
    from newsreel.api.config import ApiConfig
    from newsreel.errors import NewsreelError

    monkeypatch.delenv("NEWSREEL_TABLE")
    monkeypatch.delenv("NEWSREEL_SITE_BUCKET")
    with pytest.raises(NewsreelError) as missing:
        ApiConfig.from_env()
    said = missing.value.lines()
    assert [line.split(":")[0] for line in said] == ["NEWSREEL_TABLE", "NEWSREEL_SITE_BUCKET"]
    assert all("infra/template.yaml" in line for line in said), said
    monkeypatch.setenv("NEWSREEL_TABLE", "t")
    monkeypatch.setenv("NEWSREEL_SITE_BUCKET", "b")
    monkeypatch.setenv("NEWSREEL_SECRET_PARAMETER", "/newsreel/no-such-secret")
    with pytest.raises(NewsreelError) as absent:
        ApiConfig.from_env()
    assert absent.value.lines()[0].startswith("SSM parameter /newsreel/no-such-secret: "), absent
    assert "aws ssm put-parameter" in absent.value.lines()[0]

    monkeypatch.setenv("NEWSREEL_SECRET_PARAMETER", "/newsreel/secret")
    aws("client", "ssm").put_parameter(Name="/newsreel/origin-secret", Value=ORIGIN_SECRET + "\n",
                                       Type="SecureString", Overwrite=True)  # fmt: skip
    api = importlib.reload(importlib.import_module("newsreel.api.lambda_handler")).handler
    assert api(function_url_event("GET", "/api/account/me"), None)["statusCode"] == 401


@pytest.mark.parametrize("region", ["eu-west-3", "us-east-1"])
def test_the_cdn_lets_pages_play_and_read_the_links_the_function_signs(region, monkeypatch):
    """The function's signed links name the private bucket by the host botocore presigns with
    (the global `<bucket>.s3.amazonaws.com`, in every region): the site's CSP must allow that
    host for `<video>` (media-src) and for the clip tool's range reads (connect-src), or a
    signed-in downloader's broadcast preview is blocked by the browser, in production only."""
    from urllib.parse import urlsplit

    from newsreel.api.config import aws_client
    from newsreel.api.downloads import S3Downloader

    bucket = "newsreel-private-media-1a2b3c"
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", region)
    link = S3Downloader(aws_client("s3", signature_version="s3v4"), bucket).url_for(
        "_private/media/v/0123456789abcdef/v-1080p.mp4", "v-1080p.mp4"
    )
    host = f"https://{urlsplit(link).netloc}"
    template = (REPO / "infra/site.yaml").read_text("utf-8")
    csp = template.split("ContentSecurityPolicy: !Sub ", 1)[1].splitlines()[0].strip('"')
    csp = csp.replace(
        "${PrivateMediaBucket.RegionalDomainName}", f"{bucket}.s3.{region}.amazonaws.com"
    )
    csp = csp.replace("${PrivateMediaBucket.DomainName}", f"{bucket}.s3.amazonaws.com")
    for directive in ("media-src", "connect-src"):
        allowed = re.search(rf"{directive} ([^;]*)", csp).group(1).split()
        assert host in allowed, f"{directive} does not allow {host}: {allowed}"


def _template_parameters(name: str) -> dict:
    import yaml

    class CloudFormation(yaml.SafeLoader):
        """Reads `!Sub`, `!Ref`... as their plain value."""

    CloudFormation.add_multi_constructor(
        "!",
        lambda loader, suffix, node: (
            loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode) else None
        ),
    )
    text = (REPO / "infra" / name).read_text("utf-8")
    return yaml.load(text, CloudFormation)["Parameters"]  # noqa: S506


@pytest.mark.parametrize("template", ["template.yaml", "site.yaml"])
def test_the_site_url_is_refused_at_deploy_unless_it_is_an_origin(template: str):
    """`https://multimedia.example.org/`, pasted from a browser, deployed: the private bucket's
    CORS rule named an origin no browser sends (Origin has no slash), so every range read of a
    signed link failed, in production only. CloudFormation now refuses it, saying the form."""
    parameter = _template_parameters(template)["SiteUrl"]
    pattern = re.compile(parameter["AllowedPattern"])  # CloudFormation matches the whole value
    for good in ("https://multimedia.example.org", "https://media.nato.int", "https://a.b:8443"):
        assert pattern.fullmatch(good), good
    for bad in ("https://multimedia.example.org/", "http://multimedia.example.org",
                "multimedia.example.org", "https://multimedia.example.org/fr/",
                "https://Multimedia.example.org", ""):  # fmt: skip
        assert not pattern.fullmatch(bad), bad
    assert "https://multimedia.example.org" in parameter["ConstraintDescription"]


def test_a_mail_job_sqs_delivers_twice_sends_one_code_that_works(stack):
    """SQS delivers at least once (and again after a send whose success was not reported): a
    second run of a register job issued a second code, killing the first one, which the person
    was already typing. A job is done once per message."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    api, sender, sqs, queue_url = stack
    address = "twice@example.org"
    event = function_url_event("POST", "/api/account/register",
                               {"email": address, "password": PASSWORD})  # fmt: skip
    assert api(event, None)["statusCode"] == 202
    message = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=1)["Messages"][0]
    record = {"messageId": message["MessageId"], "body": message["Body"], "eventSource": "aws:sqs"}
    sent = ses_backends[DEFAULT_ACCOUNT_ID]["eu-west-1"].sent_messages
    before = len(sent)
    assert sender({"Records": [record]}, None) == {"batchItemFailures": []}
    code = sent_code(address)
    assert sender({"Records": [record]}, None) == {"batchItemFailures": []}  # delivered again
    assert len(sent) == before + 1, "one mail"
    verify = api(
        function_url_event("POST", "/api/account/verify",
                           {"email": address, "code": code, "password": PASSWORD}),
        None,
    )  # fmt: skip
    assert verify["statusCode"] == 200, verify
