import type { OperatorDefinition } from '@data-pipeline/runner';
import * as z from 'zod/mini';

/** Dotted Python identifiers whose last segment is a class name (starts upper-case), e.g. `airflow.operators.bash_operator.BashOperator`. */
export const IMPORT_PATH_RE = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\.[A-Z][A-Za-z0-9_]*$/;

/** Keys the runner sets itself on the operator (`task_id=…, dag=…`). */
const RESERVED_KWARGS = ['task_id', 'dag'];

export const kwargsSchema = z.object({
  operator: z
    .string()
    .check(
      z.regex(IMPORT_PATH_RE, 'expected a Python import path like package.module.ClassName'),
      z.describe(
        'Python import path of the Airflow 1.8.2 operator class, e.g. `airflow.operators.bash_operator.BashOperator`',
      ),
    ),
  kwargs: z
    ._default(
      z.record(z.string(), z.unknown()).check(
        z.refine((k) => RESERVED_KWARGS.every((r) => !(r in k)), {
          message: `must not set ${RESERVED_KWARGS.join(' or ')} (the runner sets them)`,
        }),
      ),
      {},
    )
    .check(z.describe('Keyword arguments of the operator as a JSON object')),
});

export type GenericKwargs = z.infer<typeof kwargsSchema>;

export const definition: OperatorDefinition<typeof kwargsSchema> = {
  name: 'airflow-operator',
  version: '0.1.0',
  description: 'Runs any Airflow 1.8.2 operator by import path as one Argo step',
  airflowClass: (kwargs) => kwargs.operator,
  airflowKwargs: (kwargs) => kwargs.kwargs,
  kwargs: kwargsSchema,
  // Whatever the operator's own template_fields are: Airflow renders them; there is no native engine.
  templatedFields: [],
  outputs: [],
  engines: ['airflow'],
  // `--dag-file F --dag-id D --task-id T`: one task of an unmodified DAG file (see README "DAG-file mode").
  dagFileMode: true,
};
