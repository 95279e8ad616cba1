"""The home folder: lake, stream log, state and configuration in one place."""

from __future__ import annotations

from pathlib import Path

from courtside.config import CONFIG_FILE_NAME, Settings
from courtside.lake.layout import ZONES
from courtside.stream.local import LocalStream

_TEMPLATE = """\
# courtside configuration. Every key can also be set as an environment variable:
# COURTSIDE_<SECTION>__<KEY>, e.g. COURTSIDE_DELIVER__BUFFER_MIB=8.

[deliver]
# buffer_mib = 5.0           # flush a partition at this size (Firehose's size hint)
# buffer_interval_s = 60.0   # ... or when its oldest record is this old
# max_open_partitions = 500  # active-partition limit
# transform = "mypackage.mymodule:transform"

[detect]
# window_s = 60.0
# lateness_s = 30.0
# out_of_orderness_s = 20.0
# idleness_s = 90.0
# min_count = 2

[x]
# bearer_token = "..."       # or X_BEARER_TOKEN
# base_url = "https://api.x.com"
# rule_value = "nba"
# stall_timeout_s = 20.0

[bluesky]
# url = "wss://jetstream2.us-east.bsky.network/subscribe"
# keywords = ["nba"]
# langs = []
# rewind_s = 5.0

[warehouse]
# url = "postgresql://user@127.0.0.1:5432/analytics"   # default: <home>/warehouse.duckdb

[up]
# enable_data_collection = true
# collector_source = "synthetic"   # x | bluesky | synthetic
# enable_delivery = true
# enable_kinesis_data_analytics = true
# enable_glue_etl = true
# enable_step_functions = true
# enable_redshift = true
# enable_quicksight = true
# nightly_interval_s = 3600
"""


def init_home(settings: Settings) -> list[Path]:
    """Create the home folder, lake zones, state folder, stream file and a commented
    config file. Idempotent: existing files are left alone.

    Returns:
        The paths that were created.
    """
    created: list[Path] = []
    dirs = [settings.home, settings.state_dir, settings.lake]
    dirs += [settings.lake / zone for zone in ZONES]
    for directory in dirs:
        if not directory.exists():
            directory.mkdir(parents=True)
            created.append(directory)
    config = settings.home / CONFIG_FILE_NAME
    if not config.exists():
        config.write_text(_TEMPLATE, encoding="utf-8")
        created.append(config)
    if not settings.stream_path.exists():
        open_stream(settings).close()
        created.append(settings.stream_path)
    return created


def open_stream(settings: Settings) -> LocalStream:
    """Open the configured stream backend (the local SQLite log)."""
    return LocalStream(settings.stream_path, settings.stream)
