-- Per-player sentiment for one day: the daily job's second query, beside the original's
-- players-total-tweets-query.hql, on the curated tweets table's Athlete annotations
-- (domain 60) and its enrichment columns (sentiment_label, sentiment_score).
-- Parameters: DATABASE, TABLE, INPUT_TABLE, LOCATION, YEAR, MONTH, DAY.
-- Two statements: the output table (created when missing, like the original's
-- create-players-total-tweets-table.hql) and the day's INSERT OVERWRITE.
--
-- posts counts distinct posts naming the player (a post naming them twice counts once);
-- positive / negative / neutral count those posts by label, so posts minus their sum is
-- the unscored posts (and posts of partitions written before enrichment, whose label is
-- NULL). avg_score is the mean compound score of the scored posts (NULL when none). The
-- scores have 4 decimals, so the mean is taken over exact integers (score * 10000): a
-- sum of doubles depends on the order the engine adds them in, and DuckDB and Spark
-- must give identical rows.
CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.${TABLE} (
    player STRING,
    posts BIGINT,
    positive BIGINT,
    negative BIGINT,
    neutral BIGINT,
    avg_score DOUBLE
)
PARTITIONED BY (year STRING, month STRING, day STRING)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION '${LOCATION}';

INSERT OVERWRITE TABLE ${DATABASE}.${TABLE}
PARTITION (year = '${YEAR}', month = '${MONTH}', day = '${DAY}')
SELECT player,
       count(*) AS posts,
       count(CASE WHEN sentiment_label = 'positive' THEN 1 END) AS positive,
       count(CASE WHEN sentiment_label = 'negative' THEN 1 END) AS negative,
       count(CASE WHEN sentiment_label = 'neutral' THEN 1 END) AS neutral,
       CASE WHEN count(sentiment_score) = 0 THEN NULL
            ELSE CAST(sum(CAST(round(sentiment_score * 10000) AS BIGINT)) AS DOUBLE)
                 / CAST(count(sentiment_score) * 10000 AS DOUBLE)
       END AS avg_score
FROM (
    SELECT DISTINCT id, context.entity.name AS player, sentiment_label, sentiment_score
    FROM ${DATABASE}.${INPUT_TABLE}
        LATERAL VIEW explode(context_annotations) t AS context
    WHERE context.domain.id = '60'
      AND context.entity.name IS NOT NULL
      AND year = '${YEAR}'
      AND month = '${MONTH}'
      AND day = '${DAY}'
) AS player_posts
GROUP BY player;
