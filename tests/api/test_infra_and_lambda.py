"""The AWS side: both templates lint clean; the Lambda handler answers through Mangum."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("template", ["template.yaml", "site.yaml"])
def test_templates_pass_cfn_lint(template: str):
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), str(REPO / "infra" / template)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def function_url_event(method: str, path: str, body: dict | None = None) -> dict:
    headers = {
        "host": "abc.lambda-url.eu-west-1.on.aws",
        "content-type": "application/json",
        "origin": "https://multimedia.example.org",
        "accept-language": "fr",
    }
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "isBase64Encoded": False,
        "body": json.dumps(body) if body else "",
        "requestContext": {
            "http": {
                "method": method,
                "path": path,
                "sourceIp": "198.51.100.7",
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


def test_lambda_handler_serves_the_api_from_dynamodb_and_ses(aws, monkeypatch):
    from newsreel.api.store.dynamo import DynamoStore

    DynamoStore.create_table(aws("resource", "dynamodb"), "newsreel-lambda")
    aws("client", "sesv2").create_email_identity(EmailIdentity="multimedia@example.org")
    for name, value in {
        "AWS_ENDPOINT_URL": aws.endpoint,
        "NEWSREEL_TABLE": "newsreel-lambda",
        "NEWSREEL_SITE_URL": "https://multimedia.example.org",
        "NEWSREEL_SECRET": "s" * 32,
        "NEWSREEL_PRIVATE_BUCKET": "private",
        "NEWSREEL_SENDER": "multimedia@example.org",
    }.items():
        monkeypatch.setenv(name, value)
    module = importlib.import_module("newsreel.api.lambda_handler")
    module = importlib.reload(module)
    me = module.handler(function_url_event("GET", "/api/account/me"), None)
    assert me["statusCode"] == 401
    assert json.loads(me["body"])["error"] == "not_authenticated"
    subscribe = module.handler(
        function_url_event(
            "POST",
            "/api/newsletter/subscribe",
            {"email": "ana@example.org", "lang": "fr", "website": ""},
        ),
        None,
    )
    assert subscribe["statusCode"] == 202, subscribe
    table = aws("resource", "dynamodb").Table("newsreel-lambda")
    item = table.get_item(Key={"pk": "newsletter", "sk": "subscriber#ana@example.org"})["Item"]
    assert json.loads(item["data"])["status"] == "pending"
