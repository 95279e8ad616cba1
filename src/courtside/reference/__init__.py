"""Reference tables: players (and, later, team control)."""

from courtside.reference.players import (
    Player,
    PlayersError,
    PlayersTable,
    fold,
    load_players,
    save_players,
)

__all__ = ["Player", "PlayersError", "PlayersTable", "fold", "load_players", "save_players"]
