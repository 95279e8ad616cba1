-- The daily job's output table (the original's PlayersTotalTweets): an external JSON
-- table, one folder per day. Parameters: DATABASE, TABLE, LOCATION.
CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.${TABLE} (
    player STRING,
    total BIGINT
)
PARTITIONED BY (year STRING, month STRING, day STRING)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION '${LOCATION}';
