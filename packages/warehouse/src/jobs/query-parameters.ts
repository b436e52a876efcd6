import { z } from 'zod';
import { invalid } from '../errors.js';
import type { QueryParameter, QueryParameterType, QueryParameterValue } from '../sql/index.js';

/**
 * `queryParameters` of a query job, checked at the REST edge for the shape BigQuery's REST reference gives
 * (QueryParameter / QueryParameterType / QueryParameterValue): what the translator then reads is well formed, and a
 * malformed list is one `invalid` error naming the field, never a JavaScript message. Values are checked against
 * their types later, by the translator (sql/params.ts).
 */
const parameterType: z.ZodType<QueryParameterType> = z.lazy(() =>
  z.object({
    type: z.string(),
    arrayType: parameterType.optional(),
    structTypes: z
      .array(
        z.object({ name: z.string().optional(), type: parameterType, description: z.string().optional() }),
      )
      .optional(),
  }),
);

const parameterValue: z.ZodType<QueryParameterValue> = z.lazy(() =>
  z.object({
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    arrayValues: z.array(parameterValue).optional(),
    structValues: z.record(z.string(), parameterValue).optional(),
    rangeValue: z.unknown().optional(),
  }),
);

const queryParameters = z.array(
  z.object({
    name: z.string().optional(),
    parameterType,
    parameterValue: parameterValue.optional(),
  }),
);

export function parseQueryParameters(input: unknown): QueryParameter[] {
  const r = queryParameters.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  throw invalid(`Invalid queryParameters${path}: ${issue?.message ?? 'malformed'}.`);
}
