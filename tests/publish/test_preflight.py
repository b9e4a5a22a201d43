"""An operator's mistakes end in one line naming the resource and the fix, exit 2, nothing sent.

Real answers from moto's server: its IAM authentication is switched on (`/moto-api/reset-auth`)
for the credential and permission cases, so a wrong key, a wrong secret and a missing right are
refused by the server itself, as AWS would.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
import pytest
from typer.testing import CliRunner

from conftest import free_port
from newsreel import cloud
from newsreel.cli import app
from newsreel.publish import run

from .conftest import keys


@pytest.fixture(autouse=True)
def fresh_session():
    """A boto3 session keeps the credentials it first found: an operator's command is a new
    process, so each test here, which changes them, starts a new session too."""
    cloud.reset()
    yield
    cloud.reset()


def publish_command(site, targets, *extra: str) -> list[str]:
    command = ["publish", "--root", str(site.root), "--settings", "pelicanconf.py",
               "--no-build", "--bucket", targets.bucket]  # fmt: skip
    if targets.private_bucket:
        command += ["--private-bucket", targets.private_bucket]
    return command + list(extra)


def one_line(site, targets, *extra: str) -> str:
    """Run `newsreel publish`; it must fail with exit 2 and one line, and send nothing."""
    result = CliRunner().invoke(app, publish_command(site, targets, *extra))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    said = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(said) == 1, result.stderr
    return said[0]


def assert_nothing_published(s3, *buckets: str) -> None:
    for bucket in buckets:
        assert not [key for key in keys(s3, bucket) if not key.startswith(".newsreel/")]


@pytest.fixture
def targets_no_cdn(buckets):
    return run.Targets(*buckets)


def test_a_missing_bucket(site, targets_no_cdn, s3):
    missing = run.Targets(targets_no_cdn.bucket, "no-such-private-bucket")
    line = one_line(site, missing)
    assert line == (
        "s3://no-such-private-bucket: does not exist; create it (infra/site.yaml) or fix the "
        "bucket name"
    )
    assert_nothing_published(s3, targets_no_cdn.bucket)


def test_an_unknown_distribution(site, targets_no_cdn, s3):
    line = one_line(site, targets_no_cdn, "--distribution", "E2NOSUCHDIST")
    assert line.startswith("CloudFront distribution E2NOSUCHDIST: does not exist; check")
    assert_nothing_published(s3, *targets_no_cdn.buckets)


def test_no_credentials(site, targets_no_cdn, s3, monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    cloud.reset()
    line = one_line(site, targets_no_cdn)
    assert line.startswith("AWS credentials: not found; set AWS_PROFILE")
    assert_nothing_published(s3, *targets_no_cdn.buckets)


def test_an_unreachable_endpoint(site, targets_no_cdn, monkeypatch):
    port = free_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    line = one_line(site, targets_no_cdn)
    assert line.startswith(f"http://127.0.0.1:{port}")
    assert "cannot be reached; check the network" in line


def test_a_bucket_in_another_region(site, targets_no_cdn, aws, s3):
    name = f"site-paris-{free_port()}"
    paris = boto3.client("s3", endpoint_url=aws.endpoint, region_name="eu-west-3")
    paris.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    line = one_line(site, run.Targets(name, targets_no_cdn.private_bucket))
    assert line == (
        f"s3://{name}: is in region eu-west-3, but AWS_DEFAULT_REGION is eu-west-1; set "
        "AWS_REGION=eu-west-3 (or AWS_DEFAULT_REGION, or the profile's region)"
    )
    assert_nothing_published(s3, name, targets_no_cdn.private_bucket)


def test_aws_region_is_the_region_the_messages_name(site, targets_no_cdn, aws, monkeypatch):
    """botocore reads AWS_DEFAULT_REGION only; an operator told to set AWS_REGION=eu-west-3
    must then get past the region check (and nothing asks for it again)."""
    name = f"site-paris-{free_port()}"
    paris = boto3.client("s3", endpoint_url=aws.endpoint, region_name="eu-west-3")
    paris.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_REGION", "eu-west-3")
    cloud.reset()
    run.preflight(run.Targets(name, None))  # no NewsreelError: the bucket's region is ours


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("AWS_PROFILE", "nosuch", "AWS_PROFILE: no profile 'nosuch'; name a profile of"),
        ("AWS_ENDPOINT_URL", "notaurl", "AWS_ENDPOINT_URL: 'notaurl' is not a URL; give one"),
    ],
)
def test_a_wrong_profile_or_endpoint_is_one_line(
    site, targets_no_cdn, monkeypatch, variable, value, said
):
    monkeypatch.setenv(variable, value)
    assert one_line(site, targets_no_cdn).startswith(said)


def test_a_bucket_name_s3_refuses_is_one_line(site, targets_no_cdn, s3):
    line = one_line(site, run.Targets("Bad_Bucket!", targets_no_cdn.private_bucket))
    assert line == (
        "s3://Bad_Bucket!: is not a bucket name; S3 bucket names are 3 to 63 lowercase "
        "letters, digits, dots and hyphens"
    )


def test_the_private_bucket_is_blamed_where_it_was_given(site, targets_no_cdn):
    same = run.Targets(targets_no_cdn.bucket, targets_no_cdn.bucket)
    assert one_line(site, same).startswith(
        f"--private-bucket: {targets_no_cdn.bucket} is the site bucket, which everyone can read"
    )


# -- with moto's IAM authentication on ------------------------------------------------------------


def _auth(endpoint: str, count: str) -> None:
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth", data=count.encode(), method="POST",
        headers={"Content-Type": "text/plain"},
    )  # fmt: skip
    urllib.request.urlopen(request, timeout=10).close()


@contextmanager
def authenticated(endpoint: str) -> Iterator[None]:
    """moto checks every request's signature and the caller's IAM policies until the end."""
    _auth(endpoint, "0")
    try:
        yield
    finally:
        _auth(endpoint, "inf")


def publisher(aws, name: str, statements: list[dict]) -> dict[str, str]:
    """An IAM user with these policy statements; returns its access key."""
    iam = aws("client", "iam")
    iam.create_user(UserName=name)
    document = {"Version": "2012-10-17", "Statement": statements}
    iam.put_user_policy(UserName=name, PolicyName="publish", PolicyDocument=json.dumps(document))
    return iam.create_access_key(UserName=name)["AccessKey"]


def allow(actions: list[str], *buckets: str) -> dict:
    resources = [f"arn:aws:s3:::{b}" for b in buckets] + [f"arn:aws:s3:::{b}/*" for b in buckets]
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


#: moto asks for `s3:HeadBucket` where AWS asks for `s3:ListBucket`: tests grant both.
READ = ["s3:ListBucket", "s3:HeadBucket", "s3:GetObject"]


def use_key(monkeypatch, key_id: str, secret: str) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    cloud.reset()


@pytest.mark.parametrize("wrong", ["key", "secret"])
def test_wrong_credentials(wrong, site, targets_no_cdn, aws, s3, monkeypatch, request):
    key = publisher(aws, f"publisher-{request.node.name}"[:60], [allow(READ, "*")])
    if wrong == "key":
        use_key(monkeypatch, "AKIANOSUCHKEY0000000", key["SecretAccessKey"])
        expected = "the access key is not known to AWS; set AWS_PROFILE"
    else:
        use_key(monkeypatch, key["AccessKeyId"], "not-the-secret")
        expected = "the secret key is wrong; set AWS_PROFILE"
    with authenticated(aws.endpoint):
        line = one_line(site, targets_no_cdn)
    assert line.startswith(f"s3://{targets_no_cdn.bucket}: {expected}"), line
    assert_nothing_published(s3, *targets_no_cdn.buckets)


def test_no_right_to_read_the_private_bucket(site, targets_no_cdn, aws, s3, monkeypatch):
    site_bucket, private = targets_no_cdn.buckets
    key = publisher(aws, "publisher-site-only", [allow([*READ, "s3:PutObject"], site_bucket)])
    use_key(monkeypatch, key["AccessKeyId"], key["SecretAccessKey"])
    with authenticated(aws.endpoint):
        line = one_line(site, targets_no_cdn)
    assert line == (
        f"s3://{private}: access denied; attach the PublisherPolicy of infra/site.yaml to these "
        "credentials (or give them the rights it lists), and check that no bucket policy or "
        "organisation policy denies them"
    )
    assert_nothing_published(s3, site_bucket, private)


def test_no_right_to_write_is_found_before_anything_goes_up(
    site, targets_no_cdn, aws, s3, monkeypatch
):
    site_bucket, private = targets_no_cdn.buckets
    key = publisher(aws, "publisher-read-only", [allow(READ, site_bucket, private)])
    use_key(monkeypatch, key["AccessKeyId"], key["SecretAccessKey"])
    with authenticated(aws.endpoint):
        result = CliRunner().invoke(app, publish_command(site, targets_no_cdn))
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    last = result.stderr.strip().splitlines()[-1]  # after the plan's summary
    assert last.startswith(f"s3://{site_bucket}/.newsreel/publish-lock.json: access denied;")
    assert result.stderr.count("access denied") == 1
    assert keys(s3, site_bucket) == set() and keys(s3, private) == set()


def test_the_right_rights_publish(site, targets_no_cdn, aws, s3, monkeypatch):
    site_bucket, private = targets_no_cdn.buckets
    rights = [*READ, "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    key = publisher(aws, "publisher-all-rights", [allow(rights, site_bucket, private)])
    use_key(monkeypatch, key["AccessKeyId"], key["SecretAccessKey"])
    with authenticated(aws.endpoint):
        result = CliRunner().invoke(app, publish_command(site, targets_no_cdn))
    assert result.exit_code == 0, result.output
    assert "en/index.html" in keys(s3, site_bucket)


def test_the_checks_come_before_the_build(small_site, s3):
    command = ["publish", "--root", str(small_site.root), "--settings", "pelicanconf.py",
               "--bucket", "no-such-site-bucket"]  # fmt: skip
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "s3://no-such-site-bucket: does not exist" in result.stderr
    assert not small_site.output.exists(), "nothing was built for nothing"
