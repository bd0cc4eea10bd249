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

export type Resource = 'session' | 'client' | 'user' | 'JWT template' | 'fault' | 'sign in token' | 'handshake payload'

const capital = (s: string) => s[0].toUpperCase() + s.slice(1)

export const errors = {
  notFound: (resource: Resource, id: string) =>
    new ClerkError(404, 'resource_not_found', `${capital(resource)} not found`, `No ${resource} was found with id ${id}`),
  invalidAction: (action: string, sessionId: string) =>
    new ClerkError(400, 'invalid_action_for_session', 'Invalid action for user session', `Unable to ${action} session ${sessionId}`),
  noClient: () =>
    new ClerkError(404, 'resource_not_found', 'Client not found', 'This request is expecting a client and did not find one'),
  /** `POST /v1/clients/verify` with something that is not a client token of this instance. */
  clientTokenInvalid: () =>
    new ClerkError(400, 'client_token_invalid', 'Invalid client token', 'The token is not a client token issued by this instance (it is malformed, forged or from another instance).'),
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
  /** An email address, username or external id another user already has (or one listed twice in one request). */
  identifierExists: (param: 'email_address' | 'username' | 'external_id', value: string) =>
    new ClerkError(
      422,
      'form_identifier_exists',
      param === 'email_address' ? 'That email address is taken. Please try another.' : param === 'username' ? 'That username is taken. Please try another.' : 'That external ID is taken. Please try another.',
      `${value} is already used by another user (${param} must be unique across the instance).`,
      { param_name: param },
    ),
  /** A form field whose value the operation cannot take (a malformed email address, a primary address the user does not have). */
  paramFormatInvalid: (param: string, detail: string) =>
    new ClerkError(422, 'form_param_format_invalid', 'is invalid', detail, { param_name: param }),
  /** A field Clerk accepts that this mock does not model (phone numbers, web3 wallets, password digests, …): refused, never ignored. */
  paramUnsupported: (param: string) =>
    new ClerkError(
      422,
      'form_param_unknown',
      'is not supported',
      `${param} is a Clerk parameter that clerk-fapi-mock does not model; leave it out (the mock refuses it rather than ignore it).`,
      { param_name: param },
    ),
  /** Metadata bigger than Clerk allows (8 KB of JSON per field) or nested too deep to be sane. */
  paramTooLarge: (param: string, detail: string) =>
    new ClerkError(422, 'form_param_exceeds_allowed_size', 'exceeds the allowed size', detail, { param_name: param }),
  /** Longer than the 72 bytes Clerk's hashing reads. */
  passwordTooLong: () =>
    new ClerkError(422, 'form_password_size_in_bytes_exceeded', 'Your password is too long. Please use a shorter one.', 'Your password is too long. Please use a shorter one.', {
      param_name: 'password',
    }),
  signInTokenCannotBeRevoked: (status: string) =>
    new ClerkError(
      400,
      'sign_in_token_cannot_be_revoked_code',
      'cannot revoke',
      `Sign in token cannot be revoked because its status is ${status}. Only pending tokens can be revoked.`,
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
