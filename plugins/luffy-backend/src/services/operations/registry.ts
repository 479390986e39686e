import { zodToJsonSchema } from 'zod-to-json-schema';
import type { OperationDescriptor } from '@openluffy/plugin-luffy-common';
import {
  argocdDiff,
  argocdRefresh,
  argocdRollback,
  argocdSync,
} from './ops/argocd';
import { investigate } from './ops/investigate';
import { deletePod, restart, scale } from './ops/kubernetes';
import { promote } from './ops/promote';
import {
  workflowCancel,
  workflowDispatch,
  workflowRerun,
} from './ops/workflows';
import type { OperationDefinition } from './types';

/** Every operation, one module each under ./ops. */
export const OPERATIONS: OperationDefinition<any>[] = [
  restart,
  scale,
  deletePod,
  promote,
  argocdSync,
  argocdDiff,
  argocdRefresh,
  argocdRollback,
  workflowDispatch,
  workflowCancel,
  workflowRerun,
  investigate,
];

/** The JSON schema of an operation's input. */
export function inputJsonSchema(
  op: OperationDefinition<any>,
): Record<string, unknown> {
  const { $schema, ...schema } = zodToJsonSchema(op.input, {
    target: 'jsonSchema7',
  }) as Record<string, unknown>;
  void $schema;
  return schema;
}

export function describeOperation(
  op: OperationDefinition<any>,
): OperationDescriptor {
  return {
    id: op.id,
    title: op.title,
    description: op.description,
    inputSchema: inputJsonSchema(op),
    readOnly: Boolean(op.readOnly),
  };
}
