import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

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

/** Characters that force JSON escaping (newline never occurs inside a line). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON must escape
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
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
  private readonly decoder = new StringDecoder('utf8');
  private carry = '';
  constructor(private readonly opts: EncoderOptions) {
    super({ readableHighWaterMark: 1 << 16, writableHighWaterMark: 1 << 16 });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const text = this.carry + this.decoder.write(chunk);
    const nl = text.lastIndexOf('\n');
    if (nl < 0) {
      if (text.length > MAX_LINE) {
        this.carry = '';
        cb(null, this.encode(text));
      } else {
        this.carry = text;
        cb();
      }
      return;
    }
    this.carry = text.slice(nl + 1);
    cb(null, this.encode(text.slice(0, nl)));
  }

  override _flush(cb: TransformCallback): void {
    const rest = this.carry + this.decoder.end();
    this.carry = '';
    cb(null, rest === '' ? undefined : this.encode(rest));
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
