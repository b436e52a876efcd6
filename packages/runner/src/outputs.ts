import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const OUTPUT_NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Writes Argo output parameter files: each file is written to a temporary name and renamed, so a reader never sees a
 * half-written value. Unknown names are rejected (they would escape the directory).
 */
export async function writeOutputs(dir: string, files: Readonly<Record<string, string>>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, value] of Object.entries(files)) {
    if (!OUTPUT_NAME_RE.test(name)) throw new Error(`invalid output name ${JSON.stringify(name)}`);
    const tmp = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, value);
      await rename(tmp, join(dir, name));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }
}
