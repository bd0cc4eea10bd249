/**
 * Sign-in attempts (`sia_…`, Clerk's `Client.SignIn`): the record a `POST /v1/client/sign_ins`
 * leaves behind, its JSON shape, and the book of attempts. Today one strategy exists, `ticket` (a
 * sign-in token from the Backend API), which completes in one request; the other strategies and the
 * steps between (needs_first_factor, …) build on this record. No HTTP here.
 */
import { Type, type Static } from '@sinclair/typebox'
import { ClerkError } from './errors.js'
import { ksuid } from './ids.js'
import type { TicketRefusal } from './sign-in-tokens.js'
import { primaryEmail, type Client, type User } from './store.js'
import type { TimeSource } from './time.js'
import { Nullable } from './wire.js'

/** How long an attempt lives before Clerk would call it abandoned **(chosen: 24 hours)**. */
export const SIGN_IN_ABANDON_MS = 24 * 3_600_000

export const SIGN_IN_STATUSES = [
  'abandoned',
  'needs_identifier',
  'needs_first_factor',
  'needs_second_factor',
  'needs_client_trust',
  'needs_new_password',
  'needs_protect_check',
  'complete',
] as const
export type SignInStatus = (typeof SIGN_IN_STATUSES)[number]

/** The identifiers `Client.SignIn.supported_identifiers` may name. */
export const SIGN_IN_IDENTIFIERS = ['email_address', 'phone_number', 'username', 'web3_wallet', 'passkey'] as const
export type SignInIdentifier = (typeof SIGN_IN_IDENTIFIERS)[number]

const Ms = Type.Integer({ description: 'epoch milliseconds' })

/** `Stubs.Verification.Ticket`: how a ticket verified the attempt. */
export const TicketVerificationJson = Type.Object({
  object: Type.Literal('verification_ticket'),
  status: Type.Union([Type.Literal('unverified'), Type.Literal('verified'), Type.Literal('expired')]),
  strategy: Type.Literal('ticket'),
  attempts: Nullable(Type.Integer()),
  expire_at: Nullable(Ms),
})

/** `Client.SignIn` of Clerk's OpenAPI file, as far as the mock fills it. */
export const SignInJson = Type.Object({
  object: Type.Literal('sign_in_attempt'),
  id: Type.String(),
  status: Type.Unsafe<SignInStatus>({ type: 'string', enum: [...SIGN_IN_STATUSES] }),
  supported_identifiers: Type.Array(Type.Unsafe<SignInIdentifier>({ type: 'string', enum: [...SIGN_IN_IDENTIFIERS] })),
  // Factors are what a multi-step flow offers; a ticket needs none.
  supported_first_factors: Nullable(Type.Array(Type.Unknown(), { maxItems: 0 })),
  supported_second_factors: Nullable(Type.Array(Type.Unknown(), { maxItems: 0 })),
  first_factor_verification: Nullable(TicketVerificationJson),
  second_factor_verification: Type.Null(),
  identifier: Nullable(Type.String()),
  user_data: Nullable(
    Type.Object({
      first_name: Nullable(Type.String()),
      last_name: Nullable(Type.String()),
      image_url: Type.String(),
      has_image: Type.Boolean(),
    }),
  ),
  created_session_id: Nullable(Type.String()),
  abandon_at: Ms,
})
export type SignInJson = Static<typeof SignInJson>

export interface SignInAttempt {
  readonly id: string
  /** The client the attempt belongs to: only its caller may read it. */
  readonly clientId: string
  status: SignInStatus
  strategy: 'ticket'
  userId: string
  createdSessionId: string | null
  readonly createdAt: number
  readonly abandonAt: number
}

/**
 * The attempts of one mock (`MockCore.signIns`; its `reset()` clears them, as it rebuilds every
 * client). An attempt lives as long as its client: once that is destroyed (`DELETE /v1/client`)
 * the attempt is no longer found.
 */
export class SignInAttempts {
  readonly #byId = new Map<string, SignInAttempt>()

  constructor(readonly clock: TimeSource) {}

  /** A ticket sign-in: complete at once, with the session it created. */
  completeWithTicket(client: Client, userId: string, sessionId: string): SignInAttempt {
    const now = this.clock.now()
    const attempt: SignInAttempt = {
      id: `sia_${ksuid(this.clock)}`,
      clientId: client.id,
      status: 'complete',
      strategy: 'ticket',
      userId,
      createdSessionId: sessionId,
      createdAt: now,
      abandonAt: now + SIGN_IN_ABANDON_MS,
    }
    this.#byId.set(attempt.id, attempt)
    return attempt
  }

  /** The attempt with this id if its client still exists (`clientExists`: the core's answer). */
  get(id: string, clientExists: (clientId: string) => boolean): SignInAttempt | undefined {
    const attempt = this.#byId.get(id)
    if (attempt === undefined) return undefined
    if (!clientExists(attempt.clientId)) {
      // Its client was destroyed: the attempt went with it (client ids are never reused).
      this.#byId.delete(id)
      return undefined
    }
    return attempt
  }

  clear(): void {
    this.#byId.clear()
  }
}

/** What serialising an attempt needs to know: its user and the instance's identifiers. */
export interface SignInView {
  user(id: string): User
  /** The user's `image_url` as Clerk serves it (a default image when the user has none). */
  imageUrl(user: User): string
  supportedIdentifiers: readonly SignInIdentifier[]
}

export function signInJson(view: SignInView, attempt: SignInAttempt): SignInJson {
  const user = view.user(attempt.userId)
  return {
    object: 'sign_in_attempt',
    id: attempt.id,
    status: attempt.status,
    supported_identifiers: [...view.supportedIdentifiers],
    supported_first_factors: [],
    supported_second_factors: [],
    first_factor_verification: { object: 'verification_ticket', status: 'verified', strategy: 'ticket', attempts: null, expire_at: null },
    second_factor_verification: null,
    identifier: primaryEmail(user) ?? user.username,
    user_data: { first_name: user.firstName, last_name: user.lastName, image_url: view.imageUrl(user), has_image: user.imageUrl !== null },
    created_session_id: attempt.createdSessionId,
    abandon_at: attempt.abandonAt,
  }
}

/** `auth_config.identification_strategies` of an environment, kept to the names `Client.SignIn` allows. */
export function supportedIdentifiers(environment: Record<string, unknown>): SignInIdentifier[] {
  const strategies = (environment.auth_config as { identification_strategies?: unknown } | undefined)?.identification_strategies
  if (!Array.isArray(strategies)) return []
  return strategies.filter((s): s is SignInIdentifier => (SIGN_IN_IDENTIFIERS as readonly unknown[]).includes(s))
}

/** What a sign-in can refuse; texts from Clerk's own error list (`api_errors.json`). */
export const signInErrors = {
  /** A ticket this mock never issued, or whose user is gone. */
  ticketInvalid: () =>
    new ClerkError(400, 'ticket_invalid_code', 'ticket is invalid', "This ticket is invalid. Make sure you're using a valid ticket generated by Clerk."),
  ticketExpired: () => new ClerkError(400, 'ticket_expired_code', 'ticket has expired', 'This ticket has expired and cannot be used anymore.'),
  ticketUsed: () =>
    new ClerkError(400, 'sign_in_token_already_used_code', 'sign in token has already been used', 'This sign in token has already been used. Each token can only be used once.'),
  ticketRevoked: () =>
    new ClerkError(400, 'sign_in_token_revoked_code', 'sign in token has been revoked', 'This sign in token has been revoked and cannot be used anymore.'),
  /** Single-session mode, and the client already has a signed-in session. */
  sessionExists: () => new ClerkError(400, 'session_exists', 'Session already exists', "You're already signed in."),
  notFound: (id: string) => new ClerkError(404, 'resource_not_found', 'not found', `No sign in was found with id ${id}`),
  /** Every strategy but `ticket` (and a sign-in with no strategy, the identifier-first flow of `<SignIn/>`). */
  strategyNotSupported: (strategy: string | null | undefined) =>
    new ClerkError(
      422,
      'form_param_value_invalid',
      'is invalid',
      strategy === undefined || strategy === null
        ? 'A sign-in without strategy=ticket (an identifier first, then a password or a code) is not supported by this mock yet. Allowed values: ticket.'
        : `${strategy} does not match the allowed values for parameter strategy. Allowed values: ticket. (The mock signs in with sign-in tokens only so far; the ${strategy} strategy is not supported by this mock yet.)`,
      { param_name: 'strategy' },
    ),
}

/** The error a refused ticket gets. */
export function ticketRefused(why: TicketRefusal): ClerkError {
  switch (why) {
    case 'unknown':
      return signInErrors.ticketInvalid()
    case 'expired':
      return signInErrors.ticketExpired()
    case 'used':
      return signInErrors.ticketUsed()
    case 'revoked':
      return signInErrors.ticketRevoked()
  }
}
