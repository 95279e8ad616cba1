"""Helpers of the AWS tests (moto_server): throwaway resources with unique names."""

from __future__ import annotations

import secrets

from courtside.aws import AwsSettings, client


def dynamo_table(aws: AwsSettings, key: str, *, stream: bool = False) -> str:
    """A new on-demand DynamoDB table keyed by the string ``key`` (with a
    ``NEW_AND_OLD_IMAGES`` stream when ``stream``); returns its name."""
    name = f"t-{secrets.token_hex(4)}"
    extra = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}}
    client("dynamodb", aws).create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        **(extra if stream else {}),
    )
    return name
