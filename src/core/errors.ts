/**
 * Typed domain errors: what an operation of the core can refuse, whichever face called it. Each
 * carries Clerk's code, HTTP status and texts; `http/errors.ts` is the one place that turns them
 * (and the transport's own errors) into Clerk's error body.
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

export type Resource = 'session' | 'client' | 'user' | 'JWT template' | 'fault'

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
  /** Bad input to the mock's own control API (`/__mock/…`, `mock.fail()`): always 400. */
  controlInputInvalid: (detail: string, param?: string) =>
    new ClerkError(400, 'control_input_invalid', 'Invalid control request', detail, param === undefined ? undefined : { param_name: param }),
  internal: () =>
    new ClerkError(
      500,
      'internal_clerk_error',
      'Oops, an unexpected error occurred',
      "There was an internal error on our servers. We've been notified and are working on fixing it.",
    ),
}
