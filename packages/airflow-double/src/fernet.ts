import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Fernet (the `cryptography` package's token format) so connection passwords and extras are encrypted at rest in the
 * double's DB exactly when 1.8.2 would encrypt them: with a valid 32-byte urlsafe-base64 `core.fernet_key`.
 */
export class Fernet {
  private constructor(
    private readonly signingKey: Buffer,
    private readonly encryptionKey: Buffer,
  ) {}

  /** undefined when the key is not a valid Fernet key (1.8.2 then silently stores plain text). */
  static fromKey(key: string): Fernet | undefined {
    if (!/^[A-Za-z0-9_-]{43}=$/.test(key.trim())) return undefined;
    const raw = Buffer.from(key.trim(), 'base64url');
    if (raw.length !== 32) return undefined;
    return new Fernet(raw.subarray(0, 16), raw.subarray(16));
  }

  encrypt(plain: string, now = Date.now()): string {
    const iv = randomBytes(16);
    const cipher = createCipheriv('aes-128-cbc', this.encryptionKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(Math.floor(now / 1000)));
    const signed = Buffer.concat([Buffer.from([0x80]), ts, iv, body]);
    const mac = createHmac('sha256', this.signingKey).update(signed).digest();
    return Buffer.concat([signed, mac]).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
  }

  decrypt(token: string): string {
    const raw = Buffer.from(token, 'base64url');
    if (raw.length < 1 + 8 + 16 + 16 + 32 || raw[0] !== 0x80) throw new Error('InvalidToken');
    const signed = raw.subarray(0, raw.length - 32);
    const mac = createHmac('sha256', this.signingKey).update(signed).digest();
    if (!timingSafeEqual(mac, raw.subarray(raw.length - 32))) throw new Error('InvalidToken');
    const decipher = createDecipheriv('aes-128-cbc', this.encryptionKey, signed.subarray(9, 25));
    return Buffer.concat([decipher.update(signed.subarray(25)), decipher.final()]).toString('utf8');
  }
}
