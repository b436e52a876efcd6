/**
 * Creating a data directory without Node's recursive mkdir: libuv's recursive mkdir loops forever where mkdir answers
 * ENOENT although the parent exists (procfs: `/proc/self/nope`), so each missing component is created here one at a
 * time, after the nearest existing ancestor was checked (a directory, writable, not a kernel pseudo filesystem).
 */
import { constants, type Stats } from 'node:fs';
import { access, mkdir, stat, statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** The data directory cannot be used (a file, not writable, a pseudo filesystem...): the operator's setup. */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
}

/** statfs `type` of the kernel's pseudo filesystems: nothing a warehouse may live in (Linux magic numbers). */
const PSEUDO_FILESYSTEMS = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x6165676c, 'pstore'],
  [0xcafe4a11, 'bpf'],
]);

/** stat, or undefined where nothing exists; `where` (flag and path) prefixes the one-line errors. */
async function statOrUndefined(path: string, where: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new DataDirError(`${where}: a component of the path is a file`);
    if (code === 'EACCES') throw new DataDirError(`${where}: permission denied on the way to it`);
    throw new DataDirError(`${where}: cannot inspect ${path} (${code ?? (e as Error).message})`);
  }
}

/** Refuses a path inside a kernel pseudo filesystem (where `path` is an existing directory). */
async function refusePseudo(dir: string, where: string): Promise<void> {
  const type = (await statfs(dir).catch(() => undefined))?.type;
  const name = type === undefined ? undefined : PSEUDO_FILESYSTEMS.get(type);
  if (name) throw new DataDirError(`${where}: ${dir} is on ${name}, a kernel pseudo filesystem, not storage`);
}

/**
 * Makes sure `dir` is a usable data directory and creates what is missing (unless `create` is false: then only the
 * checks); throws {@link DataDirError} with one line naming the problem otherwise. `flag` names the option in
 * messages (`--data-dir`).
 */
export async function ensureDataDir(
  dir: string,
  flag = '--data-dir',
  { create = true }: { create?: boolean } = {},
): Promise<string> {
  const path = resolve(dir);
  const where = `${flag} ${path}`;
  const missing: string[] = [];
  let existing = path;
  let st = await statOrUndefined(existing, where);
  while (!st) {
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) throw new DataDirError(`${where}: no part of the path exists`);
    existing = parent;
    st = await statOrUndefined(existing, where);
  }
  if (!st.isDirectory()) {
    throw new DataDirError(
      existing === path
        ? `${where} is a file, not a directory`
        : `${where}: ${existing} is a file, not a directory`,
    );
  }
  await refusePseudo(existing, where);
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch {
    // A data dir that exists but is read-only is refused as well: DuckDB must create its file and WAL in it.
    throw new DataDirError(`${where}: ${existing} is not writable`);
  }
  for (const component of create ? missing : []) {
    try {
      await mkdir(component); // one level; never recursive (see the module comment)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await statOrUndefined(component, where))?.isDirectory()) continue; // a racer made it
      throw new DataDirError(`${where}: cannot create ${component} (${code ?? (e as Error).message})`);
    }
  }
  return path;
}
