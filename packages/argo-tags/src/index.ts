/**
 * Argo Workflows v4.1.2's semantics, in one place: the `{{…}}` tag grammar, `depends`, a DAG's task rules and cycle
 * detection, which variables resolve where, YAML as go-yaml reads it, and the repository root. `dp lint`
 * (@data-pipeline/lint) checks with it, `dp run` (@data-pipeline/local) validates and runs with it.
 */
export * from './dag.js';
export * from './depends.js';
export * from './refs.js';
export * from './repo.js';
export * from './scope.js';
export * from './tags.js';
export * from './variables.js';
export * from './yaml.js';
