/**
 * Runs a container template as a local process: the image maps to its package's bin (images manifest), volumes become
 * per-pod temp dirs (Secrets copied from `--secret` files with mode 0400, ConfigMaps from the workflow file, emptyDirs empty),
 * and every mount path in command/args/env/workingDir/output paths is rewritten to the local directory.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, statSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import type { ContainerResult, ContainerRun, Executor } from './engine.js';
import type { ImageBinding } from './images.js';

/**
 * What the executor needs from the process it runs in. Only the CLI edge knows these: it passes `process.execPath` and
 * `process.kill` (tests and benchmarks pass their own).
 */
export interface ProcessHost {
  /** The Node.js binary that runs every step's bin. */
  readonly nodePath: string;
  /** Sends `signal` to `pid`; a negative pid is a process group (every step runs in a group of its own). Throws like `process.kill`. */
  readonly kill: (pid: number, signal: NodeJS.Signals) => void;
  /** The caller's own process id: the owner recorded in a run's temp directory (run-dirs.ts; else /proc/self). */
  readonly pid?: number;
}

export interface ProcessExecutorOptions {
  /** Starts and signals the step processes. */
  readonly host: ProcessHost;
  /** Image reference → local bin. */
  readonly images: ReadonlyMap<string, ImageBinding>;
  /** Secret name → a local file or directory (`--secret name=path`). */
  readonly secrets: ReadonlyMap<string, string>;
  /** ConfigMaps available to configMap volumes. */
  readonly configMaps: ReadonlyMap<string, Record<string, string>>;
  /** Base environment of every step (e.g. PATH), before the container's env. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Set after the container's env (DP_ENGINE, BIGQUERY_EMULATOR_HOST). */
  readonly overrideEnv: Readonly<Record<string, string>>;
  /** A Secret volume that was not given with --secret is mounted empty (and env vars pointing into it are dropped). */
  readonly allowMissingSecrets: boolean;
  /**
   * A key file mounted for every Secret not given with --secret (each of its items is this file): the embedded
   * warehouse's own service-account key when it runs in token mode. Takes precedence over mounting it empty.
   */
  readonly defaultSecretFile?: string;
  /** Directory for pod dirs (created, temporary). */
  readonly workDir: string;
  /** Directory for the steps' logs (created, kept). */
  readonly logDir: string;
  /** Receives every output line of every step. */
  readonly onLine?: (node: string, line: string) => void;
  /** Told once per Secret that was not given and is mounted empty. */
  readonly onNote?: (message: string) => void;
  /** Grace period between SIGTERM and SIGKILL when a step is stopped. */
  readonly killGraceMs?: number;
}

interface Mount {
  readonly mountPath: string;
  readonly local: string;
  /** Secret mounts whose key was not provided: env values pointing into them are dropped. */
  readonly emptySecret: boolean;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Rewrites container paths (`/dp/outputs/x`, `--outputs-dir=/dp/outputs`) into local ones. */
export function rewritePaths(text: string, mounts: readonly { mountPath: string; local: string }[]): string {
  if (mounts.length === 0) return text;
  const byPath = new Map(mounts.map((m) => [m.mountPath.replace(/\/+$/, '') || '/', m.local]));
  // One pass with the longest mount first, so a rewritten path is never rewritten again by a shorter mount (/tmp).
  const alternatives = [...byPath.keys()].sort((a, b) => b.length - a.length).map(escapeRe);
  const re = new RegExp(`(^|[=:\\s,'"@])(${alternatives.join('|')})(?=/|$|[\\s,'"])`, 'g');
  return text.replace(re, (_all, pre: string, mp: string) => `${pre}${byPath.get(mp)}`);
}

/** The most useful last line of a step's output: a structured log line's `msg`, else the raw line. */
function lastMessage(tail: readonly string[]): string | undefined {
  const line = tail.filter((l) => l.trim() !== '').at(-1);
  if (line?.trimStart().startsWith('{')) {
    try {
      const msg = (JSON.parse(line) as { msg?: unknown }).msg;
      if (typeof msg === 'string') return msg;
    } catch {}
  }
  return line;
}

export class ProcessExecutor implements Executor {
  private logSeq = 0;
  private readonly noted = new Set<string>();
  constructor(private readonly opts: ProcessExecutorOptions) {}

  async run(spec: ContainerRun): Promise<ContainerResult> {
    const binding = this.opts.images.get(spec.container.image);
    if (!binding)
      return {
        exitCode: undefined,
        message: `image ${spec.container.image} is not in the images manifest`,
        outputs: {},
      };
    await mkdir(join(this.opts.workDir, 'pods'), { recursive: true, mode: 0o700 });
    const podDir = await mkdtemp(join(this.opts.workDir, 'pods', `${safeName(spec.node)}-${spec.attempt}-`));
    try {
      return await this.runInPod(spec, binding, podDir);
    } finally {
      await rm(podDir, { recursive: true, force: true });
    }
  }

  private async prepareMounts(spec: ContainerRun, podDir: string): Promise<Mount[] | string> {
    const mounts: Mount[] = [];
    for (const vm of spec.container.volumeMounts ?? []) {
      const vol = spec.volumes.find((v) => v.name === vm.name);
      if (!vol) return `volumeMount ${vm.name}: no volume of that name`;
      const local = join(podDir, 'volumes', safeName(vm.name));
      await mkdir(local, { recursive: true, mode: 0o700 });
      let emptySecret = false;
      if (vol.secret) {
        const given = this.opts.secrets.get(vol.secret.secretName) ?? this.opts.defaultSecretFile;
        if (given === undefined) {
          if (!vol.secret.optional && !this.opts.allowMissingSecrets)
            return `secret ${vol.secret.secretName} is not provided: pass --secret ${vol.secret.secretName}=PATH`;
          emptySecret = true;
          if (!this.noted.has(vol.secret.secretName)) {
            this.noted.add(vol.secret.secretName);
            this.opts.onNote?.(
              `secret ${vol.secret.secretName} not given (--secret ${vol.secret.secretName}=PATH): mounted empty, env vars pointing into it are dropped`,
            );
          }
        } else {
          const mode = Number(vol.secret.defaultMode ?? 0o400);
          const copy = async (src: string, key: string) => {
            const dst = join(local, key);
            await mkdir(dirname(dst), { recursive: true, mode: 0o700 });
            await copyFile(src, dst);
            await chmod(dst, mode);
          };
          const isDir = statSync(given).isDirectory();
          if (vol.secret.items?.length) {
            for (const item of vol.secret.items) {
              const src = isDir ? join(given, item.key) : given;
              if (!existsSync(src))
                return `secret ${vol.secret.secretName}: key ${item.key} not found in ${given}`;
              await copy(src, item.path);
            }
          } else if (isDir) {
            for (const f of readdirSync(given))
              if (statSync(join(given, f)).isFile()) await copy(join(given, f), f);
          } else {
            await copy(given, basename(given));
          }
        }
      } else if (vol.configMap) {
        const data = this.opts.configMaps.get(vol.configMap.name);
        if (!data) {
          if (!vol.configMap.optional)
            return `configMap ${vol.configMap.name} not found (put it in the workflow file)`;
        } else {
          const items = vol.configMap.items?.length
            ? vol.configMap.items.map((i) => [i.key, i.path] as const)
            : Object.keys(data).map((k) => [k, k] as const);
          for (const [key, path] of items) {
            if (data[key] === undefined) return `configMap ${vol.configMap.name}: key ${key} not found`;
            const dst = join(local, path);
            await mkdir(dirname(dst), { recursive: true });
            await writeFile(dst, data[key]!);
          }
        }
      } else if (!vol.emptyDir) {
        return `volume ${vol.name}: only emptyDir, secret and configMap volumes are supported`;
      }
      mounts.push({
        mountPath: vm.mountPath,
        local: vm.subPath ? join(local, vm.subPath) : local,
        emptySecret,
      });
    }
    // Output files outside every mount live in the container's own filesystem: give them a local directory too.
    for (const p of spec.outputs) {
      const path = p.valueFrom?.path;
      if (!path) continue;
      const covered = mounts.some(
        (m) => path === m.mountPath || path.startsWith(`${m.mountPath.replace(/\/+$/, '')}/`),
      );
      if (!covered) {
        const dir = posix.dirname(path);
        const local = join(podDir, 'rootfs', safeName(dir));
        await mkdir(local, { recursive: true });
        mounts.push({ mountPath: dir, local, emptySecret: false });
      }
    }
    return mounts;
  }

  private async runInPod(
    spec: ContainerRun,
    binding: ImageBinding,
    podDir: string,
  ): Promise<ContainerResult> {
    const c = spec.container;
    const mounts = await this.prepareMounts(spec, podDir);
    if (typeof mounts === 'string') return { exitCode: undefined, message: mounts, outputs: {} };
    const rw = (s: string) => rewritePaths(s, mounts);

    let argv: string[];
    if (c.command && c.command.length > 0) {
      const cmd = c.command[0]!;
      if (cmd !== binding.bin && posix.basename(cmd) !== binding.bin)
        return {
          exitCode: undefined,
          message: `command ${cmd} is not the bin of image ${c.image} (${binding.bin}); dp run runs only the image's bin`,
          outputs: {},
        };
      argv = [...c.command.slice(1), ...(c.args ?? [])];
    } else {
      argv = [...(c.args ?? [])];
    }
    argv = argv.map(rw);

    const env: Record<string, string> = { ...this.opts.baseEnv };
    for (const e of c.env ?? []) {
      let value = e.value ?? '';
      if (e.valueFrom?.secretKeyRef) {
        const ref = e.valueFrom.secretKeyRef;
        const given = this.opts.secrets.get(ref.name);
        const file = given && (statSync(given).isDirectory() ? join(given, ref.key) : given);
        if (!file || !existsSync(file)) {
          if (ref.optional || this.opts.allowMissingSecrets) continue;
          return {
            exitCode: undefined,
            message: `env ${e.name}: secret ${ref.name} key ${ref.key} is not provided`,
            outputs: {},
          };
        }
        value = (await readFile(file, 'utf8')).trimEnd();
      } else if (e.valueFrom?.configMapKeyRef) {
        const ref = e.valueFrom.configMapKeyRef;
        const v = this.opts.configMaps.get(ref.name)?.[ref.key];
        if (v === undefined) {
          if (ref.optional) continue;
          return {
            exitCode: undefined,
            message: `env ${e.name}: configMap ${ref.name} key ${ref.key} not found`,
            outputs: {},
          };
        }
        value = v;
      } else if (e.valueFrom?.fieldRef) {
        const f = e.valueFrom.fieldRef.fieldPath;
        if (f === 'metadata.name') value = safeName(spec.node);
        else if (f === 'metadata.namespace') value = 'default';
        else
          return {
            exitCode: undefined,
            message: `env ${e.name}: fieldRef ${f} is not supported`,
            outputs: {},
          };
      } else {
        value = rw(value);
        // A key file that the embedded warehouse does not need: drop the variable rather than point at nothing.
        const intoEmpty = mounts.find(
          (m) => m.emptySecret && (value === m.local || value.startsWith(`${m.local}/`)),
        );
        if (intoEmpty) continue;
      }
      env[e.name] = value;
    }
    Object.assign(env, this.opts.overrideEnv);
    const cwd = c.workingDir ? rw(c.workingDir) : podDir;
    if (!existsSync(cwd))
      return { exitCode: undefined, message: `workingDir ${c.workingDir} does not exist`, outputs: {} };

    await mkdir(this.opts.logDir, { recursive: true });
    const logPath = join(
      this.opts.logDir,
      `${String(++this.logSeq).padStart(3, '0')}-${safeName(spec.node)}-${spec.attempt}.log`,
    );
    const log = createWriteStream(logPath);
    const tail: string[] = [];
    const exit = await new Promise<{ code: number | undefined; error?: string }>((resolve) => {
      const child = spawn(this.opts.host.nodePath, [binding.binPath, ...argv], {
        cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      const onLines = (stream: NodeJS.ReadableStream) => {
        let buf = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          log.write(chunk);
          buf += chunk;
          let nl = buf.indexOf('\n');
          while (nl >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            tail.push(line);
            if (tail.length > 20) tail.shift();
            this.opts.onLine?.(spec.node, line);
            nl = buf.indexOf('\n');
          }
        });
        stream.on('end', () => {
          if (buf) {
            tail.push(buf);
            this.opts.onLine?.(spec.node, buf);
          }
        });
      };
      onLines(child.stdout!);
      onLines(child.stderr!);
      let killTimer: NodeJS.Timeout | undefined;
      const stop = () => {
        if (child.pid === undefined || child.exitCode !== null) return;
        try {
          this.opts.host.kill(-child.pid, 'SIGTERM');
        } catch {}
        killTimer = setTimeout(() => {
          try {
            this.opts.host.kill(-child.pid!, 'SIGKILL');
          } catch {}
        }, this.opts.killGraceMs ?? 5000);
      };
      if (spec.signal.aborted) stop();
      spec.signal.addEventListener('abort', stop, { once: true });
      child.on('error', (e) =>
        resolve({ code: undefined, error: `cannot start ${binding.binPath}: ${e.message}` }),
      );
      child.on('close', (code, signal) => {
        if (killTimer) clearTimeout(killTimer);
        spec.signal.removeEventListener('abort', stop);
        const signo = signal
          ? (({ SIGTERM: 15, SIGKILL: 9, SIGINT: 2 } as Record<string, number>)[signal] ?? 1)
          : 0;
        resolve({ code: code ?? 128 + signo });
      });
    });
    await new Promise<void>((r) => log.end(r));
    if (exit.code === undefined)
      return { exitCode: undefined, message: exit.error ?? 'could not start', outputs: {} };

    const outputs: Record<string, string> = {};
    for (const p of spec.outputs) {
      const path = p.valueFrom?.path;
      if (path === undefined) {
        if (p.value !== undefined) outputs[p.name] = p.value;
        continue;
      }
      try {
        outputs[p.name] = (await readFile(rw(path), 'utf8')).replace(/\n$/, '');
      } catch {
        if (p.valueFrom?.default !== undefined) outputs[p.name] = p.valueFrom.default;
      }
    }
    const last = lastMessage(tail);
    return {
      exitCode: exit.code,
      ...(exit.code !== 0
        ? { message: `exit code ${exit.code}${last ? `: ${last.slice(0, 300)}` : ''} (log: ${logPath})` }
        : {}),
      outputs,
    };
  }
}
