import { chmod, lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { BigQueryError, invalid } from './errors.js';
import { localPathOf } from './load.js';

/**
 * Which local files load jobs may read: files under the directories the operator allowed (`--load-dir`, repeatable)
 * and under the warehouse's own upload spool (multipart uploads are written there, then loaded like a file:// URI).
 * Nothing else — not the data dir, not the rest of the host. Paths are compared after resolving `..` and symlinks.
 */
export class LoadAccess {
  private constructor(
    /** real paths of the allowed directories, the upload spool first */
    private readonly roots: readonly string[],
    /** the same directories as the operator wrote them (resolved, symlinks kept), for the lexical check */
    private readonly given: readonly string[],
    /** the private folder uploads are spooled to (mode 0700) */
    readonly uploadDir: string,
  ) {}

  /**
   * `loadDirs` must exist and be directories (a typo fails at start, not at the first load). The upload spool is
   * `<privateDir>/uploads`: the data dir, or an in-memory warehouse's private temp folder (see Warehouse.open).
   */
  static async create(loadDirs: readonly string[], privateDir: string): Promise<LoadAccess> {
    const roots: string[] = [];
    const given: string[] = [];
    for (const dir of loadDirs) {
      if (typeof dir !== 'string' || dir === '' || dir.includes('\0'))
        throw new Error('load dir must be a non-empty path');
      const real = await realpath(resolve(dir)).catch(() => undefined);
      const info = real ? await stat(real).catch(() => undefined) : undefined;
      if (!real || !info?.isDirectory()) throw new Error(`load dir ${dir} is not a directory`);
      roots.push(real);
      given.push(resolve(dir));
    }
    const uploadDir = join(privateDir, 'uploads');
    await mkdir(uploadDir, { recursive: true, mode: 0o700 });
    // the spool is an allowed root: a symlink planted there would open whatever it points to
    const info = await lstat(uploadDir);
    if (!info.isDirectory()) throw new Error(`${uploadDir} must be a directory, not a link or a file`);
    await chmod(uploadDir, 0o700);
    const realUpload = await realpath(uploadDir);
    return new LoadAccess([realUpload, ...roots], [resolve(uploadDir), ...given], realUpload);
  }

  /**
   * The real path of the file a load job's source URI names, if it lies under an allowed directory. Refusals are
   * `accessDenied` and name only the URI (never anything read from the file); a missing file under an allowed
   * directory is `notFound`. The lexical check comes first so that nothing about paths outside the allowed
   * directories (not even whether they exist) is revealed.
   */
  async check(uri: unknown): Promise<string> {
    const path = resolve(localPathOf(uri));
    const shown = String(uri).slice(0, 200);
    const denied = () =>
      new BigQueryError(
        'accessDenied',
        `Access Denied: URI ${shown}: load jobs may only read files under the directories the warehouse was started with (--load-dir)`,
      );
    if (![...this.roots, ...this.given].some((root) => isUnder(path, root))) throw denied();
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw new BigQueryError('notFound', `Not found: URI ${shown}`);
    }
    // a symlink (the file or a directory on the way) must not lead out of the allowed directories
    if (!this.roots.some((root) => isUnder(real, root))) throw denied();
    const info = await stat(real).catch(() => undefined);
    if (!info?.isFile()) throw invalid(`Not found: URI ${shown}`);
    return real;
  }
}

/** Is `path` (absolute, normalised) inside `root` (or root itself)? */
function isUnder(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !rel.startsWith(sep));
}
