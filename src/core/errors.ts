/**
 * Typed domain errors. Each carries Clerk's code, HTTP status and texts; `http/errors.ts` is the one
 * place that turns them into Clerk's error body.
 */
export class ClerkError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly shortMessage: string,
    readonly longMessage: string,
    readonly meta?: Record<string, unknown>,
  ) {
    super(longMessage)
    this.name = 'ClerkError'
  }
}

export type Resource = 'session' | 'client' | 'user' | 'JWT template'

const capital = (s: string) => s[0].toUpperCase() + s.slice(1)

export const errors = {
  notFound: (resource: Resource, id: string) =>
    new ClerkError(404, 'resource_not_found', `${capital(resource)} not found`, `No ${resource} was found with id ${id}`),
  invalidAction: (action: string, sessionId: string) =>
    new ClerkError(400, 'invalid_action_for_session', 'Invalid action for user session', `Unable to ${action} session ${sessionId}`),
  noClient: () =>
    new ClerkError(404, 'resource_not_found', 'Client not found', 'This request is expecting a client and did not find one'),
  signedOut: () => new ClerkError(401, 'signed_out', 'Signed out', 'You are signed out'),
  authenticationInvalid: (why?: string) =>
    new ClerkError(
      401,
      'authentication_invalid',
      'Invalid authentication',
      why ?? 'Unable to authenticate the request, you need to supply an active session',
    ),
  devBrowserUnauthenticated: () =>
    new ClerkError(
      401,
      'dev_browser_unauthenticated',
      'Browser unauthenticated',
      'Unable to authenticate this browser for your development instance. Check your Clerk cookies and try again. If the issue persists reach out to support@clerk.com.',
    ),
  apiVersionInvalid: (reason: string) =>
    new ClerkError(400, 'api_version_invalid', 'invalid API version', `Invalid Clerk API version: ${reason}`),
  paramInvalid: (param: string, value: unknown, detail?: string) =>
    new ClerkError(
      422,
      'form_param_value_invalid',
      'is invalid',
      detail ?? `${String(value)} does not match one of the allowed values for parameter ${param}`,
      { param_name: param },
    ),
  paramUnknown: (param: string) =>
    new ClerkError(422, 'form_param_unknown', 'is unknown', `${param} is not a valid parameter for this request.`, {
      param_name: param,
    }),
  paramMissing: (param: string) =>
    new ClerkError(422, 'form_param_missing', 'is missing', `${param} must be included.`, { param_name: param }),
  unsupportedContentType: (actual: string) =>
    new ClerkError(
      415,
      'unsupported_content_type',
      'Content-Type is unsupported',
      `Content-Type ${actual} is unsupported. You should use application/x-www-form-urlencoded or application/json instead.`,
    ),
  bodyInvalid: (detail?: string) =>
    new ClerkError(
      400,
      'request_body_invalid',
      'Request body invalid',
      'The request body is invalid. Please consult the API documentation for more information.' + (detail ? ` (${detail})` : ''),
    ),
  bodyTooLarge: (limit: number) =>
    new ClerkError(413, 'request_body_too_large', 'Request body too large', `The request body exceeds the maximum allowed size of ${limit} bytes.`),
  methodNotAllowed: (method: string, path: string, allowed: string[]) =>
    new ClerkError(
      405,
      'method_not_allowed',
      'Method not allowed',
      `${method} is not allowed on ${path}; it answers ${allowed.join(', ')}.`,
      { allowed },
    ),
  segmentTooLong: (method: string, path: string, max: number) =>
    new ClerkError(
      404,
      'resource_not_found',
      'Resource not found',
      `No resource was found for ${method} ${path}: a path segment is longer than ${max} characters, and no id is that long.`,
    ),
  routeNotFound: (method: string, path: string) =>
    new ClerkError(404, 'resource_not_found', 'Resource not found', `No route matches ${method} ${path}.`),
  /** Bad input to the mock's own control API (`/__mock/…`, `mock.fail()`): always 400. */
  controlInputInvalid: (detail: string, param?: string) =>
    new ClerkError(400, 'control_input_invalid', 'Invalid control request', detail, param === undefined ? undefined : { param_name: param }),
  /** HTTP that Node's parser rejects before any route sees it: garbage bytes, a bad request line or header, an oversized header section. */
  malformedHttp: (status: 400 | 408 | 431, detail: string) =>
    status === 431
      ? new ClerkError(431, 'request_header_fields_too_large', 'Request headers too large', `The request's header section is too large (${detail}).`)
      : status === 408
        ? new ClerkError(408, 'request_timeout', 'Request timeout', `The request did not arrive in time (${detail}).`)
        : new ClerkError(400, 'malformed_request', 'Malformed request', `The HTTP request could not be parsed (${detail}).`),
  internal: () =>
    new ClerkError(
      500,
      'internal_clerk_error',
      'Oops, an unexpected error occurred',
      "There was an internal error on our servers. We've been notified and are working on fixing it.",
    ),
}
