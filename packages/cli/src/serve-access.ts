import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { EXIT_CODES } from '@data-pipeline/runner/exit-codes';
import { checkOrigin, checkToken, isLoopbackAddress } from '@data-pipeline/warehouse/guard';

/** The environment variable an exposed `dp warehouse serve` reads its access token from (never argv). */
export const TOKEN_ENV = 'DP_WAREHOUSE_TOKEN';

/** `dp warehouse serve`'s access flags, as commander hands them over. */
export interface AccessFlags {
  allowOrigin?: string[];
  expose?: boolean;
  tokenFile?: string;
}

/** What startWarehouse needs from them, plus how to tell the operator where the token came from. */
export interface Access {
  allowOrigins: string[];
  exposed: boolean;
  token?: string;
  /** Where a given token came from (no source: generated at start, so printed once). */
  tokenSource?: string;
}

export interface AccessFailure {
  message: string;
  exitCode: number;
}

const fail = (message: string, exitCode: number): AccessFailure => ({ message, exitCode });

/**
 * Validates the access flags against `--host`: a non-loopback host needs --expose (usage error, exit 64, otherwise);
 * an exposed server takes its token from --token-file or $DP_WAREHOUSE_TOKEN, or generates one when it starts.
 * Unreadable or malformed token files are configuration errors (78).
 */
export async function serveAccess(
  flags: AccessFlags,
  host: string,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): Promise<Access | AccessFailure> {
  const allowOrigins: string[] = [];
  for (const origin of flags.allowOrigin ?? []) {
    try {
      allowOrigins.push(checkOrigin(origin));
    } catch (e) {
      return fail(`dp warehouse serve: --allow-origin ${messageOf(e)}`, EXIT_CODES.usage);
    }
  }
  const exposed = flags.expose === true;
  if (!exposed && !isLoopbackAddress(host)) {
    return fail(
      `dp warehouse serve: --host ${clip(host)} is not a loopback address; add --expose to serve other machines (every request then needs the access token)`,
      EXIT_CODES.usage,
    );
  }
  if (!exposed) {
    if (flags.tokenFile !== undefined)
      return fail('dp warehouse serve: --token-file needs --expose', EXIT_CODES.usage);
    return { allowOrigins, exposed };
  }
  let token: string | undefined;
  let tokenSource: string | undefined;
  if (flags.tokenFile !== undefined) {
    const path = resolve(cwd, flags.tokenFile);
    try {
      token = (await readFile(path, 'utf8')).trim();
    } catch (e) {
      const code = (e as { code?: string }).code ?? messageOf(e);
      return fail(
        `dp warehouse serve: cannot read --token-file ${clip(path)} (${code})`,
        EXIT_CODES.configuration,
      );
    }
    tokenSource = `--token-file ${path}`;
  } else if (env[TOKEN_ENV] !== undefined && env[TOKEN_ENV] !== '') {
    token = env[TOKEN_ENV]!.trim();
    tokenSource = `$${TOKEN_ENV}`;
  }
  if (token !== undefined) {
    try {
      checkToken(token);
    } catch (e) {
      return fail(`dp warehouse serve: ${tokenSource}: ${messageOf(e)}`, EXIT_CODES.configuration);
    }
  }
  return {
    allowOrigins,
    exposed,
    ...(token !== undefined ? { token } : {}),
    ...(tokenSource ? { tokenSource } : {}),
  };
}

export function isAccessFailure(a: Access | AccessFailure): a is AccessFailure {
  return 'exitCode' in a;
}

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
