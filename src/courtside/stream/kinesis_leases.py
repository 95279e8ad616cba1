"""Shard leases and checkpoints of Kinesis consumer groups, in a DynamoDB table (as the
Kinesis Client Library keeps them).

One item per (stream, group, shard), key ``lease_key = "<stream>#<group>#<shard>"``:

* ``checkpoint``: the last sequence number whose output is durable, ``TRIM_HORIZON``
  (nothing yet) or ``SHARD_END`` (a closed shard read to its end);
* ``owner`` and ``heartbeat_ms``: the consumer holding the lease. A lease whose heartbeat
  is older than the timeout is free, so a crashed consumer's leases are taken over;
* ``millis_behind``: how far behind the shard's tip the owner was at its last read.

Every write is conditional on still owning the lease, so a consumer that lost its lease
(paused longer than the timeout while another took over) cannot move a checkpoint.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from courtside.aws import AwsSettings, client, error_code, stream_error
from courtside.errors import StreamError
from courtside.stream.errors import ConsumerBusyError

__all__ = ["SHARD_END", "TRIM_HORIZON", "Lease", "LeaseLostError", "LeaseTable", "process_owner"]

TRIM_HORIZON = "TRIM_HORIZON"
SHARD_END = "SHARD_END"


class LeaseLostError(StreamError):
    """Another consumer took this consumer's lease: stop, its work will be redone."""


def process_owner() -> str:
    """This process's name as a lease owner: host and pid (a restarted process is a new
    owner, so it waits for a crashed one's leases to expire)."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class Lease:
    """One shard lease of a consumer group."""

    stream: str
    group: str
    shard: str
    checkpoint: str = TRIM_HORIZON
    owner: str = ""
    heartbeat_ms: int = 0
    millis_behind: int | None = None

    @property
    def key(self) -> str:
        """The item's key."""
        return f"{self.stream}#{self.group}#{self.shard}"


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class LeaseTable:
    """The lease table ``name`` reached with ``aws``."""

    def __init__(self, name: str, aws: AwsSettings, *, timeout_s: float = 30.0) -> None:
        self.name = name
        self.timeout_ms = int(timeout_s * 1000)
        self.db = client("dynamodb", aws)

    def _fail(self, exc: BaseException, what: str) -> StreamError:
        return stream_error(
            exc,
            f"{what} in lease table {self.name!r}",
            f"the Kinesis lease table {self.name!r} does not exist (deploy "
            "deploy/cloudformation/courtside.yaml, or `courtside aws deploy`)",
        )

    @staticmethod
    def _lease(item: dict[str, Any]) -> Lease:
        stream, group, shard = item["lease_key"]["S"].split("#", 2)
        behind = item.get("millis_behind", {}).get("N")
        return Lease(
            stream,
            group,
            shard,
            item.get("checkpoint", {}).get("S", TRIM_HORIZON),
            item.get("owner", {}).get("S", ""),
            int(item.get("heartbeat_ms", {}).get("N", "0")),
            int(behind) if behind is not None else None,
        )

    def create(self) -> None:
        """Create the table when it is missing (the demo and tests; CloudFormation does it
        on an account)."""
        try:
            self.db.create_table(
                TableName=self.name,
                AttributeDefinitions=[{"AttributeName": "lease_key", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "lease_key", "KeyType": "HASH"}],
                BillingMode="PAY_PER_REQUEST",
            )
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) != "ResourceInUseException":
                raise self._fail(exc, "creating the table") from None

    def leases(self, stream: str | None = None, group: str | None = None) -> list[Lease]:
        """Every lease (of ``stream`` and ``group`` when given), sorted by key."""
        out: list[Lease] = []
        try:
            for page in self.db.get_paginator("scan").paginate(TableName=self.name):
                out.extend(self._lease(item) for item in page.get("Items", ()))
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, "listing leases") from None
        out = [
            lease
            for lease in out
            if (stream is None or lease.stream == stream)
            and (group is None or lease.group == group)
        ]
        return sorted(out, key=lambda lease: lease.key)

    def take(self, lease: Lease, owner: str) -> Lease:
        """Take ``lease`` for ``owner`` if it is free, expired or already ``owner``'s.

        Raises:
            ConsumerBusyError: a live consumer holds it (naming the holder).
        """
        now = _now_ms()
        try:
            self.db.update_item(
                TableName=self.name,
                Key={"lease_key": {"S": lease.key}},
                UpdateExpression=(
                    "SET #o = :me, heartbeat_ms = :now, "
                    "checkpoint = if_not_exists(checkpoint, :start)"
                ),
                ConditionExpression=(
                    "attribute_not_exists(lease_key) OR #o = :me OR #o = :none "
                    "OR heartbeat_ms < :expired"
                ),
                ExpressionAttributeNames={"#o": "owner"},
                ExpressionAttributeValues={
                    ":me": {"S": owner},
                    ":none": {"S": ""},
                    ":now": {"N": str(now)},
                    ":expired": {"N": str(now - self.timeout_ms)},
                    ":start": {"S": TRIM_HORIZON},
                },
            )
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) == "ConditionalCheckFailedException":
                holder = self.get(lease)
                raise ConsumerBusyError(
                    lease.stream, lease.group, holder.owner if holder else ""
                ) from None
            raise self._fail(exc, "taking a lease") from None
        taken = self.get(lease)
        assert taken is not None
        return taken

    def get(self, lease: Lease) -> Lease | None:
        """The stored state of ``lease`` (None when it has no item)."""
        try:
            item = self.db.get_item(
                TableName=self.name, Key={"lease_key": {"S": lease.key}}, ConsistentRead=True
            ).get("Item")
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, "reading a lease") from None
        return self._lease(item) if item else None

    def checkpoint(
        self, lease: Lease, owner: str, checkpoint: str, millis_behind: int | None = None
    ) -> None:
        """Durably record ``checkpoint`` (and renew the heartbeat) while owning the lease.

        Raises:
            LeaseLostError: another consumer owns the lease now.
        """
        names = {"#o": "owner"}
        values: dict[str, Any] = {
            ":me": {"S": owner},
            ":cp": {"S": checkpoint},
            ":now": {"N": str(_now_ms())},
        }
        update = "SET checkpoint = :cp, heartbeat_ms = :now"
        if millis_behind is not None:
            update += ", millis_behind = :mb"
            values[":mb"] = {"N": str(int(millis_behind))}
        self._owned_update(lease, update, names, values)

    def heartbeat(self, lease: Lease, owner: str) -> None:
        """Renew the lease.

        Raises:
            LeaseLostError: another consumer owns the lease now.
        """
        values = {":me": {"S": owner}, ":now": {"N": str(_now_ms())}}
        self._owned_update(lease, "SET heartbeat_ms = :now", {"#o": "owner"}, values)

    def release(self, lease: Lease, owner: str) -> None:
        """Give the lease up (a clean stop), so the next consumer need not wait."""
        values = {":me": {"S": owner}, ":none": {"S": ""}}
        try:
            self._owned_update(lease, "SET #o = :none", {"#o": "owner"}, values)
        except LeaseLostError:
            pass

    def reset(self, stream: str, group: str, checkpoints: dict[str, str] | None = None) -> int:
        """Move a group's shards back or forward (refused while the group is being read).

        Args:
            stream: The stream.
            group: The consumer group.
            checkpoints: New checkpoint per shard; ``None`` forgets every checkpoint, so
                the group starts again at the oldest record.

        Returns:
            How many leases were changed.
        """
        now = _now_ms()
        current = self.leases(stream, group)
        for lease in current:
            if lease.owner and lease.heartbeat_ms >= now - self.timeout_ms:
                raise ConsumerBusyError(stream, group, lease.owner, action="reset the group")
        try:
            for lease in current:
                self.db.delete_item(TableName=self.name, Key={"lease_key": {"S": lease.key}})
            for shard, checkpoint in (checkpoints or {}).items():
                item = Lease(stream, group, shard, checkpoint)
                self.db.put_item(
                    TableName=self.name,
                    Item={
                        "lease_key": {"S": item.key},
                        "checkpoint": {"S": checkpoint},
                        "owner": {"S": ""},
                        "heartbeat_ms": {"N": "0"},
                    },
                )
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            raise self._fail(exc, "resetting a group") from None
        return max(len(current), len(checkpoints or {}))

    def _owned_update(
        self, lease: Lease, update: str, names: dict[str, str], values: dict[str, Any]
    ) -> None:
        try:
            self.db.update_item(
                TableName=self.name,
                Key={"lease_key": {"S": lease.key}},
                UpdateExpression=update,
                ConditionExpression="#o = :me",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except Exception as exc:  # noqa: BLE001 - botocore errors are mapped
            if error_code(exc) == "ConditionalCheckFailedException":
                raise LeaseLostError(
                    f"lost the lease of shard {lease.shard} of {lease.stream!r} for group "
                    f"{lease.group!r} to another consumer"
                ) from None
            raise self._fail(exc, "updating a lease") from None
