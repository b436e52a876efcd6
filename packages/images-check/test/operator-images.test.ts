import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadImagesManifest } from '../src/index.js';

const repoRoot = resolve(import.meta.dirname, '../../..');
const read = (f: string) => readFileSync(join(repoRoot, f), 'utf8');
const dryRun = read('images/dry-run.sh');
/** `$`+`{PACKAGE}` without writing a template-looking literal. */
const v = (name: string) => `$${'{'}${name}}`;

describe.each(['images/operator/Dockerfile'])('%s', (file) => {
  const text = read(file);

  it('starts the bin from its start-up snapshot as PID 1 (exec-form ENTRYPOINT, no shell or init wrapper)', () => {
    expect(text).toMatch(
      /^ENTRYPOINT \["node", "--snapshot-blob", "\/app\/snapshot\/entrypoint\.blob", "--"\]$/m,
    );
    // Bundled in the build stage from the same bin, built into a blob by the final stage's own node.
    expect(text).toContain(
      `node packages/snapshot/bin/dp-snapshot.js "packages/${v('PACKAGE')}/bin/${v('BIN')}.js" --out /app/snapshot --name entrypoint --bundle-only`,
    );
    const final = text.slice(text.lastIndexOf('\nFROM '));
    expect(final).toContain(
      'RUN node --snapshot-blob /app/snapshot/entrypoint.blob --build-snapshot /app/snapshot/entrypoint.cjs',
    );
    expect(final.indexOf('--build-snapshot')).toBeLessThan(final.indexOf('\nUSER '));
    expect(text).toContain(`ln -s "../packages/${v('PACKAGE')}/bin/${v('BIN')}.js" /app/bin/entrypoint.js`);
    // The bin on PATH (a pod's `command`) execs the same snapshot start.
    expect(text).toContain(`COPY --chmod=0755 images/operator/snapshot-start.sh /app/bin/${v('BIN')}`);
    expect(read('images/operator/snapshot-start.sh')).toMatch(
      /^exec node --snapshot-blob "\$\{0%\/\*\}\/\.\.\/snapshot\/entrypoint\.blob" -- "\$@"$/m,
    );
    expect(text).toMatch(/^ENV NODE_ENV=production PATH=\/app\/bin:\$PATH$/m);
    expect(text).not.toMatch(/tini|dumb-init|ENTRYPOINT \["\/bin\/(ba)?sh"/);
  });

  it('builds with the workspace install and ships production dependencies only', () => {
    expect(text).toContain(
      `npm ci --no-audit --no-fund --ignore-scripts --workspace "packages/${v('PACKAGE')}" --workspace packages/snapshot --include-workspace-root`,
    );
    expect(text).toContain(`npx tsc -b "packages/${v('PACKAGE')}" packages/snapshot`);
    expect(text).toContain(`npm ci --no-audit --no-fund --omit=dev --workspace "packages/${v('PACKAGE')}"`);
    expect(text).toMatch(/^COPY --from=deps \/app\/node_modules \/app\/node_modules$/m);
    expect(text).toMatch(/^FROM \$\{BASE_IMAGE\}$/m);
  });

  it('is replayed step for step by images/dry-run.sh', () => {
    for (const step of [
      'npm ci --no-audit --no-fund --ignore-scripts --workspace "packages/$package" --workspace packages/snapshot --include-workspace-root',
      'npx tsc -b "packages/$package" packages/snapshot',
      'node packages/snapshot/bin/dp-snapshot.js "packages/$package/bin/$bin.js" --out "$work/snapshot" --name entrypoint --bundle-only',
      'node --snapshot-blob "$work/snapshot/entrypoint.blob" --build-snapshot "$work/snapshot/entrypoint.cjs"',
      'npm ci --no-audit --no-fund --omit=dev --workspace "packages/$package"',
      'ln -s "../packages/$package/bin/$bin.js" bin/entrypoint.js',
      'install -m 0755 "$root/images/operator/snapshot-start.sh" "bin/$bin"',
    ]) {
      expect(dryRun).toContain(step);
    }
  });
});

describe('one operator Dockerfile for both engines', () => {
  it('sets the default engine from the ENGINE build arg', () => {
    const text = read('images/operator/Dockerfile');
    expect(text).toMatch(/^ARG ENGINE=airflow$/m);
    expect(text).toContain(`ENV DP_ENGINE=${v('ENGINE')}`);
  });

  it('every operator image passes ENGINE = its engine, on the matching base', () => {
    const m = loadImagesManifest(repoRoot);
    const operators = m.images.filter((img) => img.package !== null);
    expect(operators.length).toBeGreaterThan(0);
    for (const img of operators) {
      expect({ name: img.name, dockerfile: img.dockerfile }).toEqual({
        name: img.name,
        dockerfile: 'images/operator/Dockerfile',
      });
      expect({ name: img.name, ENGINE: img.buildArgs.ENGINE }).toEqual({
        name: img.name,
        ENGINE: img.engine,
      });
      expect({ name: img.name, base: img.base }).toEqual({
        name: img.name,
        base: img.engine === 'native' ? 'node-base' : 'airflow-base',
      });
    }
  });
});
