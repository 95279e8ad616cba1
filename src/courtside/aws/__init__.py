"""Shared plumbing of the AWS backends: one way to build clients, one way to map errors.

Every AWS backend (the S3 lake, Kinesis streams, DynamoDB tables, SNS, the Glue catalog)
gets its clients from :func:`client` so region, endpoint, profile, timeouts and retries are
set once, and turns botocore exceptions into courtside errors with :func:`aws_error`, which
never puts a credential in a message.
"""

from __future__ import annotations

import functools
from typing import Any

from courtside.aws.config import AwsSettings
from courtside.errors import (
    CourtsideError,
    StreamBusyError,
    StreamError,
    TerminalError,
    TransientError,
)

__all__ = [
    "AwsError",
    "AwsSettings",
    "AwsUnavailableError",
    "aws_error",
    "client",
    "credentials",
    "error_code",
    "stream_error",
]


class AwsError(TerminalError):
    """An AWS call failed for good (missing resource, access denied, bad request).

    Attributes:
        code: The AWS error code (``NoSuchBucket``, ``ResourceNotFoundException``...).
    """

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class AwsUnavailableError(AwsError, TransientError):
    """The service could not be reached or kept throttling; nothing changed, retry later."""


@functools.lru_cache(maxsize=16)
def _session(profile: str | None, region: str | None) -> Any:
    import boto3

    return boto3.session.Session(profile_name=profile, region_name=region)


def client(service: str, cfg: AwsSettings) -> Any:
    """A boto3 client for ``service`` configured from ``cfg`` (adaptive retries)."""
    from botocore.config import Config

    session = _session(cfg.profile, cfg.region)
    region = cfg.region or session.region_name or "us-east-1"
    config = Config(
        region_name=region,
        connect_timeout=cfg.connect_timeout_s,
        read_timeout=max(30.0, cfg.connect_timeout_s),
        retries={"max_attempts": cfg.max_attempts, "mode": "adaptive"},
    )
    return session.client(service, endpoint_url=cfg.endpoint_url, config=config)


def credentials(cfg: AwsSettings) -> Any:
    """The resolved credentials of the chain (for engines such as Arrow that need keys)."""
    creds = _session(cfg.profile, cfg.region).get_credentials()
    return creds.get_frozen_credentials() if creds is not None else None


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (``""`` for other errors)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


_UNAVAILABLE = {
    "Throttling",
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "InternalFailure",
}


def aws_error(exc: BaseException, what: str, hint: str = "") -> CourtsideError:
    """A courtside error for a failed AWS call on ``what`` (``S3 bucket 'b'``...).

    Connection failures, throttling and 5xx answers become :class:`AwsUnavailableError`
    (transient); everything else :class:`AwsError`. ``hint`` says what to do (e.g. which
    deploy step creates the missing resource).
    """
    from botocore.exceptions import (
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        ReadTimeoutError,
    )

    suffix = f" ({hint})" if hint else ""
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError | ReadTimeoutError):
        return AwsUnavailableError(f"cannot reach AWS for {what}: {type(exc).__name__}{suffix}")
    if isinstance(exc, NoCredentialsError):
        return AwsError(
            f"no AWS credentials for {what}: set AWS_PROFILE or AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, or [aws] profile",
            code="NoCredentials",
        )
    if isinstance(exc, NoRegionError):
        return AwsError(f"no AWS region for {what}: set [aws] region", code="NoRegion")
    if isinstance(exc, ClientError):
        code = error_code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        message = str(exc.response.get("Error", {}).get("Message", ""))[:200]
        text = f"AWS refused {what}: {code or status} {message}".rstrip() + suffix
        if code in _UNAVAILABLE or (isinstance(status, int) and status >= 500):
            return AwsUnavailableError(text, code=code)
        return AwsError(text, code=code)
    return AwsError(f"AWS call for {what} failed: {type(exc).__name__}{suffix}")


def stream_error(exc: BaseException, what: str, missing: str) -> StreamError:
    """A stream error for a failed call of a stream service (Kinesis, DynamoDB Streams,
    the lease table): ``missing`` when the resource does not exist, otherwise
    :class:`~courtside.errors.StreamBusyError` (retried later) for a transient failure
    and :class:`~courtside.errors.StreamError` for any other."""
    if error_code(exc) == "ResourceNotFoundException":
        return StreamError(missing)
    err = aws_error(exc, what)
    return StreamBusyError(str(err)) if err.transient else StreamError(str(err))
