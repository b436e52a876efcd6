import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, startTestWarehouse } from './helpers.js';

/**
 * Issue 17 §1: what DDL creates is BigQuery's metadata everywhere it is read — INFORMATION_SCHEMA.TABLES / COLUMNS /
 * PARTITIONS of the dataset — and survives a restart (views, partitioning, clustering, options, the rows of a CTAS).
 */

/** Two warehouses opened on a data dir, a dozen statements each: minutes on a loaded 2-core box, not 60 s. */
const SLOW_MS = 180_000;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wh-ddl-catalog-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DDL metadata in INFORMATION_SCHEMA and across a restart', () => {
  it(
    'is shown by INFORMATION_SCHEMA.TABLES, COLUMNS and PARTITIONS',
    async () => {
      const first = await startTestWarehouse({ dataDir: dir });
      try {
        const bq = clientFor(first.url);
        await bq.query('CREATE SCHEMA m OPTIONS(description = "meta")');
        await bq.query(`CREATE TABLE m.facts (day DATE, id INT64 NOT NULL, k STRING, v FLOAT64)
        PARTITION BY day CLUSTER BY k, id OPTIONS(require_partition_filter = true, description = 'facts')
        AS SELECT DATE '2026-11-20' AS day, 1 AS id, 'a' AS k, 0.5 AS v
           UNION ALL SELECT DATE '2026-11-21', 2, 'b', 1.5`);
        await bq.query(
          "CREATE VIEW m.latest OPTIONS(description = 'last day') AS SELECT k, v FROM m.facts WHERE day = '2026-11-21'",
        );
        await bq.query(
          'CREATE TABLE m.ranges (n INT64) PARTITION BY RANGE_BUCKET(n, GENERATE_ARRAY(0, 30, 10))',
        );
        await bq.query('INSERT m.ranges (n) VALUES (1), (12), (13), (99)');

        const [tables] = await bq.query(
          'SELECT table_name, table_type, ddl FROM m.INFORMATION_SCHEMA.TABLES ORDER BY table_name',
        );
        expect(
          tables.map((t: { table_name: string; table_type: string }) => [t.table_name, t.table_type]),
        ).toEqual([
          ['facts', 'BASE TABLE'],
          ['latest', 'VIEW'],
          ['ranges', 'BASE TABLE'],
        ]);
        const ddl = Object.fromEntries(
          tables.map((t: { table_name: string; ddl: string }) => [t.table_name, t.ddl]),
        );
        expect(ddl.facts).toContain('PARTITION BY day\nCLUSTER BY k, id;');
        expect(ddl.facts).toContain('id INT64 NOT NULL');
        expect(ddl.latest).toBe(
          "CREATE VIEW `local-project.m.latest`\nAS SELECT k, v FROM m.facts WHERE day = '2026-11-21';",
        );
        expect(ddl.ranges).toContain('PARTITION BY RANGE_BUCKET(n, GENERATE_ARRAY(0, 30, 10))');

        const [cols] = await bq.query(
          `SELECT column_name, data_type, is_nullable, is_partitioning_column, clustering_ordinal_position
         FROM m.INFORMATION_SCHEMA.COLUMNS WHERE table_name = 'facts' ORDER BY ordinal_position`,
        );
        expect(cols).toEqual([
          {
            column_name: 'day',
            data_type: 'DATE',
            is_nullable: 'YES',
            is_partitioning_column: 'YES',
            clustering_ordinal_position: null,
          },
          {
            column_name: 'id',
            data_type: 'INT64',
            is_nullable: 'NO',
            is_partitioning_column: 'NO',
            clustering_ordinal_position: 2,
          },
          {
            column_name: 'k',
            data_type: 'STRING',
            is_nullable: 'YES',
            is_partitioning_column: 'NO',
            clustering_ordinal_position: 1,
          },
          {
            column_name: 'v',
            data_type: 'FLOAT64',
            is_nullable: 'YES',
            is_partitioning_column: 'NO',
            clustering_ordinal_position: null,
          },
        ]);
        const [viewCols] = await bq.query(
          "SELECT column_name FROM m.INFORMATION_SCHEMA.COLUMNS WHERE table_name = 'latest' ORDER BY ordinal_position",
        );
        expect(viewCols).toEqual([{ column_name: 'k' }, { column_name: 'v' }]);

        const [views] = await bq.query('SELECT * FROM m.INFORMATION_SCHEMA.VIEWS');
        expect(views).toEqual([
          {
            table_catalog: 'local-project',
            table_schema: 'm',
            table_name: 'latest',
            view_definition: "SELECT k, v FROM m.facts WHERE day = '2026-11-21'",
            check_option: null,
            use_standard_sql: 'YES',
          },
        ]);
        const [parts] = await bq.query(
          'SELECT table_name, partition_id, total_rows FROM m.INFORMATION_SCHEMA.PARTITIONS ORDER BY table_name, partition_id',
        );
        expect(parts).toEqual([
          { table_name: 'facts', partition_id: '20261120', total_rows: 1 },
          { table_name: 'facts', partition_id: '20261121', total_rows: 1 },
          { table_name: 'ranges', partition_id: '0', total_rows: 1 },
          { table_name: 'ranges', partition_id: '10', total_rows: 2 },
          { table_name: 'ranges', partition_id: '__UNPARTITIONED__', total_rows: 1 },
        ]);
      } finally {
        await first.stop();
      }
    },
    SLOW_MS,
  );

  it(
    'keeps views, partitioning, clustering and options across a restart',
    async () => {
      const second = await startTestWarehouse({ dataDir: dir });
      try {
        const bq = clientFor(second.url);
        const [facts] = await bq.dataset('m').table('facts').getMetadata();
        expect(facts.timePartitioning).toEqual({ type: 'DAY', field: 'day' });
        expect(facts.clustering).toEqual({ fields: ['k', 'id'] });
        expect(facts.requirePartitionFilter).toBe(true);
        expect(facts.description).toBe('facts');
        expect(facts.numRows).toBe('2');
        const [view] = await bq.dataset('m').table('latest').getMetadata();
        expect(view.type).toBe('VIEW');
        expect(view.description).toBe('last day');
        const [rows] = await bq.query('SELECT k, v FROM m.latest');
        expect(rows).toEqual([{ k: 'b', v: 1.5 }]);
        await expect(bq.query('SELECT k FROM m.facts')).rejects.toMatchObject({ code: 400 });
        const [ranges] = await bq.dataset('m').table('ranges').getMetadata();
        expect(ranges.rangePartitioning).toEqual({
          field: 'n',
          range: { start: '0', end: '30', interval: '10' },
        });
        const [ds] = await bq.dataset('m').getMetadata();
        expect(ds.description).toBe('meta');
      } finally {
        await second.stop();
      }
    },
    SLOW_MS,
  );
});
