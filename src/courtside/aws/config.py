"""The ``[aws]`` section: where the AWS backends connect.

Credentials are never configured here: boto3's standard chain finds them (environment,
``~/.aws`` profiles, instance roles), so the same code runs on a laptop against a local
AWS-protocol server and on a real account.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from courtside._model import Section

__all__ = ["AwsSettings"]


class AwsSettings(Section):
    """AWS connection settings.

    Attributes:
        region: The AWS region (default: the credential chain's, else ``us-east-1``).
        endpoint_url: One endpoint for every service (a local AWS-protocol server such as
            ``http://127.0.0.1:5000``); unset on a real account.
        profile: A named profile of ``~/.aws/config``.
        connect_timeout_s: Seconds to wait for a connection.
        max_attempts: Attempts per call, with backoff, on throttling and 5xx answers.
        players_table: DynamoDB table of the players (the original's); unset: the home's
            ``reference/players.csv``.
        control_table: DynamoDB table of the control flags, with a stream: ``courtside
            control`` writes it and the embedded detector reads its changes through
            DynamoDB Streams (the original's design); unset: the local control table and
            the ``control`` stream.
    """

    region: str | None = Field(default=None, pattern=r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
    endpoint_url: str | None = Field(default=None, pattern=r"^https?://[^\s/@]+(:\d{1,5})?/?$")
    profile: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    connect_timeout_s: float = Field(default=5.0, gt=0, le=300)
    max_attempts: int = Field(default=8, ge=1, le=50)
    players_table: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{3,255}$")
    control_table: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{3,255}$")

    @model_validator(mode="after")
    def _known_region(self) -> Self:
        """On AWS itself (no endpoint), a region botocore does not know is a typo: say so
        at start-up rather than fail later on a host name that does not resolve. A local
        AWS-protocol server (``endpoint_url``) takes any well-formed region."""
        if self.region is None or self.endpoint_url is not None:
            return self
        known = _aws_regions()
        if known and self.region not in known:
            raise ValueError(
                f"{self.region!r} is not an AWS region botocore knows (e.g. us-east-1, "
                "eu-west-1); set endpoint_url for a local or other S3-compatible server"
            )
        return self


def _aws_regions() -> frozenset[str]:
    """Every region of every partition in botocore's data (empty without boto3)."""
    try:
        import boto3
    except ImportError:
        return frozenset()
    session = boto3.session.Session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for service in ("s3", "kinesis", "dynamodb")
        for region in session.get_available_regions(service, partition_name=partition)
    )
