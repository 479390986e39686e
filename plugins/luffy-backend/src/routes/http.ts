import { InputError } from '@backstage/errors';
import { z } from 'zod/v3';

/**
 * Validates a query or body with a zod schema; a failure is a 400 InputError naming each bad
 * field ("limit: Number must be greater than or equal to 1; status: …").
 */
export function parse<T extends z.ZodTypeAny>(
  schema: T,
  value: unknown,
): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new InputError(
      parsed.error.issues
        .map(i => `${i.path.join('.') || 'input'}: ${i.message}`)
        .join('; '),
    );
  }
  return parsed.data;
}

/** `limit` and `offset` of every listing. */
export const paging = {
  limit: z.coerce.number().int().min(1).max(500).optional(),
  offset: z.coerce.number().int().min(0).optional(),
};

/** The entity ref (`kind:namespace/name`, lower case) of an `/entity/:namespace/:kind/:name/...` route. */
export function entityRefFromParams(params: {
  namespace?: string;
  kind?: string;
  name?: string;
}): string {
  const { namespace, kind, name } = params;
  if (!namespace || !kind || !name) {
    throw new InputError('Route needs :namespace, :kind and :name');
  }
  return `${kind}:${namespace}/${name}`.toLocaleLowerCase('en-US');
}
