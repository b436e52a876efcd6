/** Kubernetes/Argo-safe names for Airflow ids (which may hold `_` and `.`): lower-case letters, digits and `-`. */
export function argoName(id: string, maxLength = 63): string {
  const name = id
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
  return name === '' ? 'x' : /^[0-9]/.test(name) ? `t${name}`.slice(0, maxLength) : name;
}

/** One distinct Argo name per Airflow task id (ids that collide after mapping get `-2`, `-3`…), in input order. */
export function uniqueNames(ids: readonly string[]): Map<string, string> {
  const used = new Set<string>();
  const out = new Map<string, string>();
  for (const id of ids) {
    const base = argoName(id, 60);
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
    used.add(name);
    out.set(id, name);
  }
  return out;
}
