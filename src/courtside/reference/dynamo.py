"""The players and control tables on DynamoDB (the original's tables).

* Players: one item per X account, ``{"account", "name", "team"}``; read whole into a
  :class:`~courtside.reference.players.PlayersTable` (416 items: one scan).
* Control: one item per team, ``{"team": S, "control": BOOL}``, with a DynamoDB stream
  (``NEW_AND_OLD_IMAGES``) that carries every change to the detector
  (:mod:`courtside.stream.dynamodb_streams`). Writes are conditional, so a write that
  changes nothing changes no item and emits no stream record, as with the local table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from courtside.aws import AwsSettings, aws_error, client, error_code
from courtside.reference.control import ControlChangeResult, ControlError, check_team
from courtside.reference.players import Player, PlayersError, PlayersTable

__all__ = [
    "DynamoControlTable",
    "control_stream_arn",
    "load_players_dynamo",
    "save_players_dynamo",
]

_BATCH = 25


def _table_error(exc: BaseException, table: str, what: str) -> ControlError:
    if error_code(exc) == "ResourceNotFoundException":
        return ControlError(
            f"DynamoDB table {table!r} does not exist (deploy "
            "deploy/cloudformation/courtside.yaml, or `courtside aws deploy`)"
        )
    return ControlError(str(aws_error(exc, f"{what} on DynamoDB table {table!r}")))


def load_players_dynamo(aws: AwsSettings, table: str) -> PlayersTable:
    """The players table stored in DynamoDB (an empty table gives the default roster).

    Raises:
        PlayersError: an item without account, name or team, or an unreachable table.
    """
    db = client("dynamodb", aws)
    players: list[Player] = []
    try:
        for page in db.get_paginator("scan").paginate(TableName=table):
            for item in page.get("Items", ()):
                values = [item.get(k, {}).get("S") for k in ("account", "name", "team")]
                if not all(isinstance(v, str) and v for v in values):
                    raise PlayersError(f"DynamoDB table {table!r} holds an incomplete player")
                players.append(Player(*values))
    except PlayersError:
        raise
    except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
        raise PlayersError(str(_table_error(exc, table, "reading players"))) from None
    if not players:
        return PlayersTable.default()
    return PlayersTable(players)


def save_players_dynamo(aws: AwsSettings, table: str, players: PlayersTable) -> int:
    """Write every player into the DynamoDB table (batches of 25, unprocessed items
    retried with backoff); other items are left alone. Returns how many were written."""
    db = client("dynamodb", aws)
    items = [
        {
            "PutRequest": {
                "Item": {"account": {"S": p.account}, "name": {"S": p.name}, "team": {"S": p.team}}
            }
        }
        for p in players
    ]
    written = 0
    for start in range(0, len(items), _BATCH):
        pending: dict[str, Any] = {table: items[start : start + _BATCH]}
        attempt = 0
        while pending:
            try:
                answer = db.batch_write_item(RequestItems=pending)
            except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
                raise PlayersError(str(_table_error(exc, table, "writing players"))) from None
            pending = answer.get("UnprocessedItems") or {}
            if pending:
                time.sleep(min(0.05 * 2**attempt, 2.0))
                attempt += 1
        written += len(items[start : start + _BATCH])
    return written


def control_stream_arn(aws: AwsSettings, table: str) -> str:
    """The ARN of the control table's DynamoDB stream.

    Raises:
        ControlError: when the table does not exist or has no stream.
    """
    try:
        described = client("dynamodb", aws).describe_table(TableName=table)["Table"]
    except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
        raise _table_error(exc, table, "describing the control table") from None
    arn = described.get("LatestStreamArn")
    if not arn:
        raise ControlError(
            f"DynamoDB table {table!r} has no stream (deploy it with StreamSpecification "
            "NEW_AND_OLD_IMAGES, as deploy/cloudformation/courtside.yaml does)"
        )
    return str(arn)


class DynamoControlTable:
    """The control table on DynamoDB, with the local table's methods."""

    def __init__(self, aws: AwsSettings, table: str) -> None:
        self.table = table
        self.db = client("dynamodb", aws)

    def entries(self) -> list[tuple[str, bool]]:
        """Every row as ``(team, allowed)``, sorted by team."""
        out: list[tuple[str, bool]] = []
        try:
            for page in self.db.get_paginator("scan").paginate(TableName=self.table):
                for item in page.get("Items", ()):
                    team, flag = item.get("team", {}).get("S"), item.get("control", {}).get("BOOL")
                    if isinstance(team, str) and isinstance(flag, bool):
                        out.append((team, flag))
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise _table_error(exc, self.table, "reading the control table") from None
        return sorted(out)

    def get(self, team: str) -> bool | None:
        """The team's flag, or ``None`` when it has no item."""
        try:
            item = self.db.get_item(
                TableName=self.table, Key={"team": {"S": team}}, ConsistentRead=True
            ).get("Item")
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise _table_error(exc, self.table, "reading the control table") from None
        flag = (item or {}).get("control", {}).get("BOOL")
        return flag if isinstance(flag, bool) else None

    def allow(self, team: str) -> ControlChangeResult:
        """Allow ``team``: its posts are no longer checked."""
        return self._put(check_team(team), True)

    def deny(self, team: str) -> ControlChangeResult:
        """Deny ``team``: its posts are checked."""
        return self._put(check_team(team), False)

    def remove(self, team: str) -> ControlChangeResult:
        """Delete the team's item (its posts are checked)."""
        name = check_team(team)
        answer = self._write(
            self.db.delete_item,
            Key={"team": {"S": name}},
            ConditionExpression="attribute_exists(team)",
        )
        return ControlChangeResult(name, None, None if answer is None else "REMOVE", None)

    def _put(self, team: str, allowed: bool) -> ControlChangeResult:
        answer = self._write(
            self.db.put_item,
            Item={"team": {"S": team}, "control": {"BOOL": allowed}},
            ConditionExpression="attribute_not_exists(team) OR control <> :v",
            ExpressionAttributeValues={":v": {"BOOL": allowed}},
            ReturnValues="ALL_OLD",
        )
        if answer is None:
            return ControlChangeResult(team, allowed, None, None)
        name = "MODIFY" if answer.get("Attributes") else "INSERT"
        return ControlChangeResult(team, allowed, name, None)

    def _write(self, call: Callable[..., dict[str, Any]], **kwargs: Any) -> dict[str, Any] | None:
        """Run one conditional write on the table: its answer, or None when its condition
        failed (the write would change nothing, so no item changed and no stream record).

        Raises:
            ControlError: the table is missing or DynamoDB refused the write.
        """
        try:
            return call(TableName=self.table, **kwargs)
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise _table_error(exc, self.table, "writing the control table") from None

    def close(self) -> None:
        """Nothing to release (kept for the local table's interface)."""

    def __enter__(self) -> DynamoControlTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
