import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * Google service-account keys, as the warehouse's token endpoint (oauth.ts) needs them: the public half of a key
 * that signs JWT-bearer grants, and new keys whose `token_uri` points at this warehouse (`dp warehouse serve
 * --write-key`). Private keys are only ever read to derive their public key, or written to the caller's file: never
 * kept, logged or put into an error message.
 */

/** A key the token endpoint trusts: the public key of a service account's private key. */
export interface RegisteredKey {
  /** `private_key_id`, which clients send as the JWT header's `kid`. */
  readonly keyId: string;
  /** `client_email`, which clients send as the JWT's `iss`. */
  readonly clientEmail: string;
  readonly publicKey: KeyObject;
}

/** The JSON key file Google (and `--write-key`) writes; what oauth2client and google-auth-library read. */
export interface ServiceAccountKeyFile {
  type: 'service_account';
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  auth_uri: string;
  token_uri: string;
}

const KEY_FILE = z.object({
  type: z.literal('service_account', { error: 'type must be "service_account"' }),
  private_key_id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, 'private_key_id must be 1-128 letters, digits, _ or -'),
  private_key: z.string().includes('PRIVATE KEY-----', { error: 'private_key must be a PEM private key' }),
  client_email: z.string().regex(/^[^\s@]{1,128}@[^\s@]{1,255}$/, 'client_email must be an email address'),
});

/**
 * The key to register for a service-account key file's JSON (parsed or text): its public key, derived from
 * `private_key` (RSA only: the grant is RS256). Throws one line naming what is wrong, never the key's content.
 */
export function registeredKeyOf(json: unknown): RegisteredKey {
  let value = json;
  if (typeof json === 'string' || Buffer.isBuffer(json)) {
    try {
      value = JSON.parse(json.toString());
    } catch {
      throw new Error('not a JSON service-account key');
    }
  }
  const parsed = KEY_FILE.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.');
    throw new Error(
      `not a service-account key: ${issue.code === 'invalid_type' ? `${field} is missing or not a string` : issue.message}`,
    );
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey(createPrivateKey(parsed.data.private_key));
  } catch {
    throw new Error('not a service-account key: private_key is not a readable PEM private key');
  }
  if (publicKey.asymmetricKeyType !== 'rsa')
    throw new Error('not a service-account key: private_key is not an RSA key');
  return { keyId: parsed.data.private_key_id, clientEmail: parsed.data.client_email, publicKey };
}

/**
 * A new service-account key (2048-bit RSA, PKCS#8 PEM) whose `token_uri` is `tokenUri`, and its registration.
 * `client_email` follows Google's form (`<name>@<project>.iam.gserviceaccount.com`).
 */
export function newServiceAccountKey(
  projectId: string,
  tokenUri: string,
): {
  file: ServiceAccountKeyFile;
  key: RegisteredKey;
} {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyId = randomBytes(20).toString('hex');
  const bare = projectId.includes(':') ? projectId.split(':')[1]! : projectId;
  const clientEmail = `warehouse-local@${bare}.iam.gserviceaccount.com`;
  // 21 digits, like Google's numeric client ids; derived from the key id so one key has one client id.
  const clientId = `1${BigInt(`0x${createHash('sha256').update(keyId).digest('hex').slice(0, 16)}`)
    .toString()
    .padStart(20, '0')
    .slice(0, 20)}`;
  return {
    file: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: keyId,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: clientEmail,
      client_id: clientId,
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: tokenUri,
    },
    key: { keyId, clientEmail, publicKey },
  };
}

/**
 * Writes a key file: mode 0600 from the start, and never over an existing file (`wx`: fails with EEXIST, so a key
 * somebody already uses is never replaced, and a symlink planted at the path is not followed).
 */
export async function writeServiceAccountKey(path: string, file: ServiceAccountKeyFile): Promise<void> {
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}
