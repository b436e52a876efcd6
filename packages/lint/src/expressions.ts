import { ExprError, exprNames, parseExpression } from '@data-pipeline/local/expr';
import type { Finding, PathStep } from './source.js';
import { findTags, stringsIn } from './tags.js';

/**
 * Expressions compiled as Argo compiles them: `{{=…}}` tags, `retryStrategy.expression` and hook
 * `expression`s are parsed with `dp run`'s expr-lang parser (`@data-pipeline/local`), and every function they call by
 * name must exist in Argo's expression environment (util/expr/env: expr-lang's builtins, argoproj/pkg's `asInt`,
 * `asFloat`, `string`, `jsonpath`, Argo's `toJson`, and `sprig` = sprig v3's GenericFuncMap without `env`/`expandenv`).
 */

/** expr-lang's builtin functions (v1.16, the version Argo v4.1 vendors). */
const EXPR_BUILTINS = `all none any one filter map find findIndex findLast findLastIndex count sum groupBy sortBy reduce
  len type abs ceil floor round int float string trim trimPrefix trimSuffix upper lower split splitAfter replace repeat
  indexOf lastIndexOf hasPrefix hasSuffix max min mean median toJSON fromJSON toBase64 fromBase64 now duration date
  timezone first last get take keys values toPairs fromPairs sort join reverse uniq concat flatten bitand bitor bitxor
  bitnand bitnot bitshl bitshr bitushr`;

/** What Argo adds on top (argoproj/pkg expr.GetExprEnvFunctionMap and util/expr/env). */
const ARGO_FUNCTIONS = 'asInt asFloat string jsonpath toJson';

/** sprig v3 GenericFuncMap (the names; `env` and `expandenv` are removed by Argo). */
const SPRIG_FUNCTIONS = `hello ago date date_in_zone date_modify dateInZone dateModify duration durationRound htmlDate
  htmlDateInZone must_date_modify mustDateModify mustToDate now toDate unixEpoch abbrev abbrevboth trunc trim upper lower
  title untitle substr repeat trimall trimAll trimSuffix trimPrefix nospace initials randAlphaNum randAlpha randAscii
  randNumeric swapcase shuffle snakecase camelcase kebabcase wrap wrapWith contains hasPrefix hasSuffix quote squote cat
  indent nindent replace plural sha1sum sha256sum sha512sum adler32sum toString atoi int64 int float64 seq toDecimal
  split splitList splitn toStrings until untilStep add1 add sub div mod mul randInt add1f addf subf divf mulf biggest max
  min maxf minf ceil floor round join sortAlpha default empty coalesce all any compact mustCompact fromJson toJson
  toPrettyJson toRawJson mustFromJson mustToJson mustToPrettyJson mustToRawJson ternary deepCopy mustDeepCopy typeOf
  typeIs typeIsLike kindOf kindIs deepEqual getHostByName base dir clean ext isAbs osBase osClean osDir osExt osIsAbs
  b64enc b64dec b32enc b32dec tuple list dict get set unset hasKey pluck keys pick omit merge mergeOverwrite mustMerge
  mustMergeOverwrite values append push mustAppend mustPush prepend mustPrepend first mustFirst rest mustRest last
  mustLast initial mustInitial reverse mustReverse uniq mustUniq without mustWithout has mustHas slice mustSlice concat
  dig chunk mustChunk bcrypt htpasswd genPrivateKey derivePassword buildCustomCert genCA genCAWithKey genSelfSignedCert
  genSelfSignedCertWithKey genSignedCert genSignedCertWithKey encryptAES decryptAES randBytes uuidv4 semver
  semverCompare fail regexMatch mustRegexMatch regexFindAll mustRegexFindAll regexFind mustRegexFind regexReplaceAll
  mustRegexReplaceAll regexReplaceAllLiteral mustRegexReplaceAllLiteral regexSplit mustRegexSplit regexQuoteMeta
  urlParse urlJoin`;

const words = (s: string) => new Set(s.split(/\s+/).filter(Boolean));
const FUNCTIONS = new Set([...words(EXPR_BUILTINS), ...words(ARGO_FUNCTIONS)]);
const SPRIG = words(SPRIG_FUNCTIONS);

/** The problem with one expression, or undefined when Argo would compile it. */
export function expressionProblem(source: string): string | undefined {
  let names: ReturnType<typeof exprNames>;
  try {
    names = exprNames(parseExpression(source));
  } catch (e) {
    if (e instanceof ExprError) return `syntax error: ${e.message}`;
    throw e;
  }
  for (const call of names.calls) {
    if (call.startsWith('sprig.') ? SPRIG.has(call.slice(6)) : FUNCTIONS.has(call)) continue;
    const near = nearest(
      call,
      call.startsWith('sprig.') ? [...SPRIG].map((n) => `sprig.${n}`) : [...FUNCTIONS],
    );
    return `unknown function ${call}()${near ? ` (did you mean ${near}?)` : ''}`;
  }
  return undefined;
}

/** Every expression of an Argo spec: `{{=…}}` tags anywhere, and the `expression` of retry strategies and hooks. */
export function checkExpressions(spec: unknown, path: PathStep[]): Finding[] {
  const findings: Finding[] = [];
  for (const [s, p] of stringsIn(spec, path)) {
    for (const tag of findTags(s)) {
      if (tag.kind !== 'expression') continue;
      const problem = expressionProblem(tag.text);
      if (problem)
        findings.push({ path: p, rule: 'validity/expression', message: `{{=${tag.text}}}: ${problem}` });
    }
    const key = p[p.length - 1];
    const parent = p[p.length - 2];
    const grand = p[p.length - 3];
    const isExpressionField =
      key === 'expression' && (parent === 'retryStrategy' || grand === 'hooks') && !s.includes('{{');
    if (isExpressionField) {
      const problem = expressionProblem(s);
      if (problem)
        findings.push({
          path: p,
          rule: 'validity/expression',
          message: `expression "${s.trim()}": ${problem}`,
        });
    }
  }
  return findings;
}

/** The candidate at edit distance ≤ 2, if one. */
function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length]!;
}
