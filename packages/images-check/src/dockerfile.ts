import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import {
  type Add,
  type Copy,
  DockerfileParser,
  type From,
  type Instruction,
  type JSONInstruction,
  type ModifiableInstruction,
} from 'dockerfile-ast';

/** One problem found in a Dockerfile. `line` is 1-based. */
export interface DockerfileFinding {
  readonly line: number;
  readonly rule:
    | 'from-pinned'
    | 'no-latest'
    | 'final-user'
    | 'no-pipe-to-shell'
    | 'copy-source-exists'
    | 'unresolved-variable'
    | 'no-remote-add'
    | 'no-build-tools';
  readonly message: string;
}

export interface DockerfileCheckOptions {
  /** Build args as CI passes them (override ARG defaults). */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Directory of the build context on disk; COPY/ADD sources are resolved against it. Omit to skip that rule. */
  readonly contextDir?: string;
  /** Image references built by this repository in the same pipeline (CI pins them by digest when it builds). */
  readonly internalRefs?: readonly string[];
  /** Lines of the context's .dockerignore: a COPY source it excludes is as missing as one that does not exist. */
  readonly dockerignore?: readonly string[];
}

function ignorePatternToRegExp(pattern: string): RegExp {
  const parts = pattern.split('/').map((seg) =>
    seg === '**'
      ? '(?:[^/]+/)*'
      : `${seg
          .replace(/[.+^${}()|\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]')}/`,
  );
  return new RegExp(`^${parts.join('')}`);
}

/** Docker's .dockerignore semantics (simplified): patterns match a path or any of its parent directories, `**` spans
 * directories, `!pattern` re-includes, the last matching line wins. */
export function isDockerignored(path: string, lines: readonly string[]): boolean {
  const target = `${normalize(path.replace(/^\/+/, '')).replace(/\/+$/, '')}/`;
  let ignored = false;
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    const pattern = normalize((negate ? line.slice(1) : line).replace(/^\/+/, '')).replace(/\/+$/, '');
    if (ignorePatternToRegExp(pattern).test(target)) ignored = !negate;
  }
  return ignored;
}

const DIGEST = /@sha256:[0-9a-f]{64}$/;
const PIPE_TO_SHELL = /\b(?:curl|wget)\b[^;&|]*\|\s*(?:sudo\s+)?(?:\/(?:usr\/)?bin\/)?(?:ba|da|z|k)?sh\b/;
const INSTALL = /\b(?:apt-get|apt|apk|yum|dnf|microdnf)\s+(?:-\S+\s+)*(?:install|add)\b([^;&|]*)/g;
const BUILD_TOOL =
  /^(?:build-essential|build-base|gcc(?:-\d+)?|g\+\+(?:-\d+)?|clang|make|cmake|[a-z0-9.+-]+-dev(?:el)?)$/;
const VARIABLE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+]([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Expands `$VAR`, `${VAR}`, `${VAR:-default}` and `${VAR:+alt}` the way the Dockerfile frontend does. */
export function expandVariables(
  text: string,
  vars: ReadonlyMap<string, string>,
): { value: string; missing: string[] } {
  const missing: string[] = [];
  const value = text.replace(
    VARIABLE,
    (whole, braced: string | undefined, word: string | undefined, bare) => {
      const name = (braced ?? bare) as string;
      const current = vars.get(name);
      const op = whole.match(/^\$\{[A-Za-z0-9_]+(:?[-+])/)?.[1];
      if (op?.endsWith('-')) return current !== undefined && current !== '' ? current : (word ?? '');
      if (op?.endsWith('+')) return current !== undefined && current !== '' ? (word ?? '') : '';
      if (current === undefined) {
        missing.push(name);
        return '';
      }
      return current;
    },
  );
  return { value, missing };
}

/** Splits `name[:tag][@digest]` (registry ports are not mistaken for tags). */
export function splitImageRef(ref: string): { name: string; tag: string | null; digest: string | null } {
  const at = ref.indexOf('@');
  const digest = at >= 0 ? ref.slice(at + 1) : null;
  const rest = at >= 0 ? ref.slice(0, at) : ref;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { name: rest, tag: null, digest };
}

function line(instr: Instruction): number {
  return instr.getRange().start.line + 1;
}

/** Source arguments of COPY/ADD (everything but the destination), JSON or shell form. */
function copySources(instr: Copy | Add): string[] {
  const json = (instr as unknown as JSONInstruction).getJSONStrings?.() ?? [];
  const values =
    json.length > 0 ? json.map((a) => a.getJSONValue()) : instr.getArguments().map((a) => a.getValue());
  return values.slice(0, -1);
}

function flag(instr: Instruction, name: string): string | null {
  const flags = (instr as ModifiableInstruction).getFlags?.() ?? [];
  return flags.find((f) => f.getName() === name)?.getValue() ?? null;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${escaped}$`);
}

function sourceExists(contextDir: string, source: string): boolean {
  const rel = normalize(source.replace(/^\/+/, ''));
  if (rel.startsWith('..')) return false;
  if (!/[*?[]/.test(rel)) return existsSync(join(contextDir, rel));
  const dir = dirname(rel);
  if (/[*?[]/.test(dir)) return true; // nested wildcards: not worth re-implementing Go's filepath.Match here
  const base = rel.slice(dir === '.' ? 0 : dir.length + 1);
  const full = join(contextDir, dir);
  if (!existsSync(full)) return false;
  const re = globToRegExp(base);
  return readdirSync(full).some((entry) => re.test(entry));
}

/**
 * Checks one Dockerfile's text. Rules (see the package README):
 * every FROM (and every COPY --from / RUN --mount from= that names an image) is a stage or pinned by tag + digest,
 * or one of our own manifest images; no `latest`; the final stage sets a numeric non-root USER;
 * no `curl|sh` / `wget|sh`; no ADD of a URL; no compiler or -dev package installed in the final stage; every COPY/ADD
 * source exists in the context.
 */
export function checkDockerfile(text: string, options: DockerfileCheckOptions = {}): DockerfileFinding[] {
  return new DockerfileChecker(DockerfileParser.parse(text), options).run();
}

/** One pass over the instructions, one method per instruction kind; variables and stages tracked as Docker does. */
class DockerfileChecker {
  private readonly findings: DockerfileFinding[] = [];
  private readonly buildArgs: Readonly<Record<string, string>>;
  private readonly internal: ReadonlySet<string>;
  /** Global ARGs (before the first FROM): the only variables FROM can use. */
  private readonly globals = new Map<string, string>();
  private readonly stages = new Set<string>();
  private readonly lastFrom: From | undefined;
  /** ARG/ENV values of the current stage. */
  private vars = new Map<string, string>();
  private finalUser: { value: string; line: number } | null = null;
  private inFinal = false;

  constructor(
    private readonly df: ReturnType<typeof DockerfileParser.parse>,
    private readonly options: DockerfileCheckOptions,
  ) {
    this.buildArgs = options.buildArgs ?? {};
    this.internal = new Set(options.internalRefs ?? []);
    for (const arg of df.getInitialARGs()) {
      const p = arg.getProperty();
      if (!p) continue;
      const value = this.buildArgs[p.getName()] ?? p.getValue();
      if (value !== null && value !== undefined) this.globals.set(p.getName(), value);
    }
    const froms = df.getFROMs();
    this.lastFrom = froms[froms.length - 1];
  }

  run(): DockerfileFinding[] {
    for (const instr of this.df.getInstructions()) {
      const at = line(instr);
      switch (instr.getKeyword()) {
        case 'FROM':
          this.from(instr as From, at);
          break;
        case 'ARG':
          this.arg(instr);
          break;
        case 'ENV':
          this.env(instr);
          break;
        case 'USER':
          if (this.inFinal)
            this.finalUser = {
              value: expandVariables(instr.getArgumentsContent() ?? '', this.vars).value.trim(),
              line: at,
            };
          break;
        case 'RUN':
          this.runInstruction(instr, at);
          break;
        case 'COPY':
        case 'ADD':
          this.copy(instr as Copy, instr.getKeyword(), at);
          break;
      }
    }
    this.checkFinalUser();
    return this.findings;
  }

  private checkImage(ref: string, at: number, what: string): void {
    if (this.stages.has(ref.toLowerCase()) || ref === 'scratch') return;
    const { tag, digest } = splitImageRef(ref);
    if (tag === 'latest' || (tag === null && digest === null)) {
      this.findings.push({
        line: at,
        rule: 'no-latest',
        message: `${what} ${ref} uses the implicit or explicit latest tag`,
      });
      return;
    }
    if (this.internal.has(ref)) return;
    if (tag === null || digest === null || !DIGEST.test(`@${digest}`)) {
      this.findings.push({
        line: at,
        rule: 'from-pinned',
        message: `${what} ${ref} is not pinned by exact tag + @sha256 digest`,
      });
    }
  }

  private from(from: From, at: number): void {
    const raw = from.getImage() ?? '';
    const { value, missing } = expandVariables(raw, this.globals);
    if (missing.length > 0) {
      this.findings.push({
        line: at,
        rule: 'unresolved-variable',
        message: `FROM ${raw}: ARG ${missing.join(', ')} has no default and no build arg`,
      });
    } else this.checkImage(value, at, 'FROM');
    const stage = from.getBuildStage();
    if (stage) this.stages.add(stage.toLowerCase());
    this.vars = new Map();
    this.inFinal = from === this.lastFrom;
  }

  private arg(instr: Instruction): void {
    for (const p of instr.getArguments()) {
      const [name, ...rest] = p.getValue().split('=');
      if (!name) continue;
      const declared = rest.length > 0 ? rest.join('=') : undefined;
      const value = this.buildArgs[name] ?? declared ?? this.globals.get(name);
      if (value !== undefined) this.vars.set(name, value);
    }
  }

  private env(instr: Instruction): void {
    for (const a of instr.getArguments().map((x) => x.getValue())) {
      const eq = a.indexOf('=');
      if (eq > 0)
        this.vars.set(
          a.slice(0, eq),
          expandVariables(a.slice(eq + 1).replace(/^"|"$/g, ''), this.vars).value,
        );
    }
  }

  private runInstruction(instr: Instruction, at: number): void {
    const flat = (instr.getArgumentsContent() ?? '').replace(/\\\n/g, ' ');
    if (PIPE_TO_SHELL.test(flat)) {
      this.findings.push({
        line: at,
        rule: 'no-pipe-to-shell',
        message: 'RUN pipes a download into a shell (curl|sh)',
      });
    }
    if (this.inFinal) {
      const tools = [...flat.matchAll(INSTALL)].flatMap((m) =>
        (m[1] ?? '').split(/\s+/).filter((w) => BUILD_TOOL.test(w.replace(/[=:].*$/, ''))),
      );
      if (tools.length > 0) {
        this.findings.push({
          line: at,
          rule: 'no-build-tools',
          message: `the final stage installs build tools (${tools.join(', ')}); build in an earlier stage`,
        });
      }
    }
    for (const f of (instr as ModifiableInstruction).getFlags?.() ?? []) {
      if (f.getName() !== 'mount') continue;
      const from = (f.getValue() ?? '').match(/(?:^|,)from=([^,]+)/)?.[1];
      if (from) this.checkImage(expandVariables(from, this.vars).value, at, 'RUN --mount from=');
    }
  }

  private copy(instr: Copy | Add, keyword: string, at: number): void {
    const from = flag(instr, 'from');
    if (from !== null) {
      this.checkImage(expandVariables(from, this.vars).value, at, `${keyword} --from=`);
      return;
    }
    // COPY <<EOF … (here-documents) has inline content, not context paths.
    if (((instr as Copy).getHeredocs?.() ?? []).length > 0) return;
    for (const src of copySources(instr)) this.copySource(src, keyword, at);
  }

  private copySource(src: string, keyword: string, at: number): void {
    const { options } = this;
    if (/^(?:https?|git):\/\//.test(src) || src.startsWith('git@')) {
      this.findings.push({
        line: at,
        rule: 'no-remote-add',
        message: `${keyword} fetches ${src} at build time`,
      });
      return;
    }
    const { value, missing } = expandVariables(src, this.vars);
    if (missing.length > 0) {
      this.findings.push({
        line: at,
        rule: 'unresolved-variable',
        message: `${keyword} ${src}: ${missing.join(', ')} is not set (declare an ARG with a value or pass a build arg)`,
      });
      return;
    }
    if (options.dockerignore && !/[*?[]/.test(value) && isDockerignored(value, options.dockerignore)) {
      this.findings.push({
        line: at,
        rule: 'copy-source-exists',
        message: `${keyword} source ${value} is excluded by .dockerignore`,
      });
    } else if (options.contextDir !== undefined && !sourceExists(options.contextDir, value)) {
      this.findings.push({
        line: at,
        rule: 'copy-source-exists',
        message: `${keyword} source ${value} does not exist in the build context`,
      });
    }
  }

  private checkFinalUser(): void {
    if (!this.lastFrom) {
      this.findings.push({ line: 1, rule: 'final-user', message: 'no FROM instruction' });
      return;
    }
    if (!this.finalUser) {
      this.findings.push({
        line: line(this.lastFrom),
        rule: 'final-user',
        message: 'the final stage sets no USER (it would run as whatever the base says, usually root)',
      });
      return;
    }
    const user = this.finalUser.value.split(':')[0] ?? '';
    if (user === '' || user === 'root' || user === '0' || !/^\d+$/.test(user)) {
      this.findings.push({
        line: this.finalUser.line,
        rule: 'final-user',
        message: `final USER ${this.finalUser.value} must be a numeric non-root uid (Kubernetes runAsNonRoot can only verify numbers)`,
      });
    }
  }
}
