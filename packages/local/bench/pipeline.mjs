#!/usr/bin/env node
// npm run bench (packages/local): wall time of `npm start`'s pipeline — init (40-day backfill) + one daily run — on the
// embedded warehouse, and the share of it the warehouse was busy (in-flight REST requests, measured by a timing proxy)
// versus our code (interpreter, step processes, runner start-up). Baselines measured in the same run: a bare `node -e 0`,
// and the interpreter's cost per container vs spawning the same no-op fixture step directly.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportTarget } from '../../../scripts/bench-result.mjs';
import {
  findRepoRoot,
  loadImageBindings,
  ProcessExecutor,
  parseWorkflow,
  runLocal,
  runWorkflow,
  seedRange,
  startEmbeddedWarehouse,
} from '../dist/index.js';

const TARGET_MS = 30_000;
const repo = findRepoRoot(import.meta.dirname);
const dataDir = mkdtempSync(join(tmpdir(), 'dp-bench-'));
const runDate = '20261120';
const parameters = { 'gcp-project': 'local-project', 'run-date': runDate };
// DP_BENCH_PARALLELISM=N: backfill lanes of the init workflow (its `parallelism` parameter, default 4)
const initExtra = process.env.DP_BENCH_PARALLELISM ? { parallelism: process.env.DP_BENCH_PARALLELISM } : {};
/** The bench is a process edge: it hands the executor this Node binary and the real process.kill. */
const host = { nodePath: process.execPath, kill: (pid, signal) => process.kill(pid, signal) };

/** Forwards to the warehouse and measures the union of in-flight request intervals. */
function timingProxy(target) {
  let inFlight = 0;
  let busySince = 0;
  let busyMs = 0;
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (inFlight++ === 0) busySince = performance.now();
    const done = () => {
      if (--inFlight === 0) busyMs += performance.now() - busySince;
    };
    const up = http.request(new URL(req.url, target), { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
      r.on('end', done);
    });
    up.on('error', () => {
      res.writeHead(502).end();
      done();
    });
    req.pipe(up);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        stats: () => ({ busyMs, requests }),
        close: () => new Promise((r) => server.close(r)),
      }),
    ),
  );
}

const t = () => performance.now();
const spawnBaseline = (() => {
  const s = t();
  for (let i = 0; i < 5; i++) spawnSync(process.execPath, ['-e', '0']);
  return (t() - s) / 5;
})();

/** The interpreter's own cost per container: 20 no-op fixture steps through dp run's engine vs 20 bare spawns. */
async function interpreterOverhead() {
  const fixtures = join(import.meta.dirname, '..', 'test', 'fixtures');
  const dir = mkdtempSync(join(tmpdir(), 'dp-bench-ovh-'));
  const step = join(fixtures, 'step.mjs');
  try {
    let s = t();
    for (let i = 0; i < 20; i++)
      spawnSync(process.execPath, [step, '--outputs-dir', join(dir, 'o'), '--output', 'o=1']);
    const bare = t() - s;
    const wf = parseWorkflow(
      `kind: Workflow
spec:
  entrypoint: main
  parallelism: 1
  volumes: [{ name: out, emptyDir: {} }]
  templates:
    - name: main
      dag:
        tasks: [{ name: s, template: s, withSequence: { count: "20" } }]
    - name: s
      outputs: { parameters: [{ name: o, valueFrom: { path: /out/o } }] }
      container:
        image: example.test/fixtures/step:1.0.0
        args: [--outputs-dir=/out, --output=o=1]
        volumeMounts: [{ name: out, mountPath: /out }]`,
      'bench.yaml',
    );
    const executor = new ProcessExecutor({
      host,
      images: loadImageBindings(join(fixtures, 'images.json')),
      secrets: new Map(),
      configMaps: new Map(),
      baseEnv: { PATH: process.env.PATH ?? '' },
      overrideEnv: {},
      allowMissingSecrets: true,
      workDir: dir,
      logDir: join(dir, 'logs'),
    });
    s = t();
    await runWorkflow(wf, { executor });
    return { bare: bare / 20, ours: (t() - s) / 20 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const overhead = await interpreterOverhead();

const t0 = t();
const wh = await startEmbeddedWarehouse({ dataDir, projectId: 'local-project' });
const startMs = t() - t0;
const ts = t();
await wh.seed(seedRange(runDate, parameters));
const seedMs = t() - ts;
const proxy = await timingProxy(wh.url);
const results = [];
try {
  for (const file of ['bigquery_step_init_workflow.yaml', 'bigquery_step_workflow.yaml']) {
    const s = t();
    const r = await runLocal({
      workflowFile: join(repo, 'workflows', file),
      parameters: file.includes('init') ? { ...parameters, ...initExtra } : parameters,
      warehouse: 'embedded',
      warehouseUrl: proxy.url,
      seed: false,
      dataDir,
      engine: 'native',
      secrets: new Map(),
      baseEnv: { PATH: process.env.PATH ?? '', HOME: dataDir },
      host,
    });
    results.push({ file, phase: r.phase, ms: t() - s, steps: r.tasks.filter((x) => x.attempts > 0).length });
  }
} finally {
  await proxy.close();
  await wh.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
const pipelineMs = results.reduce((a, r) => a + r.ms, 0);
const totalMs = startMs + seedMs + pipelineMs;
const { busyMs, requests } = proxy.stats();
const steps = results.reduce((a, r) => a + r.steps, 0);
const f = (ms) => `${(ms / 1000).toFixed(2)} s`;
for (const r of results)
  console.log(`${r.file.padEnd(36)} ${r.phase.padEnd(9)} ${f(r.ms)} (${r.steps} steps)`);
console.log(`warehouse start ${f(startMs)}, sample data seed ${f(seedMs)}`);
console.log(`pipeline wall ${f(pipelineMs)}; total with start + seed ${f(totalMs)}`);
console.log(
  `warehouse busy ${f(busyMs)} (${requests} requests) = ${((100 * busyMs) / pipelineMs).toFixed(0)}% of the pipeline; our code ${((100 * (pipelineMs - busyMs)) / pipelineMs).toFixed(0)}%`,
);
console.log(
  `per step ${f(pipelineMs / Math.max(1, steps))} wall vs bare node spawn ${f(spawnBaseline)} (ratio ${(pipelineMs / Math.max(1, steps) / spawnBaseline).toFixed(1)}x)`,
);
console.log(
  `interpreter per container ${overhead.ours.toFixed(0)} ms vs the same step spawned bare ${overhead.bare.toFixed(0)} ms (ratio ${(overhead.ours / overhead.bare).toFixed(2)}x); the rest of "our code" is the step processes (runner + operators)`,
);
reportTarget('local', 'npm start pipeline: start + seed + init + daily', totalMs, '<=', TARGET_MS, 'ms');
console.log(
  `ratio total / 30 s target: ${(totalMs / TARGET_MS).toFixed(2)} ${totalMs <= TARGET_MS ? '(within target)' : '(over target)'}`,
);
if (results.some((r) => r.phase !== 'Succeeded')) process.exitCode = 1;
