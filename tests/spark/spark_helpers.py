"""The standalone cluster the ``spark_cluster`` fixture (``conftest.py``) starts."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SparkCluster:
    """A running standalone cluster.

    Attributes:
        master_url: ``spark://127.0.0.1:<port>``.
        webui_url: The master's web UI (``/json/`` is its state).
        spark_home: The pyspark wheel's folder (``bin/spark-submit``).
        work_dir: The worker's folder of executor logs, one ``app-*`` folder per app.
        env: Environment for ``spark-submit`` and courtside clients of the cluster.
    """

    master_url: str
    webui_url: str
    spark_home: Path
    work_dir: Path
    env: dict[str, str]

    def state(self) -> dict[str, object]:
        """The master's state (workers, applications)."""
        with urllib.request.urlopen(f"{self.webui_url}/json/", timeout=5) as response:  # noqa: S310 - a local http URL
            state: dict[str, object] = json.load(response)
        return state
