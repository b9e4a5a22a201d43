"""AWS as operators meet it: clients that retry, and failures said in one line with the fix.

botocore's exceptions name an operation, not what the operator must do; `explain` turns the
ones a person causes (no credentials, a wrong key, access denied, a bucket or distribution that
does not exist, an endpoint that cannot be reached) into a `NewsreelError` naming the resource
and the fix. Anything else is returned as None, and stays a bug with its traceback.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from newsreel.errors import NewsreelError, Problem

#: botocore's standard retry mode: backoff with jitter on throttling and transient errors.
RETRIES = {"mode": "standard", "max_attempts": 8}


def client(service: str, **options: Any) -> Any:
    """A boto3 client with retries for transient errors (throttling, resets, 5xx)."""
    import boto3
    from botocore.config import Config

    config = Config(retries=RETRIES, **options.pop("config_options", {}))
    return boto3.client(service, config=config, **options)


_CREDENTIALS_FIX = (
    "set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to an account allowed to "
    "publish, or run `aws configure`"
)
_CODES = {
    "NoSuchBucket": ("does not exist", "create it (infra/site.yaml) or fix the bucket name"),
    "NoSuchDistribution": (
        "does not exist",
        "check the CloudFront distribution id (NEWSREEL_DISTRIBUTION_ID or --distribution)",
    ),
    "AccessDenied": ("access denied", "give these credentials the rights the template lists"),
    "AllAccessDisabled": ("access denied", "give these credentials the rights it needs"),
    "InvalidAccessKeyId": ("the access key is not known to AWS", _CREDENTIALS_FIX),
    "SignatureDoesNotMatch": ("the secret key is wrong", _CREDENTIALS_FIX),
    "ExpiredToken": ("the credentials have expired", "renew them (aws sso login, ...)"),
    "InvalidClientTokenId": ("the credentials are not valid", _CREDENTIALS_FIX),
    "AuthorizationHeaderMalformed": ("wrong region", "set AWS_REGION to the bucket's region"),
    "PermanentRedirect": ("the bucket is in another region", "set AWS_REGION to its region"),
}


def explain(error: BaseException, resource: str = "") -> NewsreelError | None:
    """A one-line NewsreelError for the AWS failures a person causes, else None."""
    from botocore import exceptions as aws

    if isinstance(error, aws.NoCredentialsError | aws.PartialCredentialsError):
        return NewsreelError(Problem("AWS credentials", "", "not found", _CREDENTIALS_FIX))
    if isinstance(error, aws.EndpointConnectionError | aws.ConnectTimeoutError):
        url = urlsplit(getattr(error, "kwargs", {}).get("endpoint_url") or "")
        where = resource or (f"{url.scheme}://{url.netloc}" if url.netloc else "AWS endpoint")
        return NewsreelError(
            Problem(where, "", "cannot be reached",
                    "check the network, the region (AWS_REGION) and AWS_ENDPOINT_URL if set")
        )  # fmt: skip
    if isinstance(error, aws.ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code not in _CODES and status in (403, 404):
            code = {403: "AccessDenied", 404: "NoSuchBucket"}[status]
        if code in _CODES:
            message, fix = _CODES[code]
            bucket = details.get("BucketName")
            where = resource or (f"s3://{bucket}" if bucket else error.operation_name)
            return NewsreelError(Problem(where, "", message, fix))
    return None
