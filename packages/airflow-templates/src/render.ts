import nunjucks from 'nunjucks';
import { PyTypeError, PyValueError, pyTypeName } from './pydatetime.js';
import {
  PyIndexError,
  PyKeyError,
  PyZeroDivisionError,
  pyBinOp,
  pyConcat,
  pyIndex,
  pySlice,
  pyStr,
  pyTuple,
  StrictObject,
  UndefinedLookup,
  UnsupportedError,
} from './pyops.js';
import { SLICE_FN, withPythonSyntax } from './syntax.js';

/**
 * What went wrong, after Python's exception classes: `syntax` (TemplateSyntaxError), `undefined` (UndefinedError),
 * `value` (ValueError), `type` (TypeError), `key` (KeyError: a Variable), `arithmetic` (ZeroDivisionError), `index`
 * (IndexError), and
 * `unsupported`: the template is valid for Airflow but the native engine cannot reproduce what it would render.
 */
export type TemplateErrorKind =
  | 'syntax'
  | 'undefined'
  | 'value'
  | 'type'
  | 'key'
  | 'arithmetic'
  | 'index'
  | 'unsupported';

/** A template that cannot be rendered. `message` is one line (no stack, no template path). */
export class TemplateRenderError extends Error {
  constructor(
    readonly kind: TemplateErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'TemplateRenderError';
  }
}

/** Jinja2's UndefinedError, thrown from inside a render. */
class UndefinedError extends Error {
  override name = 'UndefinedError';
}

/**
 * Python `str` methods callable from templates (`{{ ds.replace('-', '') }}` replaces ALL occurrences in Python;
 * JavaScript's `replace` would replace only the first).
 */
const PY_STR_METHODS: Record<string, (s: string, ...a: unknown[]) => unknown> = {
  replace: (s, a, b, count) =>
    typeof count === 'number' && count >= 0
      ? s
          .split(String(a))
          .reduce((acc, part, i) => (i === 0 ? part : acc + (i <= count ? String(b) : String(a)) + part), '')
      : s.split(String(a)).join(String(b)),
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  strip: (s, chars) =>
    chars === undefined || chars === null ? s.trim() : stripChars(s, String(chars), true, true),
  lstrip: (s, chars) =>
    chars === undefined || chars === null ? s.trimStart() : stripChars(s, String(chars), true, false),
  rstrip: (s, chars) =>
    chars === undefined || chars === null ? s.trimEnd() : stripChars(s, String(chars), false, true),
  startswith: (s, p) => s.startsWith(String(p)),
  endswith: (s, p) => s.endsWith(String(p)),
  split: (s, sep, maxsplit) => {
    const parts =
      sep === undefined || sep === null ? s.trim().split(/\s+/).filter(Boolean) : s.split(String(sep));
    if (typeof maxsplit !== 'number' || maxsplit < 0 || parts.length <= maxsplit + 1) return parts;
    if (sep === undefined || sep === null) {
      throw new UnsupportedError('str.split() with a maxsplit and no separator');
    }
    return [...parts.slice(0, maxsplit), parts.slice(maxsplit).join(String(sep))];
  },
  format: (s, ...args) => pyStrFormat(s, args),
  join: (s, items) => {
    if (!Array.isArray(items)) throw new UnsupportedError('str.join() of something other than a list');
    items.forEach((x, i) => {
      if (typeof x !== 'string') {
        throw new PyTypeError(`sequence item ${i}: expected str instance, ${pyTypeName(x)} found`);
      }
    });
    return items.join(s);
  },
  capitalize: (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1).toLowerCase() : s),
  find: (s, sub) => s.indexOf(String(sub)),
  count: (s, sub) => (String(sub) === '' ? Array.from(s).length + 1 : s.split(String(sub)).length - 1),
  ljust: (s, width, fill = ' ') => s.padEnd(Number(width), String(fill)),
  rjust: (s, width, fill = ' ') => s.padStart(Number(width), String(fill)),
  zfill: (s, width) => {
    const w = Number(width);
    const sign = s.startsWith('-') || s.startsWith('+') ? (s[0] as string) : '';
    return sign + s.slice(sign.length).padStart(w - sign.length, '0');
  },
};

/** Python `str` methods the native engine does not reproduce: calling them fails instead of being Undefined. */
const PY_STR_UNSUPPORTED = new Set(
  (
    'casefold center encode expandtabs format_map index isalnum isalpha isascii isdecimal isdigit isidentifier ' +
    'islower isnumeric isprintable isspace istitle isupper maketrans partition removeprefix removesuffix rfind ' +
    'rindex rpartition rsplit splitlines swapcase title translate'
  ).split(' '),
);

/** `str.format` with `{}`, `{0}` and `{name}` fields (no conversions or format specs) and `{{`/`}}`. */
function pyStrFormat(template: string, args: unknown[]): string {
  const last = args[args.length - 1] as { __keywords?: true; [k: string]: unknown } | undefined;
  const kw = last !== null && typeof last === 'object' && last.__keywords === true ? last : undefined;
  const positional = kw ? args.slice(0, -1) : args;
  let auto = 0;
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}|[{}]/g, (whole, field: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    if (field === undefined) throw new PyValueError("Single '{' or '}' encountered in format string");
    if (/[!:.[]/.test(field)) throw new UnsupportedError(`str.format field {${field}}`);
    if (field === '') {
      if (auto >= positional.length)
        throw new PyIndexError('Replacement index out of range for positional args tuple');
      return pyStr(positional[auto++]);
    }
    if (/^\d+$/.test(field)) {
      const i = Number(field);
      if (i >= positional.length)
        throw new PyIndexError('Replacement index out of range for positional args tuple');
      return pyStr(positional[i]);
    }
    if (!kw || !Object.hasOwn(kw, field)) throw new PyKeyError(`'${field}'`);
    return pyStr(kw[field]);
  });
}

function stripChars(s: string, chars: string, left: boolean, right: boolean): string {
  let start = 0;
  let end = s.length;
  while (left && start < end && chars.includes(s[start] as string)) start++;
  while (right && end > start && chars.includes(s[end - 1] as string)) end--;
  return s.slice(start, end);
}

interface NunjucksRuntime {
  memberLookup(obj: unknown, val: unknown): unknown;
  callWrap(obj: unknown, name: string, context: unknown, args: unknown[]): unknown;
  suppressValue(val: unknown, autoescape: boolean): unknown;
  SafeString: new (...args: unknown[]) => object;
  pyBinOp?: typeof pyBinOp;
  pyConcat?: typeof pyConcat;
  pyTuple?: typeof pyTuple;
}

// nunjucks' compiled templates call these through the shared runtime object. We wrap them, active only while one of
// OUR renders runs (renders are synchronous), to get Jinja2's Undefined/None semantics:
//  - attribute of an undefined value → UndefinedError (nunjucks: silently undefined);
//  - calling an undefined value → UndefinedError;
//  - None renders as `None`, booleans as `True`/`False` (Python's str()).
const runtime = (nunjucks as unknown as { runtime: NunjucksRuntime }).runtime;
const original = {
  memberLookup: runtime.memberLookup,
  callWrap: runtime.callWrap,
  suppressValue: runtime.suppressValue,
};
let active = 0;

// Called only by templates compiled with withPythonSyntax (ours): new names on the shared runtime object.
runtime.pyBinOp = pyBinOp;
runtime.pyConcat = pyConcat;
runtime.pyTuple = pyTuple;

runtime.memberLookup = function memberLookup(obj: unknown, val: unknown): unknown {
  if (active > 0) {
    if (obj === undefined) {
      throw new UndefinedError(`cannot access attribute '${String(val)}' of an undefined value`);
    }
    if (obj instanceof StrictObject) return obj.lookup(val);
    if (typeof obj === 'string' && typeof val === 'string' && PY_STR_UNSUPPORTED.has(val)) {
      throw new UnsupportedError(`str.${val}()`);
    }
    if (typeof obj === 'string' && typeof val === 'string' && Object.hasOwn(PY_STR_METHODS, val)) {
      const method = PY_STR_METHODS[val] as (s: string, ...a: unknown[]) => unknown;
      return (...args: unknown[]) => method(obj, ...args);
    }
    // Python indexing: negative from the end; out of range is Jinja's Undefined.
    if ((typeof obj === 'string' || Array.isArray(obj)) && typeof val === 'number' && Number.isInteger(val)) {
      return pyIndex(obj, val);
    }
    // A callable namespace (`macros.datetime`, with `.strptime`, `.utcnow`): the function itself, not a wrapper
    // without its attributes.
    if (obj !== null && (typeof obj === 'object' || typeof obj === 'function') && typeof val === 'string') {
      const member = (obj as Record<string, unknown>)[val];
      if (typeof member === 'function' && Object.keys(member).length > 0) return member;
    }
  }
  return original.memberLookup(obj, val);
};
runtime.callWrap = function callWrap(obj: unknown, name: string, context: unknown, args: unknown[]): unknown {
  if (active > 0 && (obj === undefined || obj === null)) {
    const pretty = name.replace(/\["([^"]*)"\]/g, '.$1');
    throw new UndefinedError(`'${pretty}' is undefined`);
  }
  return original.callWrap(obj, name, context, args);
};
runtime.suppressValue = function suppressValue(val: unknown, autoescape: boolean): unknown {
  if (active > 0 && !(val instanceof runtime.SafeString)) return pyStr(val);
  return original.suppressValue(val, autoescape);
};

// Jinja2 2.8 defaults as Airflow 1.8.2 uses them: no autoescape, no trim_blocks/lstrip_blocks,
// undefined plain names render as '' (not an error).
const env = new nunjucks.Environment(null, {
  autoescape: false,
  throwOnUndefined: false,
  trimBlocks: false,
  lstripBlocks: false,
  // Keeps the original error as `cause` of nunjucks' TemplateError (its kind: ValueError, TypeError, …).
  dev: true,
});

/** Python-only literals that nunjucks would otherwise look up as (undefined) names. */
const PY_LITERALS = { True: true, False: false, None: null, [SLICE_FN]: pySlice };

/**
 * Jinja2's lexer normalises every line break (Python `splitlines()` separators) to `\n` and, with
 * `keep_trailing_newline=False` (the default), drops ONE trailing newline of the template source.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: Python splitlines() separators include these
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

export function normalizeTemplateSource(text: string): string {
  const lines = text.split(LINE_BREAKS);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/**
 * Error text on one line: line breaks and runs of white space become one space (unbounded; whoever prints the
 * message bounds it). Written here, not imported from the runner's `oneLine`, because the runner loads this package
 * to render templated fields for the native engine: this package depends on nothing of ours.
 */
const oneLine = (s: string): string =>
  s
    .replace(/[\r\n\t]+/g, ' ')
    .replace(/\s{2,}/g, ' ')
    .trim();

/**
 * Renders `text` like Airflow 1.8.2's `env.from_string(text).render(**context)` (Jinja2 defaults). Throws
 * `TemplateRenderError` (kind `syntax` | `undefined` | `value`) with a one-line message.
 */
export function renderTemplate(text: string, context: Readonly<Record<string, unknown>>): string {
  const source = normalizeTemplateSource(text);
  let template: nunjucks.Template;
  try {
    template = withPythonSyntax(() => new nunjucks.Template(source, env, undefined, true));
  } catch (err) {
    throw new TemplateRenderError('syntax', `template syntax error: ${describe(err)}`);
  }
  let thrown: unknown;
  active++;
  try {
    return template.render({ ...PY_LITERALS, ...context });
  } catch (err) {
    thrown = err;
  } finally {
    active--;
  }
  // nunjucks wraps what a render throws in a TemplateError whose `cause` is the original error.
  const cause = (thrown as { cause?: unknown } | undefined)?.cause ?? thrown;
  const msg = describe(thrown);
  if (cause instanceof UnsupportedError) {
    throw new TemplateRenderError(
      'unsupported',
      `not supported by the native engine: ${oneLine(cause.message)} (run the step with --engine airflow)`,
    );
  }
  const python: ReadonlyArray<readonly [new (...a: never[]) => Error, TemplateErrorKind, string]> = [
    [PyValueError, 'value', 'ValueError'],
    [PyTypeError, 'type', 'TypeError'],
    [PyKeyError, 'key', 'KeyError'],
    [PyZeroDivisionError, 'arithmetic', 'ZeroDivisionError'],
    [PyIndexError, 'index', 'IndexError'],
    [UndefinedLookup, 'undefined', 'UndefinedError'],
  ];
  for (const [cls, kind, name] of python) {
    if (cause instanceof cls) throw new TemplateRenderError(kind, `${name}: ${oneLine(cause.message)}`);
  }
  if (/UndefinedError/.test(msg))
    throw new TemplateRenderError('undefined', `UndefinedError: ${stripName(msg)}`);
  if (/ValueError/.test(msg)) throw new TemplateRenderError('value', `ValueError: ${stripName(msg)}`);
  throw new TemplateRenderError('syntax', `template error: ${msg}`);
}

function stripName(msg: string): string {
  return msg.replace(/^.*?(UndefinedError|ValueError):\s*/, '');
}

/** nunjucks error text: `(unknown path) [Line 1, Column 3]\n  Error: ...` → `line 1, column 3: Error: ...`. */
function describe(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const m = /^\(unknown path\)\s*(?:\[Line (\d+), Column (\d+)\])?\s*([\s\S]*)$/.exec(raw);
  if (!m) return oneLine(raw);
  const where = m[1] ? `line ${m[1]}, column ${m[2]}: ` : '';
  return oneLine(`${where}${(m[3] ?? '').replace(/^Template render error:\s*/, '')}`);
}
