/**
 * The one-line message every entry prints (operator bins, `dp`, the warehouse's error envelopes, template errors).
 * Two ways to make one line of a longer text, one implementation:
 * - `first-line` (default): the first non-empty line, for messages that may carry a stack or a command's output
 *   after their first line; nothing after it can leak.
 * - `flatten`: every line joined with single spaces, for messages whose later lines are part of the message (a
 *   BigQuery error, a template error pointing at a line).
 * Both are bounded to `max` characters, ending in `…` when cut.
 */
export interface OneLineOptions {
  readonly keep?: 'first-line' | 'flatten';
  readonly max?: number;
}

export function oneLine(text: string, options: OneLineOptions = {}): string {
  const { keep = 'first-line', max = 500 } = options;
  const line =
    keep === 'flatten'
      ? text
          .replace(/[\r\n\t]+/g, ' ')
          .replace(/\s{2,}/g, ' ')
          .trim()
      : (text.split(/\r?\n/).find((l) => l.trim() !== '') ?? text);
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
