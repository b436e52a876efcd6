/**
 * The Python closure of images/airflow-base, checked offline: what each pinned release declares in its
 * `install_requires` (Python 3.6 markers applied), and whether constraints.txt pins exactly that closure — every
 * dependency pinned, every pin inside every range that names it, every pin needed by something.
 */

/** PEP 503 name normalization. */
export const normalizePyName = (name: string) => name.toLowerCase().replace(/[-_.]+/g, '-');

/**
 * `install_requires` of each release pinned in constraints.txt, at exactly that version, on Python 3.6 (markers for
 * Python 2 only dropped), as read from the releases' setup.py. apache-airflow lists its install_requires and the
 * gcp_api extra. A pin without an entry here is a finding: adding a pin means writing down what it pulls in.
 */
export const DECLARED_REQUIRES: Readonly<Record<string, readonly string[]>> = {
  'apache-airflow': [
    'alembic>=0.8.3,<0.9',
    'croniter>=0.3.8,<0.4',
    'dill>=0.2.2,<0.3',
    'flask>=0.11,<0.12',
    'flask-admin==1.4.1',
    'flask-cache>=0.13.1,<0.14',
    'flask-login==0.2.11',
    'flask-swagger==0.2.13',
    'flask-wtf==0.14',
    'funcsigs==1.0.0',
    'future>=0.15.0,<0.16',
    'gitpython>=2.0.2',
    'gunicorn>=19.3.0,<19.4.0',
    'jinja2>=2.7.3,<2.9.0',
    'lxml>=3.6.0,<4.0',
    'markdown>=2.5.2,<3.0',
    'pandas>=0.17.1,<1.0.0',
    'psutil>=4.2.0,<5.0.0',
    'pygments>=2.0.1,<3.0',
    'python-daemon>=2.1.1,<2.2',
    'python-dateutil>=2.3,<3',
    'python-nvd3==0.14.2',
    'requests>=2.5.1,<3',
    'setproctitle>=1.1.8,<2',
    'sqlalchemy>=0.9.8',
    'tabulate>=0.7.5,<0.8.0',
    'thrift>=0.9.2,<0.10',
    'zope.deprecation>=4.0,<5.0',
    // gcp_api extra
    'httplib2',
    'google-api-python-client>=1.5.0,<1.6.0',
    'oauth2client>=2.0.2,<2.1.0',
    'pyopenssl',
    'pandas-gbq',
  ],
  alembic: ['sqlalchemy>=0.7.6', 'mako', 'python-editor>=0.3'],
  croniter: ['python-dateutil'],
  cryptography: ['six>=1.4.1', 'cffi>=1.12'],
  cffi: ['pycparser'],
  flask: ['werkzeug>=0.7', 'jinja2>=2.4', 'itsdangerous>=0.21', 'click>=2.0'],
  'flask-admin': ['flask>=0.7', 'wtforms'],
  'flask-cache': ['flask'],
  'flask-login': ['flask'],
  'flask-swagger': ['flask>=0.10', 'pyyaml>=3.0'],
  'flask-wtf': ['flask', 'wtforms'],
  gitdb2: ['smmap2>=2.0.0'],
  gitpython: ['gitdb2>=2.0.0'],
  'google-api-python-client': [
    'httplib2>=0.8,<1',
    'oauth2client>=1.5.0,<5.0.0',
    'six>=1.6.1,<2',
    'uritemplate>=3.0.0,<4',
  ],
  httplib2: ['pyparsing>=2.4.2,<3'],
  jinja2: ['markupsafe'],
  mako: ['markupsafe>=0.9.2'],
  oauth2client: ['httplib2>=0.9.1', 'pyasn1>=0.1.7', 'pyasn1-modules>=0.0.5', 'rsa>=3.1.4', 'six>=1.6.1'],
  pandas: ['python-dateutil>=2', 'pytz>=2011', 'numpy>=1.9.0'],
  'pandas-gbq': ['pandas', 'httplib2', 'google-api-python-client', 'oauth2client'],
  'pyasn1-modules': ['pyasn1>=0.4.7,<0.6.0'],
  pyopenssl: ['cryptography>=2.8', 'six>=1.5.2'],
  'python-daemon': ['setuptools', 'docutils', 'lockfile>=0.10'],
  'python-dateutil': ['six>=1.5'],
  'python-nvd3': ['python-slugify>=1.2.5', 'jinja2>=2.8'],
  'python-slugify': ['text-unidecode>=1.3'],
  requests: ['urllib3>=1.21.1,<1.27', 'certifi>=2017.4.17', 'charset-normalizer~=2.0.0', 'idna>=2.5,<4'],
  rsa: ['pyasn1>=0.1.3'],
  'zope-deprecation': ['setuptools'],
  ...Object.fromEntries(
    [
      'certifi',
      'charset-normalizer',
      'click',
      'dill',
      'docutils',
      'funcsigs',
      'future',
      'gunicorn',
      'idna',
      'itsdangerous',
      'lockfile',
      'lxml',
      'markdown',
      'markupsafe',
      'numpy',
      'psutil',
      'pyasn1',
      'pycparser',
      'pygments',
      'pyparsing',
      'python-editor',
      'pytz',
      'pyyaml',
      'setproctitle',
      'six',
      'smmap2',
      'sqlalchemy',
      'tabulate',
      'text-unidecode',
      'thrift',
      'uritemplate',
      'urllib3',
      'werkzeug',
      'wtforms',
      'pip',
      'setuptools',
      'wheel',
    ].map((n) => [n, [] as string[]]),
  ),
};

/** What the image installs on purpose; everything else must be required, directly or not, by one of these. */
export const CLOSURE_ROOTS: readonly string[] = ['apache-airflow', 'pip', 'setuptools', 'wheel'];

type Version = number[];
const parseVersion = (v: string): Version => v.split('.').map((part) => Number.parseInt(part, 10) || 0); // `2011k` → 2011, `1dev` → 1

const cmp = (a: Version, b: Version) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

/** Does `version` satisfy one specifier (`>=1.2`, `<2`, `==0.14`, `~=2.0.0`, `!=1.1`)? Release versions only. */
export function satisfiesSpec(version: string, spec: string): boolean {
  const m = spec.match(/^(~=|==|!=|>=|<=|<|>)\s*([0-9][0-9A-Za-z.]*)$/);
  if (!m) throw new Error(`unsupported version specifier: ${spec}`);
  const [op, target] = [m[1]!, m[2]!];
  const v = parseVersion(version);
  const t = parseVersion(target);
  switch (op) {
    case '>=':
      return cmp(v, t) >= 0;
    case '>':
      return cmp(v, t) > 0;
    case '<=':
      return cmp(v, t) <= 0;
    case '<':
      return cmp(v, t) < 0;
    case '==':
      return cmp(v, t) === 0;
    case '!=':
      return cmp(v, t) !== 0;
    default: {
      // ~=X.Y.Z: >= X.Y.Z and == X.Y.*
      const prefix = t.slice(0, -1);
      return cmp(v, t) >= 0 && prefix.every((p, i) => (v[i] ?? 0) === p);
    }
  }
}

/** `name>=1,<2` → name (normalized) and its specifiers. */
export function parseRequirement(req: string): { name: string; specs: string[] } {
  const m = req.match(/^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*)$/);
  if (!m) throw new Error(`unparsable requirement: ${req}`);
  const specs = m[2]!.trim() === '' ? [] : m[2]!.split(',').map((s) => s.trim());
  return { name: normalizePyName(m[1]!), specs };
}

/** name (normalized) → version, from `name==version` lines (comments and blank lines skipped). */
export function parsePins(text: string): Map<string, string> {
  const pins = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) continue;
    const m = line.match(/^([A-Za-z0-9][A-Za-z0-9._-]*)==([0-9][0-9A-Za-z.]*)$/);
    if (!m) throw new Error(`not an exact pin: ${line}`);
    pins.set(normalizePyName(m[1]!), m[2]!);
  }
  return pins;
}

/**
 * One finding per problem: a pin whose requirements are not written down, a requirement nothing pins, a pin outside
 * a range that names it, a pin nothing needs (unreachable from CLOSURE_ROOTS).
 */
export function checkPythonClosure(
  pins: ReadonlyMap<string, string>,
  declared: Readonly<Record<string, readonly string[]>> = DECLARED_REQUIRES,
  roots: readonly string[] = CLOSURE_ROOTS,
): string[] {
  const findings: string[] = [];
  for (const [name, version] of pins) {
    const reqs = declared[name];
    if (!reqs) {
      findings.push(`${name}==${version}: its install_requires are not written down (DECLARED_REQUIRES)`);
      continue;
    }
    for (const req of reqs) {
      const dep = parseRequirement(req);
      const pinned = pins.get(dep.name);
      if (pinned === undefined) {
        findings.push(`${name}==${version} requires ${req}, which constraints.txt does not pin`);
        continue;
      }
      for (const spec of dep.specs) {
        if (!satisfiesSpec(pinned, spec)) {
          findings.push(`${name}==${version} requires ${req}, but ${dep.name} is pinned at ${pinned}`);
        }
      }
    }
  }
  const reached = new Set<string>();
  const queue = roots.filter((r) => pins.has(r));
  for (const r of roots) if (!pins.has(r)) findings.push(`the root ${r} is not pinned`);
  while (queue.length > 0) {
    const name = queue.shift()!;
    if (reached.has(name)) continue;
    reached.add(name);
    for (const req of declared[name] ?? []) queue.push(parseRequirement(req).name);
  }
  for (const [name, version] of pins) {
    if (!reached.has(name))
      findings.push(`${name}==${version} is pinned but nothing in the closure requires it`);
  }
  return findings;
}
