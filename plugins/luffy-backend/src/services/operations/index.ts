export { createOperations, readOperationsSettings } from './createOperations';
export type { OperationsSettings } from './createOperations';
export { registerOperationActions } from './actions';
export { OPERATIONS, describeOperation, inputJsonSchema } from './registry';
export {
  ConfirmationRequiredError,
  TooManyOperationsError,
} from './guardrails';
export type { OperationsService, OperationDefinition } from './types';
