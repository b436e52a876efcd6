import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImageBindings, ProcessExecutor, type ProcessHost, rewritePaths } from '../src/index.js';

const FIX = join(import.meta.dirname, 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'dp-exec-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** What src/cli.ts of the dp CLI passes: this Node binary and the real process.kill. */
const host: ProcessHost = { nodePath: process.execPath, kill: (pid, signal) => process.kill(pid, signal) };

describe('mount path rewriting', () => {
  const mounts = [
    { mountPath: '/tmp', local: '/L/scratch' },
    { mountPath: '/var/run/secrets/gcp', local: '/tmp/pod/key' },
    { mountPath: '/dp/outputs/', local: '/L/out' },
  ];
  it('rewrites whole path prefixes in flags, env values and @file arguments, once', () => {
    expect(rewritePaths('--outputs-dir=/dp/outputs', mounts)).toBe('--outputs-dir=/L/out');
    expect(rewritePaths('/dp/outputs/job-id', mounts)).toBe('/L/out/job-id');
    expect(rewritePaths('/var/run/secrets/gcp/gcp-bigquery.json', mounts)).toBe(
      '/tmp/pod/key/gcp-bigquery.json',
    );
    expect(rewritePaths('--bql=@/tmp/q.sql', mounts)).toBe('--bql=@/L/scratch/q.sql');
    expect(rewritePaths('/tmp', mounts)).toBe('/L/scratch');
  });
  it('leaves lookalikes and text alone', () => {
    expect(rewritePaths('/tmp2/x', mounts)).toBe('/tmp2/x');
    expect(rewritePaths('/var/tmp/x', mounts)).toBe('/var/tmp/x');
    expect(rewritePaths('SELECT 1 -- /dpx/outputs', mounts)).toBe('SELECT 1 -- /dpx/outputs');
  });
});

describe('ProcessExecutor', () => {
  const images = loadImageBindings(join(FIX, 'images.json'));
  const exec = (secrets: Map<string, string>, allowMissingSecrets = false, stepHost = host) =>
    new ProcessExecutor({
      host: stepHost,
      killGraceMs: 2000,
      images,
      secrets,
      configMaps: new Map([['sql', { 'q.sql': 'SELECT 42' }]]),
      baseEnv: { PATH: process.env.PATH ?? '' },
      overrideEnv: { DP_ENGINE: 'native' },
      allowMissingSecrets,
      workDir: join(tmp, 'work'),
      logDir: join(tmp, 'logs'),
    });
  const signal = new AbortController().signal;
  const image = 'example.test/fixtures/step:1.0.0';

  it('maps only images with a bin and a present package; unknown refs are absent', () => {
    expect([...images.keys()]).toEqual([image]);
  });

  it('copies a Secret file with its defaultMode, mounts a ConfigMap, collects outputs', async () => {
    const key = join(tmp, 'sa.json');
    writeFileSync(key, 'KEY');
    let seenMode = -1;
    const lines: string[] = [];
    const e = new ProcessExecutor({
      host,
      images,
      secrets: new Map([['sa', key]]),
      configMaps: new Map([['sql', { 'q.sql': 'SELECT 42' }]]),
      baseEnv: { PATH: process.env.PATH ?? '' },
      overrideEnv: {},
      allowMissingSecrets: false,
      workDir: join(tmp, 'work'),
      logDir: join(tmp, 'logs'),
      onLine: (_n, l) => {
        lines.push(l);
        const m = /^KEYFILE=(.*)$/.exec(l);
        if (m) seenMode = statSync(m[1]!).mode & 0o777;
      },
    });
    const r = await e.run({
      node: 'n',
      template: 't',
      attempt: 1,
      signal,
      container: {
        image,
        args: ['--env=KEYFILE', '--cat=/sql/q.sql', '--outputs-dir=/out', '--output=answer=42', '--sleep=50'],
        env: [{ name: 'KEYFILE', value: '/secrets/sa.json' }],
        volumeMounts: [
          { name: 'k', mountPath: '/secrets' },
          { name: 'c', mountPath: '/sql' },
        ],
      },
      volumes: [
        {
          name: 'k',
          secret: { secretName: 'sa', defaultMode: 0o400, items: [{ key: 'sa.json', path: 'sa.json' }] },
        },
        { name: 'c', configMap: { name: 'sql' } },
      ],
      outputs: [{ name: 'answer', valueFrom: { path: '/out/answer' } }],
    });
    expect(r.exitCode).toBe(0);
    expect(r.outputs).toEqual({ answer: '42' });
    expect(lines.some((l) => /q\.sql has 9 bytes/.test(l))).toBe(true);
    // the step saw the key at mode 0400 (checked while it ran: the pod dir is removed afterwards)
    expect(seenMode).toBe(0o400);
    expect(readFileSync(key, 'utf8')).toBe('KEY');
  });

  it('refuses a command that is not the image bin, and a missing secret', async () => {
    const r1 = await exec(new Map()).run({
      node: 'n',
      template: 't',
      attempt: 1,
      signal,
      container: { image, command: ['sh', '-c', 'echo'] },
      volumes: [],
      outputs: [],
    });
    expect(r1.exitCode).toBeUndefined();
    expect(r1.message).toMatch(/command sh is not the bin of image/);
    const r2 = await exec(new Map()).run({
      node: 'n',
      template: 't',
      attempt: 1,
      signal,
      container: { image, volumeMounts: [{ name: 'k', mountPath: '/s' }] },
      volumes: [{ name: 'k', secret: { secretName: 'nope' } }],
      outputs: [],
    });
    expect(r2.message).toMatch(/secret nope is not provided: pass --secret nope=PATH/);
  });

  it('starts steps with the host node binary and stops their process group through the host kill', async () => {
    const kills: [number, NodeJS.Signals][] = [];
    const spy = exec(new Map(), false, {
      nodePath: process.execPath,
      kill: (pid, sig) => {
        kills.push([pid, sig]);
        host.kill(pid, sig);
      },
    });
    const pidFile = join(tmp, 'step.pid');
    const stop = new AbortController();
    const running = spy.run({
      node: 'sleepy',
      template: 't',
      attempt: 1,
      signal: stop.signal,
      container: { image, args: [`--pid-file=${pidFile}`, '--sleep=30000'] },
      volumes: [],
      outputs: [],
    });
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8') === '')
      await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    const r = await running;
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(kills).toEqual([[-pid, 'SIGTERM']]);
    expect(r.exitCode).toBe(143);

    const noNode = await exec(new Map(), false, { ...host, nodePath: join(tmp, 'no-such-node') }).run({
      node: 'n',
      template: 't',
      attempt: 1,
      signal,
      container: { image },
      volumes: [],
      outputs: [],
    });
    expect(noNode.exitCode).toBeUndefined();
    expect(noNode.message).toMatch(/^cannot start .*step\.mjs: spawn .*no-such-node ENOENT/);
  });
});

describe('package edge', () => {
  it('no module of src touches process (the dp CLI passes env, clock and the process host in)', () => {
    const src = join(import.meta.dirname, '..', 'src');
    for (const f of readdirSync(src).filter((n) => n.endsWith('.ts'))) {
      const code = readFileSync(join(src, f), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      expect(code, f).not.toMatch(/\bprocess\s*[.[]|node:process/);
    }
  });
});
