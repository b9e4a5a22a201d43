"""AWS as operators meet it: clients that retry, and failures said in one line with the fix.

All clients come from one boto3 session of this module's, whose responses keep timestamps as
the strings AWS sent, as the AWS CLI's do: nothing here reads them, and parsing the 5,000
`LastModified`s of a site's listing with dateutil took a second of a publish that had nothing
to send. `reset()` forgets the session (and the credentials it found), for a process whose
environment changes (tests).

Retries are botocore's own (its `standard` mode: exponential backoff with jitter on throttling,
5xx answers and dropped connections, under a retry quota), with more attempts than botocore's
default of 3 since a publish sends thousands of requests; an operator can still choose with
botocore's own variables, `AWS_RETRY_MODE` (`standard` or `adaptive`) and `AWS_MAX_ATTEMPTS`.

botocore's exceptions name an operation, not what the operator must do; `explain` turns the
ones a person causes (no credentials, a profile or key that does not exist, access denied, a
bucket or distribution that does not exist, a bucket name S3 refuses, no region, an endpoint
that is not a URL or cannot be reached) and the ones that outlast the
retries (AWS or the network failing for a while) into a `NewsreelError` naming the resource
and the fix. Anything else is returned as None, and stays a bug with its traceback.
"""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import urlsplit

from newsreel.errors import NewsreelError, Problem

#: Attempts per request (the first one included) unless AWS_MAX_ATTEMPTS says otherwise.
MAX_ATTEMPTS = 8


def retries() -> dict[str, Any]:
    """botocore's retry settings: its standard mode, or what AWS_RETRY_MODE/AWS_MAX_ATTEMPTS
    ask for."""
    mode = os.environ.get("AWS_RETRY_MODE", "standard")
    attempts = os.environ.get("AWS_MAX_ATTEMPTS", "")
    return {"mode": mode, "max_attempts": int(attempts) if attempts.isdigit() else MAX_ATTEMPTS}


_LOCK = threading.Lock()
_SESSION: Any = None


def session() -> Any:
    """This module's boto3 session (credentials and region as boto3 finds them)."""
    global _SESSION
    with _LOCK:
        if _SESSION is None:
            import boto3
            import botocore.session

            core = botocore.session.get_session()
            core.get_component("response_parser_factory").set_parser_defaults(timestamp_parser=str)
            # AWS_REGION is what the AWS documentation and our messages name, and what Lambda
            # sets; botocore itself reads only AWS_DEFAULT_REGION (and the profile)
            region = os.environ.get("AWS_REGION") or None
            _SESSION = boto3.session.Session(botocore_session=core, region_name=region)
        return _SESSION


def reset() -> None:
    """Forget the session: the next client looks for credentials and region again."""
    global _SESSION
    with _LOCK:
        _SESSION = None


def client(service: str, **options: Any) -> Any:
    """A boto3 client with retries for transient errors (throttling, resets, 5xx).

    `config_options` go to botocore's `Config` (timeouts, a different `retries`...).
    """
    from botocore.config import Config

    settings = {"retries": retries(), **options.pop("config_options", {})}
    return session().client(service, config=Config(**settings), **options)


_CREDENTIALS_FIX = (
    "set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) to an account allowed to "
    "publish, or run `aws configure`"
)
_RIGHTS_FIX = (
    "attach the PublisherPolicy of infra/site.yaml to these credentials (or give them the "
    "rights it lists), and check that no bucket policy or organisation policy denies them"
)
_AGAIN = (
    "AWS or the network failed for longer than the retries last; run the command again "
    "(a publish goes on from where it stopped)"
)
_CODES = {
    "NoSuchBucket": ("does not exist", "create it (infra/site.yaml) or fix the bucket name"),
    "NoSuchDistribution": (
        "does not exist",
        "check the CloudFront distribution id (NEWSREEL_DISTRIBUTION_ID or --distribution)",
    ),
    "AccessDenied": ("access denied", _RIGHTS_FIX),
    "AllAccessDisabled": ("access denied", _RIGHTS_FIX),
    "InvalidAccessKeyId": ("the access key is not known to AWS", _CREDENTIALS_FIX),
    "SignatureDoesNotMatch": ("the secret key is wrong", _CREDENTIALS_FIX),
    "InvalidClientTokenId": ("the credentials are not valid", _CREDENTIALS_FIX),
    "ExpiredToken": ("the credentials have expired", "renew them (aws sso login, ...)"),
    "ExpiredTokenException": ("the credentials have expired", "renew them (aws sso login, ...)"),
    "AuthorizationHeaderMalformed": ("wrong region", "set AWS_REGION to the bucket's region"),
    "PermanentRedirect": ("the bucket is in another region", "set AWS_REGION to its region"),
}
_BY_STATUS = {301: "PermanentRedirect", 403: "AccessDenied", 404: "NoSuchBucket"}


def _cause(error: BaseException) -> BaseException:
    """The botocore error inside a wrapper (boto3's S3UploadFailedError, ...)."""
    seen = 0
    while seen < 5 and not type(error).__module__.startswith("botocore"):
        inner = error.__cause__ or error.__context__
        if inner is None:
            break
        error, seen = inner, seen + 1
    return error


#: S3's words for "no such object": a GET says NoSuchKey, a HEAD (no body) only its status.
MISSING = ("NoSuchKey", "404")
#: S3's words for a conditional request whose condition failed (If-Match, If-None-Match).
CHANGED = ("PreconditionFailed", "412")


def error_code(error: BaseException) -> str:
    """The code an AWS service answered with (`NoSuchKey`, `412`...); "" for any other error."""
    response = getattr(error, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def explain(error: BaseException, resource: str = "") -> NewsreelError | None:
    """A one-line NewsreelError for the AWS failures a person causes or must wait out, else
    None. `resource` (`s3://bucket/key`, ...) names what was being done, when known."""
    from botocore import exceptions as aws

    if isinstance(error, NewsreelError):
        return error
    error = _cause(error)
    if isinstance(error, aws.NoCredentialsError | aws.PartialCredentialsError):
        return NewsreelError(Problem("AWS credentials", "", "not found", _CREDENTIALS_FIX))
    if isinstance(error, aws.ProfileNotFound):
        return NewsreelError(
            Problem("AWS_PROFILE", "", f"no profile '{error.kwargs.get('profile', '')}'",
                    "name a profile of ~/.aws/config (aws configure list-profiles), or unset it")
        )  # fmt: skip
    if isinstance(error, ValueError) and str(error).startswith("Invalid endpoint"):
        endpoint = str(error).partition(":")[2].strip()
        return NewsreelError(
            Problem("AWS_ENDPOINT_URL", "", f"'{endpoint}' is not a URL",
                    "give one such as https://s3.eu-west-3.amazonaws.com, or unset it")
        )  # fmt: skip
    if isinstance(error, aws.ParamValidationError):
        said = " ".join(str(error).split())
        if "Invalid bucket name" in said:
            name = said.split('"')[1] if said.count('"') >= 2 else ""
            return NewsreelError(
                Problem(f"s3://{name}", "", "is not a bucket name",
                        "S3 bucket names are 3 to 63 lowercase letters, digits, dots and hyphens")
            )  # fmt: skip
        return NewsreelError(Problem(resource or "AWS request", "", f"refused: {said}", ""))
    if isinstance(error, aws.NoRegionError):
        return NewsreelError(
            Problem("AWS region", "", "not set", "set AWS_REGION to the buckets' region")
        )
    if isinstance(error, aws.EndpointConnectionError | aws.ConnectTimeoutError):
        url = urlsplit(getattr(error, "kwargs", {}).get("endpoint_url") or "")
        # the endpoint is what cannot be reached, whatever was asked of it
        where = f"{url.scheme}://{url.netloc}" if url.netloc else resource or "AWS endpoint"
        return NewsreelError(
            Problem(where, "", "cannot be reached",
                    "check the network, the region (AWS_REGION) and AWS_ENDPOINT_URL if set")
        )  # fmt: skip
    if isinstance(error, aws.ConnectionError | aws.HTTPClientError):
        where = resource or getattr(error, "kwargs", {}).get("endpoint_url") or "AWS"
        return NewsreelError(Problem(where, "", f"the connection kept failing ({error})", _AGAIN))
    if isinstance(error, aws.ClientError):
        details = error.response.get("Error", {})
        code = str(details.get("Code", ""))
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        bucket = details.get("BucketName")
        where = resource or (f"s3://{bucket}" if bucket else error.operation_name)
        if code not in _CODES and status in _BY_STATUS:
            code = _BY_STATUS[status]
        if code in _CODES:
            message, fix = _CODES[code]
            return NewsreelError(Problem(where, "", message, fix))
        if (status or 0) >= 500 or code in ("SlowDown", "Throttling", "RequestTimeout"):
            said = f"{code or status} ({details.get('Message') or 'no message'})"
            return NewsreelError(Problem(where, "", f"AWS kept answering {said}", _AGAIN))
    return None
