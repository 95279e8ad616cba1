-- Posts per Athlete annotation (domain 60) for one day, like the original query.
-- Parameters: DATABASE, TABLE, INPUT_TABLE, YEAR, MONTH, DAY.
-- Two deliberate changes: INSERT OVERWRITE of the day's partition instead of INSERT INTO
-- (running a day twice replaces it rather than doubling it), and count(DISTINCT id) so
-- that a post naming the same player twice counts once ("posts carrying").
INSERT OVERWRITE TABLE ${DATABASE}.${TABLE}
PARTITION (year = '${YEAR}', month = '${MONTH}', day = '${DAY}')
SELECT context.entity.name AS player, count(DISTINCT id) AS total
FROM ${DATABASE}.${INPUT_TABLE}
    LATERAL VIEW explode(context_annotations) t AS context
WHERE context.domain.id = '60'
  AND context.entity.name IS NOT NULL
  AND year = '${YEAR}'
  AND month = '${MONTH}'
  AND day = '${DAY}'
GROUP BY context.entity.name;
