"""The Redshift statements written by ``courtside load --dry-run --target redshift``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from warehouse_helpers import write_day

from courtside.config import load_settings
from courtside.warehouse.errors import WarehouseConfigError
from courtside.warehouse.loader import load
from courtside.warehouse.redshift import redshift_statements

ROLE = "arn:aws:iam::123456789012:role/redshift-s3"
S3 = "s3://my-lake/courtside"


def test_statements_create_copy_and_replace_days(home: Path) -> None:
    settings = load_settings(
        home=home, warehouse={"redshift_s3_uri": S3, "redshift_iam_role": ROLE}
    )
    write_day(settings, date(2020, 3, 1), {"LeBron James": 3})
    write_day(settings, date(2020, 3, 2), {})
    outcome = load(settings, target="redshift", dry_run=True)
    sql = outcome.statements or ""
    assert sql.index("BEGIN;") < sql.index("CREATE TABLE IF NOT EXISTS playerstotaltweets")
    assert "player varchar(255) not null" in sql and "total integer not null" in sql
    copy = (
        "COPY playerstotaltweets (year, month, day, player, total) FROM"
        " 's3://my-lake/courtside/playerstotaltweets/year=2020/month=03/day=01/'\n"
        f"    IAM_ROLE '{ROLE}'\n    FORMAT AS JSON 'auto';"
    )
    assert copy in sql
    assert "DELETE FROM playerstotaltweets WHERE year = 2020 AND month = 3 AND day = 1;" in sql
    # What the COPY reads: the export of the checked rows, with their days.
    export = home / "exports/redshift/playerstotaltweets"
    assert outcome.export == str(export) and f"copy the export {export.parent}/" in sql
    files = sorted(p.relative_to(export).as_posix() for p in export.rglob("*.json"))
    assert files == ["year=2020/month=03/day=01/part-00000.json"]
    assert (export / files[0]).read_bytes() == (
        b'{"year":2020,"month":3,"day":1,"player":"LeBron James","total":3}\n'
    )
    # An empty day only deletes: a COPY of an empty S3 prefix fails in Redshift.
    assert "day=02/" not in sql
    assert "DELETE FROM playerstotaltweets WHERE year = 2020 AND month = 3 AND day = 2;" in sql
    assert sql.rstrip().endswith("COMMIT;") and "<" not in sql.split("BEGIN;")[1]


def test_truncate_mode_and_placeholders() -> None:
    sql = redshift_statements(
        table="playerstotaltweets",
        days=[date(2020, 3, 1)],
        days_with_data=[date(2020, 3, 1)],
        mode="truncate",
    )
    body = sql.split("BEGIN;")[1]
    assert "DELETE FROM playerstotaltweets;" in body and "WHERE year" not in body
    assert "s3://<your-bucket>/<prefix>/playerstotaltweets/year=2020" in body
    assert "IAM_ROLE 'arn:aws:iam::<account-id>:role/<redshift-s3-role>'" in body


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"iam_role": "arn:aws:iam::1:role/x' ; DROP TABLE t; --"}, "invalid IAM role"),
        ({"s3_uri": "s3://bucket/p' IAM_ROLE 'x"}, "invalid S3 URI"),
        ({"s3_uri": "https://bucket/p"}, "invalid S3 URI"),
        ({"table": "t; DROP TABLE u"}, "invalid warehouse table name"),
    ],
)
def test_unsafe_values_are_refused(kwargs: dict[str, str], message: str) -> None:
    args: dict = {
        "table": "playerstotaltweets",
        "days": [],
        "days_with_data": [],
        "mode": "truncate",
    }
    args.update(kwargs)
    with pytest.raises(WarehouseConfigError, match=message):
        redshift_statements(**args)


def test_redshift_without_dry_run_is_refused(home: Path) -> None:
    with pytest.raises(WarehouseConfigError, match="add --dry-run"):
        load(load_settings(home=home), target="redshift")
