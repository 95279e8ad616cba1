"""The players and control tables on DynamoDB, and control changes reaching a consumer
through DynamoDB Streams (the original's design), against moto_server."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import orjson
import pytest

from aws_helpers import dynamo_table
from courtside.aws import AwsSettings, client
from courtside.detect.logic import parse_control_bytes
from courtside.reference.control import ControlError
from courtside.reference.dynamo import (
    DynamoControlTable,
    load_players_dynamo,
    save_players_dynamo,
)
from courtside.reference.players import PlayersTable
from courtside.stream.dynamodb_streams import control_consumer
from courtside.stream.errors import ConsumerBusyError
from courtside.stream.kinesis_leases import LeaseTable

pytestmark = pytest.mark.aws


@pytest.fixture
def aws(aws_endpoint: str) -> AwsSettings:
    return AwsSettings(endpoint_url=aws_endpoint, region="us-east-1")


@pytest.fixture
def control(aws: AwsSettings) -> Iterator[tuple[DynamoControlTable, str, LeaseTable]]:
    name = dynamo_table(aws, "team", stream=True)
    arn = client("dynamodb", aws).describe_table(TableName=name)["Table"]["LatestStreamArn"]
    leases = LeaseTable(f"leases-{secrets.token_hex(4)}", aws, timeout_s=2)
    leases.create()
    yield DynamoControlTable(aws, name), arn, leases


def test_players_round_trip_and_empty_table_gives_the_default(aws: AwsSettings) -> None:
    name = dynamo_table(aws, "account")
    assert len(load_players_dynamo(aws, name)) == len(PlayersTable.default())
    roster = PlayersTable.default()
    assert save_players_dynamo(aws, name, roster) == len(roster)
    loaded = load_players_dynamo(aws, name)
    assert sorted(loaded, key=lambda p: p.account) == sorted(roster, key=lambda p: p.account)


def test_control_changes_flow_through_dynamodb_streams(
    control: tuple[DynamoControlTable, str, LeaseTable], aws: AwsSettings
) -> None:
    table, arn, leases = control
    assert table.allow("Boston Celtics").event_name == "INSERT"
    assert table.allow("Boston Celtics").event_name is None  # no change, no event
    assert table.deny("Boston Celtics").event_name == "MODIFY"
    assert table.allow("Miami Heat").event_name == "INSERT"
    assert table.remove("Miami Heat").event_name == "REMOVE"
    assert table.remove("Miami Heat").event_name is None
    assert table.entries() == [("Boston Celtics", False)]
    assert table.get("Boston Celtics") is False and table.get("Nobody") is None
    consumer = control_consumer(arn, aws, leases, "detect", "test")
    changes = [parse_control_bytes(r.data) for r in consumer.poll(100, 2.0)]
    assert [(c.team, c.allowed) for c in changes] == [
        ("Boston Celtics", True),
        ("Boston Celtics", False),
        ("Miami Heat", True),
        ("Miami Heat", False),
    ]
    consumer.commit()
    consumer.close()
    table.allow("Miami Heat")
    again = control_consumer(arn, aws, leases, "detect", "test")
    [record] = again.poll(100, 2.0)  # only what came after the commit
    assert orjson.loads(record.data)["eventName"] == "INSERT"
    with pytest.raises(ConsumerBusyError):
        control_consumer(arn, aws, leases, "detect", "other-process")
    again.close()


def test_hostile_team_names_are_refused(
    control: tuple[DynamoControlTable, str, LeaseTable],
) -> None:
    table, _, _ = control
    for bad in ("", "x" * 300, "Team\nInjected", "Tab\tTeam"):
        with pytest.raises(ControlError):
            table.allow(bad)


def test_missing_table_names_the_deploy_step(aws: AwsSettings) -> None:
    with pytest.raises(ControlError, match="does not exist.*deploy"):
        DynamoControlTable(aws, "no-such-table").allow("Boston Celtics")
