"""The CDN's missing pages: the edge function answers in the language of the path's folder."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

EDGE = REPO / "infra" / "edge" / "not_found.py"


def load_edge():
    spec = importlib.util.spec_from_file_location("not_found", EDGE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Tagged(yaml.SafeLoader):
    """CloudFormation's short tags (!Ref, !Sub...) read as plain values."""


_Tagged.add_multi_constructor("!", lambda loader, suffix, node: None)


def test_the_template_carries_this_very_code_and_passes_cfn_lint():
    template = yaml.load((REPO / "infra" / "edge.yaml").read_text("utf-8"), _Tagged)  # noqa: S506
    code = template["Resources"]["NotFoundFunction"]["Properties"]["Code"]["ZipFile"]
    assert code == EDGE.read_text("utf-8"), "edit infra/edge/not_found.py, then copy it in"
    assert len(code) <= 4096, "CloudFormation's inline code limit"
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(cfn_lint), str(REPO / "infra" / "edge.yaml")], capture_output=True)
    assert result.returncode == 0, result.stdout


def event(uri: str, status: str, bucket: str) -> dict:
    origin = {"s3": {"domainName": f"{bucket}.s3.eu-west-1.amazonaws.com"}}
    return {"Records": [{"cf": {
        "request": {"uri": uri, "origin": origin},
        "response": {"status": status, "statusDescription": "x", "headers": {}},
    }}]}  # fmt: skip


@pytest.fixture
def edge(aws, monkeypatch, request):
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.endpoint)
    s3 = aws("client", "s3")
    bucket = "edge-" + request.node.name.replace("_", "-")[:50]
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    pages = {"404.html": "<html lang=en>both", "fr/404.html": '<html lang="fr">Page introuvable',
             "en/404.html": '<html lang="en">Page not found'}  # fmt: skip
    for key, body in pages.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    return load_edge(), bucket


def test_a_missing_french_page_answers_in_french(edge):
    module, bucket = edge
    for status in ("403", "404"):  # S3 behind OAC answers 403 for a key that is not there
        answer = module.handler(event("/fr/news/nope/index.html", status, bucket), now=0)
        assert answer["status"] == "404" and "Page introuvable" in answer["body"]
        assert answer["headers"]["content-language"][0]["value"] == "fr"
    english = module.handler(event("/en/nope/", "403", bucket), now=0)
    assert "Page not found" in english["body"]


def test_outside_a_language_folder_the_bilingual_page(edge):
    module, bucket = edge
    for uri in ("/nope", "/xx/nope/"):
        answer = module.handler(event(uri, "404", bucket), now=0)
        assert (
            answer["body"] == "<html lang=en>both" and "content-language" not in answer["headers"]
        )


def test_found_pages_and_other_origins_pass_through(edge):
    module, bucket = edge
    found = event("/fr/", "200", bucket)
    assert module.handler(found, now=0) is found["Records"][0]["cf"]["response"]
    elsewhere = event("/fr/nope", "404", bucket)
    elsewhere["Records"][0]["cf"]["request"]["origin"] = {"custom": {"domainName": "x.example"}}
    assert module.handler(elsewhere, now=0)["status"] == "404"
    assert "body" not in module.handler(elsewhere, now=0)


def test_the_pages_are_kept_a_few_minutes(edge, aws):
    module, bucket = edge
    module.handler(event("/fr/a", "404", bucket), now=0)
    aws("client", "s3").put_object(Bucket=bucket, Key="fr/404.html", Body=b"<html>nouvelle")
    assert "introuvable" in module.handler(event("/fr/b", "404", bucket), now=100)["body"]
    assert "nouvelle" in module.handler(event("/fr/c", "404", bucket), now=400)["body"]
