/**
 * Sign-in attempts (`sia_…`, Clerk's `Client.SignIn`) and their state machine (REFERENCE §14):
 * an identifier first (`needs_first_factor`), or identifier + password in one call; a first factor
 * (password, email or phone code, a reset-password code then `needs_new_password`); a second factor
 * when the user has one (`needs_second_factor`: TOTP, SMS code, backup code); then `complete`,
 * with the session the core created. A ticket completes in one call. No HTTP here: the core hands
 * in what a flow needs (`SignInHost`), so sessions, messages and webhooks stay the core's.
 */
import { TOTP, Secret } from 'otpauth'
import { AttemptBook } from './attempts.js'
import { ClerkError } from './errors.js'
import type { InstanceAuth } from './environment.js'
import { ksuid } from './ids.js'
import type { TicketRefusal } from './sign-in-tokens.js'
import { primaryEmail, type Identified, type User } from './store.js'
import { checkCode, codeSent, verificationErrors, verificationJson, verified, type Verification } from './verification.js'
import {
  SIGN_IN_IDENTIFIERS,
  SIGN_IN_STATUSES,
  SignInJson,
  type SignInFactorJson,
  type SignInIdentifier,
  type SignInStatus,
  type VerificationStrategy,
} from './wire.js'
import type { MessageKind } from './messages.js'

export { SIGN_IN_IDENTIFIERS, SIGN_IN_STATUSES, SignInJson, type SignInIdentifier, type SignInStatus }

/** How long an attempt lives before Clerk would call it abandoned **(chosen: 24 hours)**. */
export const SIGN_IN_ABANDON_MS = 24 * 3_600_000

/** The first-factor strategies the mock runs (any other is a 422 naming these). */
export const FIRST_FACTOR_STRATEGIES = ['password', 'email_code', 'phone_code', 'reset_password_email_code', 'reset_password_phone_code'] as const
export const SECOND_FACTOR_STRATEGIES = ['totp', 'phone_code', 'backup_code'] as const
/** What `POST /v1/client/sign_ins` takes as `strategy`. */
export const CREATE_STRATEGIES = ['ticket', ...FIRST_FACTOR_STRATEGIES] as const

export interface SignInAttempt {
  readonly id: string
  /** The client the attempt belongs to: only its caller may read it. */
  readonly clientId: string
  status: SignInStatus
  /** Null until an identifier names a user. */
  userId: string | null
  identifier: string | null
  /** Which identification the identifier was (an email address or phone id; null for a username). */
  identificationId: string | null
  firstFactor: Verification | null
  secondFactor: Verification | null
  createdSessionId: string | null
  readonly createdAt: number
  readonly abandonAt: number
}

/** What a flow needs from the core: users, passwords, messages and the one way to create a session. */
export interface SignInHost {
  readonly auth: InstanceAuth
  user(id: string): User
  identify(identifier: string): Identified | null
  checkPassword(userId: string, password: string): boolean
  setPassword(userId: string, password: string): void
  consumeBackupCode(userId: string, code: string): boolean
  /** Records the message the mock would send and returns its code. */
  sendCode(to: { address: string; channel: 'email' | 'sms'; userId: string; identificationId: string }, kind: MessageKind): string
  /** The user signed in on the client through the core's createSession; the session id. */
  completeSignIn(userId: string, clientId: string, signOutOthers: boolean, secondFactor: boolean): string
}

/** The form fields a step takes (snake_case, as clerk-js sends them). */
export interface SignInParams {
  strategy?: string | null
  identifier?: string | null
  password?: string | null
  code?: string | null
  email_address_id?: string | null
  phone_number_id?: string | null
}

/**
 * The attempts of one mock (`MockCore.signIns`; its `reset()` clears them, as it rebuilds every
 * client). An attempt lives as long as its client: once that is destroyed (`DELETE /v1/client`)
 * the attempt is no longer found. The latest attempt of a client that is not complete is the
 * client's `sign_in`.
 */
export class SignInAttempts extends AttemptBook<SignInAttempt> {
  #add(clientId: string, userId: string | null, status: SignInStatus): SignInAttempt {
    const now = this.clock.now()
    const attempt: SignInAttempt = {
      id: `sia_${ksuid(this.clock)}`,
      clientId,
      status,
      userId,
      identifier: null,
      identificationId: null,
      firstFactor: null,
      secondFactor: null,
      createdSessionId: null,
      createdAt: now,
      abandonAt: now + SIGN_IN_ABANDON_MS,
    }
    return this.keep(attempt)
  }

  /** A ticket sign-in: complete at once, with the session it created. */
  completeWithTicket(clientId: string, user: User, sessionId: string): SignInAttempt {
    const attempt = this.#add(clientId, user.id, 'complete')
    attempt.identifier = primaryEmail(user) ?? user.username
    attempt.firstFactor = verified('ticket')
    attempt.createdSessionId = sessionId
    return attempt
  }

  /**
   * `POST /v1/client/sign_ins` without a ticket: an identifier (or none: `needs_identifier`), and
   * with `strategy=password` + `password` the whole first factor at once (what `@clerk/testing`
   * sends); with a code strategy the code is sent at once, as Clerk prepares it on create.
   * `clientId` is asked for only once the attempt is accepted (a caller without a client gets one then).
   */
  create(host: SignInHost, clientId: () => string, params: SignInParams): SignInAttempt {
    const strategy = params.strategy ?? null
    if (strategy !== null && !(FIRST_FACTOR_STRATEGIES as readonly string[]).includes(strategy)) throw signInErrors.strategyInvalid(strategy, CREATE_STRATEGIES)
    const identifier = params.identifier ?? null
    if (identifier === null || identifier.trim() === '') {
      if (strategy !== null) throw missing('identifier')
      if (typeof params.password === 'string') throw missing('identifier')
      return this.#add(clientId(), null, 'needs_identifier')
    }
    const found = host.identify(identifier)
    if (found === null) throw signInErrors.identifierNotFound()
    if (strategy === 'password') {
      if (typeof params.password !== 'string' || params.password === '') throw missing('password')
    } else if (typeof params.password === 'string') {
      throw signInErrors.strategyInvalid(strategy ?? '(none)', ['password'], 'password is only taken with strategy=password')
    }
    // Checked before the attempt exists: a wrong password leaves nothing behind.
    if (strategy === 'password') this.#checkPassword(host, found.user, params.password!)
    const attempt = this.#add(clientId(), found.user.id, 'needs_first_factor')
    attempt.identifier = identifier.trim()
    attempt.identificationId = found.identificationId
    if (strategy === 'password') {
      attempt.firstFactor = verified('password')
      this.#afterFirstFactor(host, attempt)
    } else if (strategy !== null) {
      this.prepareFirstFactor(host, attempt, { strategy })
    }
    return attempt
  }

  /** `prepare_first_factor`: sends a code (email or SMS; a reset-password code the same way). */
  prepareFirstFactor(host: SignInHost, attempt: SignInAttempt, params: SignInParams): SignInAttempt {
    const strategy = requireStrategy(params, FIRST_FACTOR_STRATEGIES)
    const user = this.#identifiedUser(host, attempt, 'needs_first_factor')
    const factors = firstFactors(host.auth, user)
    if (strategy === 'password') throw signInErrors.strategyInvalid(strategy, FIRST_FACTOR_STRATEGIES.filter((s) => s !== 'password'), 'a password needs no preparation; send it to attempt_first_factor')
    // The address named; else the one the identifier was; else the user's first (primary) one.
    const named = strategy.includes('email') ? params.email_address_id : params.phone_number_id
    const candidates = factors.filter((f) => f.strategy === strategy)
    const idOf = (f: SignInFactorJson) => f.email_address_id ?? f.phone_number_id
    const factor = named != null ? candidates.find((f) => idOf(f) === named) : (candidates.find((f) => idOf(f) === attempt.identificationId) ?? candidates[0])
    if (factor === undefined) throw signInErrors.strategyForUserInvalid()
    const id = (factor.email_address_id ?? factor.phone_number_id)!
    const channel = strategy.includes('email') ? 'email' : 'sms'
    const code = host.sendCode({ address: factor.safe_identifier!, channel, userId: user.id, identificationId: id }, strategy.startsWith('reset_password') ? 'reset_password_code' : 'sign_in_code')
    attempt.firstFactor = codeSent(strategy, code, id, this.clock.now())
    return attempt
  }

  /** `attempt_first_factor`: a password, or the code a prepare sent. */
  attemptFirstFactor(host: SignInHost, attempt: SignInAttempt, params: SignInParams): SignInAttempt {
    const strategy = requireStrategy(params, FIRST_FACTOR_STRATEGIES)
    const user = this.#identifiedUser(host, attempt, 'needs_first_factor')
    if (!firstFactors(host.auth, user).some((f) => f.strategy === strategy)) throw signInErrors.strategyForUserInvalid()
    if (strategy === 'password') {
      if (typeof params.password !== 'string' || params.password === '') throw missing('password')
      this.#checkPassword(host, user, params.password)
      attempt.firstFactor = verified('password')
    } else {
      if (typeof params.code !== 'string' || params.code === '') throw missing('code')
      const pending = attempt.firstFactor
      if (pending === null || pending.strategy !== strategy || pending.code === null) throw verificationErrors.missing()
      checkCode(pending, params.code, this.clock.now())
      if (strategy.startsWith('reset_password')) {
        attempt.status = 'needs_new_password'
        return attempt
      }
    }
    this.#afterFirstFactor(host, attempt)
    return attempt
  }

  /** `reset_password` after a reset code: the new password, then the second factor or the session. */
  resetPassword(host: SignInHost, attempt: SignInAttempt, params: { password?: string | null; sign_out_of_other_sessions?: boolean }): SignInAttempt {
    this.#identifiedUser(host, attempt, 'needs_new_password')
    if (typeof params.password !== 'string' || params.password === '') throw missing('password')
    host.setPassword(attempt.userId!, params.password)
    this.#afterFirstFactor(host, attempt, params.sign_out_of_other_sessions === true)
    return attempt
  }

  /** `prepare_second_factor`: an SMS code to the user's second-factor number (TOTP and backup codes need none). */
  prepareSecondFactor(host: SignInHost, attempt: SignInAttempt, params: SignInParams): SignInAttempt {
    const strategy = requireStrategy(params, SECOND_FACTOR_STRATEGIES)
    const user = this.#identifiedUser(host, attempt, 'needs_second_factor')
    const factors = secondFactors(host.auth, user)
    if (strategy !== 'phone_code') throw signInErrors.strategyInvalid(strategy, ['phone_code'], `${strategy} needs no preparation; send the code to attempt_second_factor`)
    const factor = factors.find((f) => f.strategy === 'phone_code' && (params.phone_number_id == null || f.phone_number_id === params.phone_number_id))
    if (factor === undefined) throw signInErrors.strategyForUserInvalid()
    const code = host.sendCode({ address: factor.safe_identifier!, channel: 'sms', userId: user.id, identificationId: factor.phone_number_id! }, 'sign_in_second_factor_code')
    attempt.secondFactor = codeSent('phone_code', code, factor.phone_number_id!, this.clock.now())
    return attempt
  }

  /** `attempt_second_factor`: a TOTP from the user's authenticator app, a backup code, or the SMS code sent. */
  attemptSecondFactor(host: SignInHost, attempt: SignInAttempt, params: SignInParams): SignInAttempt {
    const strategy = requireStrategy(params, SECOND_FACTOR_STRATEGIES)
    const user = this.#identifiedUser(host, attempt, 'needs_second_factor')
    if (!secondFactors(host.auth, user).some((f) => f.strategy === strategy)) throw signInErrors.strategyForUserInvalid()
    if (typeof params.code !== 'string' || params.code === '') throw missing('code')
    if (strategy === 'totp') {
      if (!totpMatches(user.totpSecret!, params.code, this.clock.now())) throw verificationErrors.codeIncorrect()
      attempt.secondFactor = verified('totp')
    } else if (strategy === 'backup_code') {
      if (!host.consumeBackupCode(user.id, params.code)) throw verificationErrors.codeIncorrect()
      attempt.secondFactor = verified('backup_code')
    } else {
      const pending = attempt.secondFactor
      if (pending === null || pending.strategy !== 'phone_code' || pending.code === null) throw verificationErrors.missing()
      checkCode(pending, params.code, this.clock.now())
    }
    this.#complete(host, attempt, false)
    return attempt
  }

  #checkPassword(host: SignInHost, user: User, password: string): void {
    if (user.passwordHash === null || !host.auth.firstFactors.has('password')) throw signInErrors.strategyForUserInvalid()
    if (!host.checkPassword(user.id, password)) throw signInErrors.passwordIncorrect()
  }

  #afterFirstFactor(host: SignInHost, attempt: SignInAttempt, signOutOthers = false): void {
    const user = host.user(attempt.userId!)
    if (secondFactors(host.auth, user).length > 0) attempt.status = 'needs_second_factor'
    else this.#complete(host, attempt, signOutOthers)
  }

  #complete(host: SignInHost, attempt: SignInAttempt, signOutOthers: boolean): void {
    attempt.createdSessionId = host.completeSignIn(attempt.userId!, attempt.clientId, signOutOthers, attempt.secondFactor?.status === 'verified')
    attempt.status = 'complete'
  }

  /** The attempt's user, when it is at `status`; a step out of turn is Clerk's `client_state_invalid`-like 400. */
  #identifiedUser(host: SignInHost, attempt: SignInAttempt, status: SignInStatus): User {
    // An attempt left a day (SIGN_IN_ABANDON_MS) is abandoned: no step goes on with it.
    if (attempt.status !== 'complete' && this.clock.now() >= attempt.abandonAt) throw signInErrors.wrongStep('abandoned', status)
    if (attempt.status !== status || attempt.userId === null) throw signInErrors.wrongStep(attempt.status, status)
    return host.user(attempt.userId)
  }

  /** Attempts of a user who is gone cannot go on. */
  forgetUser(userId: string): void {
    this.forget((attempt) => attempt.userId === userId)
  }
}

/** A TOTP code of the secret, accepted one 30-second step either side (clock skew), on the mock clock. */
export function totpMatches(secret: string, code: string, now: number): boolean {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 })
  return totp.validate({ token: code.trim(), timestamp: now, window: 1 }) !== null
}

/** The user's first factors the instance allows, in Clerk's order: password, then each address's codes. */
export function firstFactors(auth: InstanceAuth, user: User): SignInFactorJson[] {
  const out: SignInFactorJson[] = []
  const allowed = (s: string) => auth.firstFactors.has(s)
  if (user.passwordHash !== null && allowed('password')) out.push({ strategy: 'password' })
  for (const e of user.emailAddresses) {
    if (allowed('email_code')) out.push({ strategy: 'email_code', safe_identifier: e.emailAddress, email_address_id: e.id, primary: e.id === user.primaryEmailAddressId })
  }
  for (const p of user.phoneNumbers) {
    if (allowed('phone_code') && !p.secondFactor) out.push({ strategy: 'phone_code', safe_identifier: p.phoneNumber, phone_number_id: p.id, primary: p.id === user.primaryPhoneNumberId, default: false })
  }
  if (user.passwordHash !== null) {
    for (const e of user.emailAddresses) {
      if (allowed('reset_password_email_code')) out.push({ strategy: 'reset_password_email_code', safe_identifier: e.emailAddress, email_address_id: e.id, primary: e.id === user.primaryEmailAddressId })
    }
    for (const p of user.phoneNumbers) {
      if (allowed('reset_password_phone_code')) out.push({ strategy: 'reset_password_phone_code', safe_identifier: p.phoneNumber, phone_number_id: p.id, primary: p.id === user.primaryPhoneNumberId })
    }
  }
  return out
}

/** The user's second factors the instance allows: TOTP, SMS to a second-factor number, backup codes. */
export function secondFactors(auth: InstanceAuth, user: User): SignInFactorJson[] {
  const out: SignInFactorJson[] = []
  if (user.totpSecret !== null && auth.secondFactors.has('totp')) out.push({ strategy: 'totp' })
  const sms = user.phoneNumbers.filter((p) => p.secondFactor)
  if (auth.secondFactors.has('phone_code')) {
    sms.forEach((p, i) => out.push({ strategy: 'phone_code', safe_identifier: p.phoneNumber, phone_number_id: p.id, primary: p.id === user.primaryPhoneNumberId, default: i === 0 }))
  }
  if (user.backupCodes.length > 0 && auth.secondFactors.has('backup_code')) out.push({ strategy: 'backup_code' })
  return out
}

/** What serialising an attempt needs to know: its user and the instance's identifiers. */
export interface SignInView {
  readonly auth: InstanceAuth
  user(id: string): User
  /** The user's `image_url` as Clerk serves it (a default image when the user has none). */
  imageUrl(user: User): string
  supportedIdentifiers: readonly SignInIdentifier[]
  now(): number
}

export function signInJson(view: SignInView, attempt: SignInAttempt): SignInJson {
  const user = attempt.userId === null ? null : view.user(attempt.userId)
  const now = view.now()
  const firstDone = attempt.status === 'needs_second_factor' || attempt.status === 'complete'
  return {
    object: 'sign_in_attempt',
    id: attempt.id,
    status: attempt.status !== 'complete' && now >= attempt.abandonAt ? 'abandoned' : attempt.status,
    supported_identifiers: [...view.supportedIdentifiers],
    supported_first_factors: user === null || attempt.firstFactor?.strategy === 'ticket' ? [] : firstFactors(view.auth, user),
    supported_second_factors: user === null || !firstDone || attempt.firstFactor?.strategy === 'ticket' ? null : secondFactors(view.auth, user),
    first_factor_verification: attempt.firstFactor && verificationJson(attempt.firstFactor, now),
    second_factor_verification: attempt.secondFactor && verificationJson(attempt.secondFactor, now),
    identifier: attempt.identifier,
    user_data: user && { first_name: user.firstName, last_name: user.lastName, image_url: view.imageUrl(user), has_image: user.imageUrl !== null },
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

const missing = (param: string) => new ClerkError(422, 'form_param_missing', 'is missing', `${param} must be included.`, { param_name: param })

function requireStrategy<S extends string>(params: SignInParams, allowed: readonly S[]): S {
  const strategy = params.strategy
  if (strategy === undefined || strategy === null || strategy === '') throw missing('strategy')
  if (!(allowed as readonly string[]).includes(strategy)) throw signInErrors.strategyInvalid(strategy, allowed)
  return strategy as S
}

/** What a sign-in can refuse; texts from Clerk's own error list (`api_errors.json`) where it has them. */
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
  /** The user is already signed in on this client: clerk-js's `<SignIn/>` then switches to that session (`meta.session_id`). */
  alreadySignedIn: (sessionId: string) => new ClerkError(400, 'identifier_already_signed_in', "You're already signed in", "You're already signed in", { session_id: sessionId }),
  notFound: (id: string) => new ClerkError(404, 'resource_not_found', 'not found', `No sign in was found with id ${id}`),
  /** api_errors.json lists the code with no texts; these are what Clerk answers. */
  identifierNotFound: () => new ClerkError(422, 'form_identifier_not_found', "Couldn't find your account.", "Couldn't find your account.", { param_name: 'identifier' }),
  passwordIncorrect: () =>
    new ClerkError(422, 'form_password_incorrect', 'Password is incorrect. Try again, or use another method.', 'Password is incorrect. Try again, or use another method.', {
      param_name: 'password',
    }),
  /** A strategy the user has no factor for (no password, no phone, no TOTP), or the instance does not allow. */
  strategyForUserInvalid: () => new ClerkError(400, 'strategy_for_user_invalid', 'Invalid verification strategy', 'The verification strategy is not valid for this account'),
  strategyInvalid: (strategy: string, allowed: readonly string[], why?: string) =>
    new ClerkError(
      422,
      'form_param_value_invalid',
      'is invalid',
      `${strategy} does not match the allowed values for parameter strategy. Allowed values: ${allowed.join(', ')}.${why ? ` (${why})` : ''}`,
      { param_name: 'strategy' },
    ),
  /** A step the attempt is not at (attempt_second_factor while it needs a first factor, anything once complete). */
  wrongStep: (status: SignInStatus, wanted: SignInStatus) =>
    new ClerkError(400, 'client_state_invalid', 'Invalid action', `We were unable to complete this step for this sign in: it is ${status}, and this step needs ${wanted}. Start a new sign in or take the step it needs.`),
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

export type { VerificationStrategy }
