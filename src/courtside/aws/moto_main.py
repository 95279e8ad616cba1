"""Run ``moto_server`` with two corrections that make its Kinesis behave like Kinesis
after a reshard (moto 5 keeps routing records to closed parent shards and never ends them):

* a record goes to the *open* shard whose hash range holds its key;
* ``SplitShard`` keeps the parent's records in the parent (moto moves them to the
  children);
* ``GetRecords`` on a closed shard read to its end returns no ``NextShardIterator``.

Everything else is moto's own server. Usage:
``python -m courtside.aws.moto_main -H 127.0.0.1 -p PORT``.
"""

from __future__ import annotations

import sys
from typing import Any

from moto.kinesis import models


def _shard_for_key(self: Any, partition_key: str, explicit_hash_key: str) -> Any:
    shard = _original_shard_for_key(self, partition_key, explicit_hash_key)
    if shard is None or shard.is_open:
        return shard
    key = int(explicit_hash_key) if explicit_hash_key else None
    if key is None:
        key = int(models.md5_hash(partition_key.encode("utf-8")).hexdigest(), 16)
    for candidate in self.shards.values():
        if candidate.is_open and candidate.starting_hash <= key < candidate.ending_hash:
            return candidate
    return shard


def _get_records(self: Any, stream_arn: Any, shard_iterator: str, limit: Any) -> Any:
    found: tuple[Any, Any, Any] = _original_get_records(self, stream_arn, shard_iterator, limit)
    next_iterator, records, behind = found
    stream_name, shard_id, last = models.decompose_shard_iterator(shard_iterator)
    stream = self.describe_stream(stream_arn=stream_arn, stream_name=stream_name)
    shard = stream.get_shard(shard_id)
    newest = max(shard.records, default=0)
    read_to = max([int(r.sequence_number) for r in records], default=int(last))
    if not shard.is_open and read_to >= newest:
        next_iterator = None
    return next_iterator, records, behind


def _split_shard(self: Any, shard_to_split: str, new_starting_hash_key: str) -> None:
    shard = self.shards[shard_to_split]
    kept, shard.records = shard.records, models.OrderedDict()
    try:
        _original_split_shard(self, shard_to_split, new_starting_hash_key)
    finally:
        shard.records = kept


_original_split_shard = models.Stream.split_shard
models.Stream.split_shard = _split_shard  # type: ignore[method-assign]
_original_shard_for_key = models.Stream.get_shard_for_key
_original_get_records = models.KinesisBackend.get_records
models.Stream.get_shard_for_key = _shard_for_key  # type: ignore[method-assign]
models.KinesisBackend.get_records = _get_records  # type: ignore[method-assign]

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
