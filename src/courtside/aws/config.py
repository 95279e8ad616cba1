"""The ``[aws]`` section: where the AWS backends connect.

Credentials are never configured here: boto3's standard chain finds them (environment,
``~/.aws`` profiles, instance roles), so the same code runs on a laptop against a local
AWS-protocol server and on a real account.
"""

from __future__ import annotations

from pydantic import Field

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
