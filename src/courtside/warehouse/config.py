"""Configuration of the warehouse loader."""

from __future__ import annotations

from pydantic import SecretStr

from courtside._model import Section


class WarehouseSettings(Section):
    """Warehouse target: a DuckDB file in the home folder unless ``url`` is set.

    ``url`` may be ``postgresql://...``; it can hold a password, so it is a secret.
    """

    url: SecretStr | None = None
