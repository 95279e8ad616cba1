"""Data profiling (the Glue DataBrew profile job).

Public API for other stages::

    run_profile(places, catalog, "tweets", day=date(2020, 3, 1))  # compute, store, register
    latest_profiles(places.lake)                 # the dashboard's newest profile per table
    null_share_history(places.lake, "tweets")    # null share per column and day
"""

from __future__ import annotations

from courtside.profile.errors import ProfileError
from courtside.profile.job import ProfileRun, find_table, profile_table, run_profile
from courtside.profile.model import PROFILE_COLUMNS, Bin, ColumnProfile, TableProfile
from courtside.profile.store import (
    PROFILES_ZONE,
    latest_profile,
    latest_profiles,
    null_share_history,
    profile_days,
    profile_folder,
    profiled_tables,
    read_profile,
    register_profiles,
    store_profile,
)

__all__ = [
    "PROFILES_ZONE",
    "PROFILE_COLUMNS",
    "Bin",
    "ColumnProfile",
    "ProfileError",
    "ProfileRun",
    "TableProfile",
    "find_table",
    "latest_profile",
    "latest_profiles",
    "null_share_history",
    "profile_days",
    "profile_folder",
    "profile_table",
    "profiled_tables",
    "read_profile",
    "register_profiles",
    "run_profile",
    "store_profile",
]
