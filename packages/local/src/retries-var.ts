import type { Container } from './spec.js';

const RETRIES_TAG = /\{\{\s*retries\s*\}\}/g;

/**
 * `{{retries}}` in a container template with a retryStrategy: the attempt's retry count (0 for the first attempt), as
 * Argo's controller substitutes it per attempt (argo-workflows v4.1.2 workflow/controller/operator.go: `localParams[varkeys.Retries.Template()] = strconv.Itoa(retryNum)`). It is
 * not an Argo variable root, so the template's own substitution left it untouched for this pass.
 */
export function withRetries(container: Container, retries: number): Container {
  const walk = (v: unknown): unknown =>
    typeof v === 'string'
      ? v.replace(RETRIES_TAG, String(retries))
      : Array.isArray(v)
        ? v.map(walk)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]))
          : v;
  return walk(container) as Container;
}
