import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { checkPythonClosure, parsePins, satisfiesSpec } from '../src/index.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const dir = join(repoRoot, 'images/airflow-base');
const norm = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');
const lines = (file: string) =>
  readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '').trim())
    .filter(Boolean);

const constraints = new Map(
  lines('constraints.txt').map((l) => {
    const m = l.match(/^([A-Za-z0-9._-]+)==(\d+(?:\.\d+)*)$/);
    if (!m) throw new Error(`constraints.txt: not an exact pin: ${l}`);
    return [norm(m[1]!), m[2]!] as const;
  }),
);

type V = number[];
const parse = (v: string): V => v.split('.').map(Number);
const cmp = (a: V, b: V) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};
/** Does every version a pin admits (`1.2.3`, or the series `1.2.*`) satisfy `spec` (e.g. `>=0.8.3`)? */
function satisfies(pin: string, spec: string): boolean {
  const m = spec.match(/^(>=|<=|==|<|>)(.+)$/)!;
  const [op, target] = [m[1]!, parse(m[2]!)];
  const series = pin.endsWith('.*');
  const low = parse(pin.replace('.*', ''));
  const high = series ? [...low.slice(0, -1), (low[low.length - 1] ?? 0) + 1] : low; // exclusive upper end
  switch (op) {
    case '>=':
      return cmp(low, target) >= 0;
    case '>':
      return cmp(low, target) > 0;
    case '<':
      return series ? cmp(high, target) <= 0 : cmp(low, target) < 0;
    case '<=':
      return !series && cmp(low, target) <= 0;
    default:
      return !series && cmp(low, target) === 0;
  }
}

// The reference's extra bounds (§7.4) on top of what the releases declare (setup.py ranges live in
// DECLARED_REQUIRES, src/python-closure.ts, and are checked by checkPythonClosure): why each one is in the
// constraints.txt comment.
const RANGES: Record<string, string[]> = {
  werkzeug: ['<1.0'],
  itsdangerous: ['<2.1'],
  markupsafe: ['<2.1'],
  jinja2: ['<2.9.0'],
  wtforms: ['<3.0'],
  click: ['<8'],
  sqlalchemy: ['>=1.1.15', '<1.2'],
  alembic: ['<0.9'],
  pandas: ['<=0.22.0'],
  'pandas-gbq': ['==0.1.6'],
  'google-api-python-client': ['>=1.5.0', '<1.6.0'],
  httplib2: ['<1'],
  pyopenssl: ['>=0.1'],
  setuptools: ['<=59.6'],
  pip: ['==21.3.1'],
};

describe('airflow-base Python pins', () => {
  it('pins the whole closure: every declared dependency pinned and in range, every pin needed', () => {
    const pins = parsePins(readFileSync(join(dir, 'constraints.txt'), 'utf8'));
    expect(pins.get('apache-airflow')).toBe('1.8.2');
    expect(checkPythonClosure(pins)).toEqual([]);
  });

  it.each(Object.entries(RANGES))('pins %s inside the range Airflow 1.8.2 needs', (name, specs) => {
    const pin = constraints.get(name);
    expect(pin, `${name} is not in constraints.txt`).toBeDefined();
    for (const spec of specs) expect(satisfies(pin!, spec), `${name}==${pin} vs ${spec}`).toBe(true);
  });

  it('checks ranges correctly (the helpers themselves)', () => {
    expect(satisfiesSpec('2.0.12', '~=2.0.0')).toBe(true);
    expect(satisfiesSpec('2.1.0', '~=2.0.0')).toBe(false);
    expect(satisfiesSpec('2021.3', '>=2011')).toBe(true);
    expect(satisfiesSpec('0.9', '<1')).toBe(true);
    expect(satisfies('0.3.*', '<0.4')).toBe(true);
    expect(satisfies('0.3.*', '<0.3.5')).toBe(false);
    expect(satisfies('1.0', '<1.0')).toBe(false);
    expect(satisfies('0.14.1', '<1.0')).toBe(true);
  });
});

describe('airflow-base Dockerfile', () => {
  const text = readFileSync(join(dir, 'Dockerfile'), 'utf8');
  const df = DockerfileParser.parse(text);
  const args = new Map(
    df.getInitialARGs().map((a) => [a.getProperty()?.getName(), a.getProperty()?.getValue()]),
  );

  it('starts from Python 3.6.15 on Debian bullseye and copies Node.js 24', () => {
    expect(args.get('PYTHON_IMAGE')).toMatch(/^python:3\.6\.15-slim-bullseye@sha256:[0-9a-f]{64}$/);
    expect(args.get('NODE_IMAGE')).toMatch(/^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/);
    expect(text).toMatch(/COPY --from=node \/usr\/local\/bin\/node \/usr\/local\/bin\/node/);
  });

  it('downloads everything under --require-hashes from the locks, builds the airflow sdist with pip 9.0.3', () => {
    expect(text).toMatch(/grep -E '\^\(pip\|setuptools\|wheel\)==' requirements\.lock > tools\.lock/);
    expect(text).toContain('python -m pip install --require-hashes --no-deps -r tools.lock');
    expect(text).toContain(
      'python -m pip wheel --require-hashes --no-build-isolation --wheel-dir /wheels -r deps.lock',
    );
    expect(text).toContain('python -m pip install --require-hashes --no-deps -r build-requirements.lock');
    expect(text).toMatch(/pip wheel --require-hashes --no-deps [^\n]*-r airflow\.lock/);
    expect(text.indexOf('-r tools.lock')).toBeLessThan(text.indexOf('-r build-requirements.lock'));
    // No pip call anywhere downloads without hashes.
    for (const line of text.split('\n').filter((l) => /pip (install|wheel|download)/.test(l))) {
      if (!line.includes('--no-index')) expect(line).toContain('--require-hashes');
    }
    expect(text).toMatch(/grep -q '\^# hashes: pending' requirements\.lock build-requirements\.lock/);
  });

  it('installs exactly constraints.txt in the final stage and fails the build when pip freeze differs', () => {
    const froms = df.getFROMs();
    const finalText = text
      .split('\n')
      .slice(froms[froms.length - 1]!.getRange().start.line)
      .join('\n');
    expect(finalText).toContain(
      'python -m pip install --no-index --find-links=/wheels -r /build/constraints.txt',
    );
    expect(finalText).toContain('python -m pip freeze --all > /tmp/closure.txt');
    expect(finalText).toContain('python /build/check-closure.py /build/constraints.txt < /tmp/closure.txt');
    expect(finalText.indexOf('python -m pip freeze --all')).toBeGreaterThan(
      finalText.indexOf('-r /build/constraints.txt'),
    );
  });

  it('turns the example DAGs off, runs as uid 65532, and installs from wheels without a compiler', () => {
    const froms = df.getFROMs();
    const finalStart = froms[froms.length - 1]!.getRange().start.line;
    const finalText = text.split('\n').slice(finalStart).join('\n');
    expect(finalText).toMatch(/AIRFLOW__CORE__LOAD_EXAMPLES=False/);
    expect(finalText).toMatch(/^USER 65532:65532$/m);
    expect(finalText).toMatch(/--mount=type=bind,from=wheels/);
    expect(finalText).not.toMatch(/build-essential|apt-get install/);
  });
});
