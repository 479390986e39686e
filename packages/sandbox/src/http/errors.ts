import type { Family } from '../core/faults';

/** An error body shaped like the real service's for `status`. */
export function familyErrorBody(
  family: Family,
  status: number,
  message: string,
  extra: { type?: string } = {},
) {
  switch (family) {
    case 'github':
      return {
        message,
        documentation_url: 'https://docs.github.com/rest',
        status: String(status),
      };
    case 'kubernetes':
      return {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message,
        reason: kubeReason(status),
        code: status,
      };
    case 'argocd':
      // grpc-gateway error body (codes: 2 unknown, 5 not found, 7 permission denied, 14 unavailable, 16 unauthenticated)
      return { error: message, code: grpcCode(status), message };
    case 'anthropic':
      return {
        type: 'error',
        error: { type: extra.type ?? anthropicErrorType(status), message },
      };
    default:
      return { message };
  }
}

function kubeReason(status: number) {
  return (
    (
      {
        400: 'BadRequest',
        401: 'Unauthorized',
        403: 'Forbidden',
        404: 'NotFound',
        405: 'MethodNotAllowed',
        409: 'Conflict',
        410: 'Expired',
        422: 'Invalid',
        429: 'TooManyRequests',
        500: 'InternalError',
        503: 'ServiceUnavailable',
        504: 'Timeout',
      } as Record<number, string>
    )[status] ?? 'InternalError'
  );
}

function grpcCode(status: number) {
  return (
    (
      {
        400: 3,
        401: 16,
        403: 7,
        404: 5,
        409: 6,
        429: 8,
        503: 14,
        504: 4,
      } as Record<number, number>
    )[status] ?? 2
  );
}

function anthropicErrorType(status: number) {
  return (
    (
      {
        400: 'invalid_request_error',
        401: 'authentication_error',
        403: 'permission_error',
        404: 'not_found_error',
        413: 'request_too_large',
        429: 'rate_limit_error',
        529: 'overloaded_error',
      } as Record<number, string>
    )[status] ?? 'api_error'
  );
}
