// What `npm ci` warns about, checked from the lock file (no network): every installed package's `engines.node` admits
// the Node floor the README promises, except the known ones listed below (each with its reason, also in the README),
// and every package with an install script has an explicit decision in the root package.json's `allowScripts`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const floor = /^## Two commands on a fresh machine \(Node >= (\d+\.\d+)\)$/m.exec(readme)?.[1];

// Declared `node >=22` upstream (every published version), yet they use no API newer than Node 20.19 and CI runs the
// whole suite on Node 20: npm prints EBADENGINE for them on Node 20 only. README.md "Node versions" says the same.
const DECLARE_22_BUT_RUN_ON_20 = [
  '@kubernetes-models/apimachinery',
  '@kubernetes-models/argo-workflows',
  '@kubernetes-models/base',
  '@kubernetes-models/validate',
  'kubernetes-models',
  '@polyglot-sql/sdk',
];

const installed = Object.entries(lock.packages)
  .filter(([path, p]) => path.includes('node_modules/') && !p.link)
  .map(([path, p]) => ({ name: path.slice(path.lastIndexOf('node_modules/') + 13), path, ...p }));

describe('install hygiene', () => {
  it('promises one Node floor in the README, the root and every workspace package', () => {
    expect(floor).toMatch(/^\d+\.\d+$/);
    expect(rootPkg.engines.node).toBe(`>=${floor}`);
    for (const dir of readdirSync(join(root, 'packages'))) {
      const pkg = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
      expect([dir, pkg.engines?.node]).toEqual([dir, `>=${floor}`]);
    }
  });

  it("admits the floor in every locked package's engines.node, except the listed ones (and those still need it)", () => {
    const below = installed
      .filter((p) => typeof p.engines?.node === 'string')
      .filter((p) => !semver.satisfies(`${floor}.0`, p.engines.node))
      .map((p) => p.name);
    expect([...new Set(below)].sort()).toEqual([...DECLARE_22_BUT_RUN_ON_20].sort());
    for (const name of DECLARE_22_BUT_RUN_ON_20) expect(readme).toContain(`\`${name}\``);
  });

  it('decides in allowScripts for every package with an install script (npm 11 warns about undecided ones)', () => {
    const withScripts = installed.filter((p) => p.hasInstallScript).map((p) => p.name);
    expect(withScripts.length).toBeGreaterThan(0);
    const decided = Object.keys(rootPkg.allowScripts ?? {}).map((k) => k.replace(/(.)@.*$/, '$1'));
    for (const name of withScripts) expect(decided).toContain(name);
  });
});
