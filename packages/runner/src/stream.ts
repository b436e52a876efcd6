import { isAscii } from 'node:buffer';
import { Transform, type TransformCallback } from 'node:stream';

/** Replaces known secret strings with `***`. Applied to every child line and every message before output. */
export class Redactor {
  private readonly secrets: readonly string[];
  constructor(secrets: readonly string[]) {
    // Longest first so a secret containing another is removed whole.
    this.secrets = [...new Set(secrets.filter((s) => s.length >= 3))].sort((a, b) => b.length - a.length);
  }
  apply(text: string): string {
    let out = text;
    for (const s of this.secrets) if (out.includes(s)) out = out.replaceAll(s, '***');
    return out;
  }
}

/** Characters that force JSON escaping, except `\n`, which separates the lines of a block (never inside one). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON must escape
const NEEDS_ESCAPE = /["\\\u0000-\u0009\u000b-\u001f]/;
/** Longest line kept whole; longer runs without a newline are cut so memory stays bounded. */
const MAX_LINE = 1 << 20;

export interface EncoderOptions {
  /** Pre-serialised JSON members added to every record, e.g. `"src":"airflow","stream":"stdout"`. */
  readonly fields: string;
  /** Label used by the pretty format, e.g. `airflow` or `task my_task`. */
  readonly label: string;
  readonly pretty: boolean;
  readonly redactor: Redactor;
  /** Sees every block of complete (redacted) lines, joined by `\n`; used for classification without re-buffering. */
  readonly onBlock?: (block: string) => void;
}

function clock(t: number): string {
  return new Date(t).toISOString().slice(11, 23);
}

/**
 * Child output → one log record per line, streamed: bytes in, encoded records out, memory bounded by the chunk size.
 * JSON records use pino's shape (`level`, `time`, `msg`) so the runner's own pino logs and Airflow's lines form one
 * stream. The hot path encodes a whole chunk with one `replaceAll` when it needs no escaping.
 */
export class LineEncoder extends Transform {
  /** Bytes after the last newline seen (a partial line). Splitting on byte 0x0A never cuts a UTF-8 character. */
  private carry: Buffer = Buffer.alloc(0);
  /** The record prefix is ASCII too, so an ASCII block's record can be written as latin1. */
  private readonly asciiFields: boolean;
  constructor(private readonly opts: EncoderOptions) {
    super({ readableHighWaterMark: 1 << 16, writableHighWaterMark: 1 << 16 });
    this.asciiFields = isAscii(Buffer.from(opts.fields + opts.label));
  }

  override _transform(chunk: Buffer | string, _enc: BufferEncoding, cb: TransformCallback): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const buf = this.carry.length === 0 ? bytes : Buffer.concat([this.carry, bytes]);
    const nl = buf.lastIndexOf(10);
    if (nl < 0) {
      if (buf.length > MAX_LINE) {
        this.carry = Buffer.alloc(0);
        cb(null, this.encodeBytes(buf));
      } else {
        this.carry = Buffer.from(buf); // a copy: do not pin the child's chunk
        cb();
      }
      return;
    }
    this.carry = nl + 1 < buf.length ? Buffer.from(buf.subarray(nl + 1)) : Buffer.alloc(0);
    cb(null, this.encodeBytes(buf.subarray(0, nl)));
  }

  override _flush(cb: TransformCallback): void {
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    cb(null, rest.length === 0 ? undefined : this.encodeBytes(rest));
  }

  /**
   * Complete lines as bytes → encoded records. Pure-ASCII blocks (the usual case) skip UTF-8 decoding and
   * re-encoding: latin1 is a byte-for-byte view of ASCII.
   */
  private encodeBytes(bytes: Buffer): string | Buffer {
    if (this.asciiFields && isAscii(bytes))
      return Buffer.from(this.encode(bytes.toString('latin1')), 'latin1');
    return this.encode(bytes.toString('utf8'));
  }

  /** Encodes a block of complete lines (without the final newline). */
  encode(rawBlock: string): string {
    let block = this.opts.redactor.apply(rawBlock);
    if (block.includes('\r')) block = block.replace(/\r+(?=\n|$)/g, '');
    this.opts.onBlock?.(block);
    const t = Date.now();
    if (this.opts.pretty) {
      const prefix = `${clock(t)} ${this.opts.label} | `;
      return `${prefix}${block.replaceAll('\n', `\n${prefix}`)}\n`;
    }
    const prefix = `{"level":30,"time":${t},${this.opts.fields},"msg":"`;
    if (!NEEDS_ESCAPE.test(block)) return `${prefix}${block.replaceAll('\n', `"}\n${prefix}`)}"}\n`;
    const head = prefix.slice(0, -1);
    let out = '';
    for (const line of block.split('\n')) {
      out += NEEDS_ESCAPE.test(line) ? `${head}${JSON.stringify(line)}}\n` : `${prefix}${line}"}\n`;
    }
    return out;
  }
}

/** Keeps what classification needs from a stream without keeping the stream: a tail and the lines that matter. */
export class OutputWatcher {
  private recent: string[] = [];
  private recentChars = 0;
  readonly notable: string[] = [];
  /**
   * @param notablePattern lines to keep wherever they occur
   * @param prefilter a cheap superset of notablePattern, tested on whole blocks first
   */
  constructor(
    private readonly notablePattern: RegExp,
    private readonly prefilter: RegExp = notablePattern,
    private readonly tailChars = 64 * 1024,
    private readonly maxNotable = 200,
  ) {}

  readonly feed = (block: string): void => {
    this.recent.push(block);
    this.recentChars += block.length;
    while (this.recentChars > this.tailChars && this.recent.length > 1) {
      this.recentChars -= (this.recent.shift() as string).length;
    }
    if (this.notable.length < this.maxNotable && this.prefilter.test(block)) {
      for (const line of block.split('\n')) {
        if (this.notablePattern.test(line)) {
          this.notable.push(line);
          if (this.notable.length >= this.maxNotable) break;
        }
      }
    }
  };

  /** The last lines seen (at most ~tailChars characters). */
  tail(): string[] {
    const lines = this.recent.join('\n').split('\n');
    let chars = 0;
    let i = lines.length;
    while (i > 0 && chars < this.tailChars) chars += (lines[--i] as string).length + 1;
    return lines.slice(i);
  }
}
