"""The one Spark session factory and the ``[spark]`` section, without starting a JVM:
what a session is built with, where the master comes from, and bad settings."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest

from courtside.batch.config import BatchSettings
from courtside.batch.engine import make_engine as make_dedupe_engine
from courtside.batch.errors import BatchError
from courtside.config import load_settings, load_with_sources
from courtside.engines import submit
from courtside.engines.config import SparkSettings
from courtside.engines.spark import session_conf
from courtside.errors import ConfigError
from courtside.job.engines import make_engine as make_daily_engine
from courtside.job.errors import EngineStartError
from courtside.places import Places


@pytest.fixture(autouse=True)
def _not_submitted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
    for name in ("MASTER", "DRIVER_MEMORY", "EXECUTOR_MEMORY", "SHUFFLE_PARTITIONS"):
        monkeypatch.delenv(f"COURTSIDE_SPARK__{name}", raising=False)
        monkeypatch.delenv(f"COURTSIDE_BATCH__SPARK_{name}", raising=False)


def test_defaults_are_a_local_session_with_the_callers_shuffle_partitions() -> None:
    master, conf = session_conf(app="courtside-daily", shuffle_partitions=4)
    assert master == "local[*]"
    assert conf["spark.app.name"] == "courtside-daily"
    assert conf["spark.driver.memory"] == "2g"
    assert conf["spark.sql.shuffle.partitions"] == "4"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.sql.sources.partitionColumnTypeInference.enabled"] == "false"
    assert "spark.executor.memory" not in conf and "spark.sql.warehouse.dir" not in conf
    assert session_conf(SparkSettings(), app="a")[1]["spark.sql.shuffle.partitions"] == "8"


def test_the_spark_section_sets_master_memory_and_shuffle_partitions() -> None:
    cfg = SparkSettings(
        master="spark://10.0.0.5:7077",
        driver_memory="1g",
        executor_memory="512m",
        shuffle_partitions=16,
    )
    master, conf = session_conf(cfg, app="courtside-dedupe", shuffle_partitions=4)
    assert master == "spark://10.0.0.5:7077"
    assert conf["spark.driver.memory"] == "1g"
    assert conf["spark.executor.memory"] == "512m"
    assert conf["spark.sql.shuffle.partitions"] == "16"


def test_under_spark_submit_its_master_wins_unless_one_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYSPARK_GATEWAY_PORT", "40000")
    cfg = SparkSettings(master="spark://elsewhere:7077")
    assert session_conf(cfg, app="a")[0] is None
    assert session_conf(cfg, app="a", master="local[2]")[0] == "local[2]"


def test_a_home_keeps_the_sessions_files_and_log(tmp_path: Path) -> None:
    _, conf = session_conf(app="a", home=tmp_path / "home")
    assert conf["spark.sql.warehouse.dir"] == (tmp_path / "home/state/spark/warehouse").as_uri()
    assert "log4j2.configurationFile" in conf["spark.driver.extraJavaOptions"]
    assert (tmp_path / "home/state/spark/log4j2.properties").is_file()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("master", "spark//nohost"),
        ("master", "local[0]"),
        ("master", "local[*] ; rm"),
        ("master", ""),
        ("driver_memory", "2 GB"),
        ("executor_memory", "-1g"),
        ("shuffle_partitions", "0"),
        ("shuffle_partitions", "many"),
    ],
)
def test_bad_spark_settings_are_refused_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, value: str
) -> None:
    monkeypatch.setenv(f"COURTSIDE_SPARK__{key.upper()}", value)
    with pytest.raises(ConfigError, match=f"spark.{key}"):
        load_settings(home=tmp_path)


@pytest.mark.parametrize(
    "master", ["local", "local[*]", "local[2]", "local[4,3]", "spark://h:7077", "yarn"]
)
def test_master_urls_spark_takes_are_accepted(master: str) -> None:
    assert SparkSettings(master=master).master == master


def test_the_old_batch_keys_still_set_the_spark_section(tmp_path: Path) -> None:
    (tmp_path / "courtside.toml").write_text(
        '[batch]\nspark_master = "spark://old:7077"\nspark_driver_memory = "3g"\n',
        encoding="utf-8",
    )
    loaded = load_with_sources(home=tmp_path)
    assert loaded.settings.spark.master == "spark://old:7077"
    assert loaded.settings.spark.driver_memory == "3g"
    assert loaded.source("spark.master") == "file"
    # The new key wins when both are set.
    (tmp_path / "courtside.toml").write_text(
        '[batch]\nspark_master = "spark://old:7077"\n[spark]\nmaster = "spark://new:7077"\n',
        encoding="utf-8",
    )
    assert load_settings(home=tmp_path).spark.master == "spark://new:7077"


def test_batch_and_daily_engines_are_made_the_same_way(tmp_path: Path) -> None:
    batch_sig = inspect.signature(make_dedupe_engine)
    daily_sig = inspect.signature(make_daily_engine)
    assert list(batch_sig.parameters) == list(daily_sig.parameters)
    assert list(batch_sig.parameters) == ["name", "places", "batch", "spark"]
    places = Places.for_home(tmp_path)
    batch = BatchSettings(duckdb_memory_mib=256, duckdb_threads=1)
    dedupe = make_dedupe_engine("duckdb", places, batch, SparkSettings())
    daily = make_daily_engine("duckdb", places, batch, SparkSettings())
    assert dedupe.name == daily.name == "duckdb"
    assert getattr(daily, "memory_limit", None) == "256MB"
    with pytest.raises(BatchError, match="unknown engine"):
        make_dedupe_engine("hive", places, batch, SparkSettings())
    with pytest.raises(EngineStartError, match="unknown engine"):
        make_daily_engine("hive", places, batch, SparkSettings())


def test_submit_refuses_a_command_without_the_spark_engine(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert submit.main(["etl", "dedupe"]) == 2
    assert submit.main(["etl", "dedupe", "--engine", "duckdb"]) == 2
    assert "--engine spark" in capsys.readouterr().err
    assert submit.main(["--path"]) == 0
    assert Path(capsys.readouterr().out.strip()) == Path(submit.__file__).resolve()


def test_the_factory_module_imports_no_courtside_module() -> None:
    """The standalone dedupe script ships it with --py-files to clusters without
    courtside: it may import only the standard library at load time."""
    source = Path(sys.modules["courtside.engines.spark"].__file__ or "").read_text()
    imports = [
        line.strip()
        for line in source.splitlines()
        if line.startswith(("import ", "from ")) and "__future__" not in line
    ]
    assert imports and all("courtside" not in line and "pyspark" not in line for line in imports)
