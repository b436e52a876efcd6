import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectYamlFiles, DEFAULT_LINT_PATHS } from '@data-pipeline/lint';
import { findSharedDir } from '@data-pipeline/runner/testing';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { fixtures, repoRoot } from './helpers.js';

/**
 * Cross-check against the strict JSON schemas of the workspace (Argo v4.1.2 api/jsonschema + Kubernetes 1.36 OpenAPI,
 * additionalProperties: false), when they are present on this machine. They are never copied into the repo; dp lint
 * itself uses the npm models.
 */
const SCHEMAS =
  process.env.DP_REFERENCE_SCHEMAS ??
  join(findSharedDir(repoRoot, process.env) ?? join(repoRoot, '..', 'shared'), 'schemas');
const present = existsSync(join(SCHEMAS, 'index.json'));

interface Route {
  apiVersion: string;
  kind: string;
  ref: string;
}

function referenceValidator(): (doc: Record<string, unknown>) => ValidateFunction | undefined {
  const index = JSON.parse(readFileSync(join(SCHEMAS, 'index.json'), 'utf8')) as {
    schemas: Record<string, unknown>;
    routes: Route[];
  };
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  for (const file of Object.keys(index.schemas))
    ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')));
  return (doc) => {
    const route = index.routes.find((r) => r.apiVersion === doc.apiVersion && r.kind === doc.kind);
    return route ? ajv.getSchema(route.ref) : undefined;
  };
}

const docsOf = (file: string) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map(
    (d) => d.toJS({ maxAliasCount: 1000 }) as Record<string, unknown>,
  );

describe.skipIf(!present)(`reference strict schemas (${SCHEMAS})`, () => {
  const validatorFor = present ? referenceValidator() : () => undefined;

  it('accept every document of workflows/, cronjobs/ and deploy/ (the same verdict as dp lint)', () => {
    const files = collectYamlFiles([...DEFAULT_LINT_PATHS], repoRoot);
    let checked = 0;
    for (const file of files) {
      for (const doc of docsOf(file)) {
        const validate = validatorFor(doc);
        expect(validate, `${file}: no reference schema for ${String(doc.kind)}`).toBeDefined();
        const ok = validate?.(doc);
        expect(ok, `${file} ${String(doc.kind)}: ${JSON.stringify(validate?.errors?.slice(0, 3))}`).toBe(
          true,
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });

  it('accept the good fixtures and reject the schema-level bad ones, like dp lint', () => {
    for (const name of readdirSync(join(fixtures, 'good'))) {
      for (const doc of docsOf(join(fixtures, 'good', name)))
        expect(validatorFor(doc)?.(doc), name).toBe(true);
    }
    for (const name of ['unknown-field.yaml', 'schema-type.yaml', 'cronworkflow-singular-schedule.yaml']) {
      const [doc] = docsOf(join(fixtures, 'bad', name));
      expect(validatorFor(doc as Record<string, unknown>)?.(doc), name).toBe(false);
    }
  });
});
