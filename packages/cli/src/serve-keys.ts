import { lstat, readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { EXIT_CODES } from '@data-pipeline/runner/exit-codes';
import { type RegisteredKey, registeredKeyOf } from '@data-pipeline/warehouse';

/** `dp warehouse serve`'s token-mode flags, as commander hands them over. */
export interface KeyFlags {
  /** --write-key FILE: write a new service-account key whose token_uri is this warehouse. */
  writeKey?: string;
  /** --key-file FILE, repeatable: trust an existing key's public key. */
  keyFile?: string[];
}

/** Token mode, when either flag is given: the keys to register and where to write a new one. */
export interface TokenMode {
  keys: RegisteredKey[];
  /** The key files the keys came from (absolute), for the start message. */
  keyFiles: string[];
  writeKey?: string;
}

export interface KeyFailure {
  message: string;
  exitCode: number;
}

const fail = (message: string): KeyFailure => ({ message, exitCode: EXIT_CODES.configuration });

/**
 * Checks the token-mode flags before anything starts: `--key-file`s are read and their public keys derived (an
 * unreadable or malformed key is a configuration error, 78, named without its content); `--write-key` must not name an
 * existing file (a key in use is never replaced). Undefined when neither flag is given (token mode off).
 */
export async function serveKeys(flags: KeyFlags, cwd: string): Promise<TokenMode | KeyFailure | undefined> {
  const files = flags.keyFile ?? [];
  if (files.length === 0 && flags.writeKey === undefined) return undefined;
  const keys: RegisteredKey[] = [];
  const keyFiles: string[] = [];
  for (const file of files) {
    const path = resolve(cwd, file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      return fail(`dp warehouse serve: cannot read --key-file ${clip(path)} (${codeOf(e)})`);
    }
    try {
      keys.push(registeredKeyOf(text));
    } catch (e) {
      return fail(`dp warehouse serve: --key-file ${clip(path)}: ${messageOf(e)}`);
    }
    keyFiles.push(path);
  }
  let writeKey: string | undefined;
  if (flags.writeKey !== undefined) {
    writeKey = resolve(cwd, flags.writeKey);
    const exists = await lstat(writeKey).then(
      () => true,
      () => false,
    );
    if (exists) {
      return fail(
        `dp warehouse serve: --write-key ${clip(writeKey)} already exists; a key is never overwritten (remove it or choose another path)`,
      );
    }
    const parent = await stat(dirname(writeKey)).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!parent)
      return fail(`dp warehouse serve: --write-key ${clip(writeKey)}: its directory does not exist`);
  }
  return { keys, keyFiles, ...(writeKey !== undefined ? { writeKey } : {}) };
}

export function isKeyFailure(k: TokenMode | KeyFailure | undefined): k is KeyFailure {
  return k !== undefined && 'exitCode' in k;
}

function codeOf(e: unknown): string {
  return (e as { code?: string }).code ?? messageOf(e);
}

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
}

function clip(s: string): string {
  return s.length > 120 ? `…${s.slice(-120)}` : s;
}
