/**
 * The example pipeline's SQL (the original project's 7 tasks), rendered for `ds` the way Airflow 1.8.2 renders its
 * templates (yesterday_ds = ds - 1 day, macros.ds_add). The one copy in this package: used by the SQL translator test, the end-to-end test and the bench. The
 * canonical user-facing SQL is in the example workflow YAML (workflows/); this mirrors it rendered for a day.
 */
export const EXAMPLE_TABLES = [
  'github_daily_metrics',
  'github_agg',
  'hackernews_agg',
  'hackernews_github_agg',
];

export function exampleSql(ds: string) {
  const add = (n: number) =>
    new Date(Date.parse(`${ds}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const yesterday = add(-1);
  const yesterdayNodash = yesterday.replace(/-/g, '');
  return {
    yesterdayNodash,
    checkGithub: `
    #legacySql
    SELECT table_id
    FROM [githubarchive:day.__TABLES__]
    WHERE table_id = "${yesterdayNodash}"
    `,
    checkHn: `
    #legacySql
    SELECT
    STRFTIME_UTC_USEC(timestamp, "%Y%m%d") as date
    FROM
      [bigquery-public-data:hacker_news.full]
    WHERE
    type = 'story'
    AND STRFTIME_UTC_USEC(timestamp, "%Y%m%d") = "${yesterdayNodash}"
    LIMIT 1
    `,
    githubDaily: `
    #standardSQL
    SELECT
      date,
      repo,
      SUM(IF(type='WatchEvent', 1, NULL)) AS stars,
      SUM(IF(type='ForkEvent',  1, NULL)) AS forks
    FROM (
      SELECT
        FORMAT_TIMESTAMP("%Y%m%d", created_at) AS date,
        actor.id as actor_id,
        repo.name as repo,
        type
      FROM
        \`githubarchive.day.${yesterdayNodash}\`
      WHERE type IN ('WatchEvent','ForkEvent')
    )
    GROUP BY
      date,
      repo
    `,
    hnAgg: `
    #standardSQL
    SELECT
      FORMAT_TIMESTAMP("%Y%m%d", timestamp) AS date,
      \`by\` AS submitter,
      id as story_id,
      REGEXP_EXTRACT(url, "(https?://github.com/[^/]*/[^/#?]*)") as url,
      SUM(score) as score
    FROM
      \`bigquery-public-data.hacker_news.full\`
    WHERE
      type = 'story'
      AND timestamp>'${yesterday}'
      AND timestamp<'${ds}'
      AND url LIKE '%https://github.com%'
      AND url NOT LIKE '%github.com/blog/%'
    GROUP BY
      date,
      submitter,
      story_id,
      url
    `,
    githubAgg: `
    #standardSQL
    SELECT
      "${yesterdayNodash}" as date,
      repo,
      SUM(stars) as stars_last_28_days,
      SUM(IF(_PARTITIONTIME BETWEEN TIMESTAMP("${add(-6)}")
        AND TIMESTAMP("${yesterday}") ,
        stars, null)) as stars_last_7_days,
      SUM(IF(_PARTITIONTIME BETWEEN TIMESTAMP("${yesterday}")
        AND TIMESTAMP("${yesterday}") ,
        stars, null)) as stars_last_1_day,
      SUM(forks) as forks_last_28_days,
      SUM(IF(_PARTITIONTIME BETWEEN TIMESTAMP("${add(-6)}")
        AND TIMESTAMP("${yesterday}") ,
        forks, null)) as forks_last_7_days,
      SUM(IF(_PARTITIONTIME BETWEEN TIMESTAMP("${yesterday}")
        AND TIMESTAMP("${yesterday}") ,
        forks, null)) as forks_last_1_day
    FROM
      \`github_trends.github_daily_metrics\`
    WHERE _PARTITIONTIME BETWEEN TIMESTAMP("${add(-27)}")
    AND TIMESTAMP("${yesterday}")
    GROUP BY
      date,
      repo
    `,
    hnGithubAgg: `
    #standardSQL
    SELECT
    a.date as date,
    a.url as github_url,
    b.repo as github_repo,
    a.score as hn_score,
    a.story_id as hn_story_id,
    b.stars_last_28_days as stars_last_28_days,
    b.stars_last_7_days as stars_last_7_days,
    b.stars_last_1_day as stars_last_1_day,
    b.forks_last_28_days as forks_last_28_days,
    b.forks_last_7_days as forks_last_7_days,
    b.forks_last_1_day as forks_last_1_day
    FROM
    (SELECT
      *
    FROM
      \`github_trends.hackernews_agg\`
      WHERE _PARTITIONTIME BETWEEN TIMESTAMP("${yesterday}") AND TIMESTAMP("${yesterday}")
      )as a
    LEFT JOIN
      (
      SELECT
      repo,
      CONCAT('https://github.com/', repo) as url,
      stars_last_28_days,
      stars_last_7_days,
      stars_last_1_day,
      forks_last_28_days,
      forks_last_7_days,
      forks_last_1_day
      FROM
      \`github_trends.github_agg\`
      WHERE _PARTITIONTIME BETWEEN TIMESTAMP("${yesterday}") AND TIMESTAMP("${yesterday}")
      ) as b
    ON a.url = b.url
    `,
    checkHnGithubAgg: `
    #legacySql
    SELECT
    partition_id
    FROM
    [github_trends.hackernews_github_agg$__PARTITIONS_SUMMARY__]
    WHERE partition_id = "${yesterdayNodash}"
    `,
  };
}
