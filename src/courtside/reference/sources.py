"""Where the players and control tables live: local files (the default) or DynamoDB
(``[aws] players_table`` / ``control_table``, the original's tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from courtside.reference.control import ControlTable
from courtside.reference.players import PlayersTable, load_players

if TYPE_CHECKING:
    from courtside.config import Settings
    from courtside.reference.dynamo import DynamoControlTable

__all__ = ["open_control_table", "players_of"]


def players_of(settings: Settings) -> PlayersTable:
    """The players table: DynamoDB's when ``[aws] players_table`` is set, else the home's."""
    if settings.aws.players_table:
        from courtside.reference.dynamo import load_players_dynamo

        return load_players_dynamo(settings.aws, settings.aws.players_table)
    return load_players(settings.home)


def open_control_table(settings: Settings) -> ControlTable | DynamoControlTable:
    """The control table: DynamoDB's when ``[aws] control_table`` is set (its changes reach
    the detector through DynamoDB Streams), else the local one (changes appended to the
    ``control`` stream)."""
    if settings.aws.control_table:
        from courtside.reference.dynamo import DynamoControlTable

        return DynamoControlTable(settings.aws, settings.aws.control_table)
    return ControlTable(settings)
