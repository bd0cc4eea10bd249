/**
 * Sign-up attempts (`sua_…`, Clerk's `Client.SignUp`; REFERENCE §14): fields given on create and
 * `PATCH`, the instance's required and optional fields (`user_settings.attributes`), the email
 * address (and phone number) verified by a code, then `complete`: a new user through the core's
 * createUser (so `user.created` is emitted) and a session through its createSession. No HTTP here.
 */
import { AttemptBook } from './attempts.js'
import { ClerkError } from './errors.js'
import type { InstanceAuth } from './environment.js'
import { ksuid } from './ids.js'
import type { MessageKind } from './messages.js'
import { hashPassword } from './passwords.js'
import { E164 } from './store.js'
import { checkCode, codeSent, verificationErrors, verificationJson, type Verification } from './verification.js'
import type { SignUpJson, SignUpStatus, SignUpVerificationJson } from './wire.js'

/** How long a sign-up lives before Clerk would call it abandoned **(chosen: 24 hours, as sign-ins)**. */
export const SIGN_UP_ABANDON_MS = 24 * 3_600_000

/** The fields a sign-up takes (snake_case, as clerk-js sends them). */
export interface SignUpParams {
  email_address?: string | null
  phone_number?: string | null
  username?: string | null
  first_name?: string | null
  last_name?: string | null
  password?: string | null
  unsafe_metadata?: Record<string, unknown> | string | null
  legal_accepted?: boolean | string | null
}

export interface SignUpAttempt {
  readonly id: string
  /** Set once the attempt is accepted (see `create`). */
  clientId: string
  status: SignUpStatus
  emailAddress: string | null
  phoneNumber: string | null
  username: string | null
  firstName: string | null
  lastName: string | null
  passwordHash: string | null
  unsafeMetadata: Record<string, unknown>
  legalAcceptedAt: number | null
  /** A code sent to the email address / phone number (null: none yet); `verified` once typed. */
  emailVerification: Verification | null
  phoneVerification: Verification | null
  createdUserId: string | null
  createdSessionId: string | null
  readonly createdAt: number
  readonly abandonAt: number
}

export interface SignUpHost {
  readonly auth: InstanceAuth
  /** Which user already has this email address / phone number / username (case-insensitively), if any. */
  taken(field: 'email_address' | 'phone_number' | 'username', value: string): boolean
  sendCode(to: { address: string; channel: 'email' | 'sms' }, kind: MessageKind): string
  /** The user created (core.createUser) and signed in on the client (core.createSession). */
  completeSignUp(attempt: SignUpAttempt): { userId: string; sessionId: string }
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/

export class SignUpAttempts extends AttemptBook<SignUpAttempt> {
  /** `POST /v1/client/sign_ups`. */
  create(host: SignUpHost, clientId: () => string, params: SignUpParams): SignUpAttempt {
    const now = this.clock.now()
    const attempt: SignUpAttempt = {
      id: `sua_${ksuid(this.clock)}`,
      clientId: '',
      status: 'missing_requirements',
      emailAddress: null,
      phoneNumber: null,
      username: null,
      firstName: null,
      lastName: null,
      passwordHash: null,
      unsafeMetadata: {},
      legalAcceptedAt: null,
      emailVerification: null,
      phoneVerification: null,
      createdUserId: null,
      createdSessionId: null,
      createdAt: now,
      abandonAt: now + SIGN_UP_ABANDON_MS,
    }
    // Every field is checked before the attempt exists: a refused create leaves nothing behind.
    const apply = this.#fields(host, attempt, params)
    apply()
    // The client only now: a refused create leaves no client behind either.
    attempt.clientId = clientId()
    this.keep(attempt)
    this.#sendDueCodes(host, attempt)
    this.#maybeComplete(host, attempt)
    return attempt
  }

  /**
   * Clerk sends the code as soon as an address that must be verified is given (create, or a PATCH
   * that changes it): `<SignUp/>` (@clerk/ui 1.34) sends no prepare_verification when the email
   * verification is already `unverified` + `email_code`, it goes straight to the attempt. A custom
   * flow's own prepare_verification then sends a new code, which replaces this one.
   */
  #sendDueCodes(host: SignUpHost, attempt: SignUpAttempt): void {
    const verify = host.auth.signUp.verifyAtSignUp
    if (attempt.emailAddress !== null && attempt.emailVerification === null && verify.includes('email_address')) this.prepareVerification(host, attempt, 'email_code')
    if (attempt.phoneNumber !== null && attempt.phoneVerification === null && verify.includes('phone_number')) this.prepareVerification(host, attempt, 'phone_code')
  }

  /** `PATCH /v1/client/sign_ups/{id}`: more fields (a changed email address needs a new code). */
  update(host: SignUpHost, attempt: SignUpAttempt, params: SignUpParams): SignUpAttempt {
    this.#assertOpen(attempt)
    this.#fields(host, attempt, params)()
    this.#sendDueCodes(host, attempt)
    this.#maybeComplete(host, attempt)
    return attempt
  }

  /** `prepare_verification`: a code to the email address (`email_code`) or phone number (`phone_code`). */
  prepareVerification(host: SignUpHost, attempt: SignUpAttempt, strategy: string | null | undefined): SignUpAttempt {
    this.#assertOpen(attempt)
    const which = verificationTarget(attempt, strategy)
    const code = host.sendCode({ address: which === 'email' ? attempt.emailAddress! : attempt.phoneNumber!, channel: which === 'email' ? 'email' : 'sms' }, 'sign_up_code')
    const v = codeSent(which === 'email' ? 'email_code' : 'phone_code', code, null, this.clock.now())
    if (which === 'email') attempt.emailVerification = v
    else attempt.phoneVerification = v
    return attempt
  }

  /** `attempt_verification`: the code sent; once nothing is missing or unverified, the user and session. */
  attemptVerification(host: SignUpHost, attempt: SignUpAttempt, strategy: string | null | undefined, code: string | null | undefined): SignUpAttempt {
    this.#assertOpen(attempt)
    const which = verificationTarget(attempt, strategy)
    if (typeof code !== 'string' || code === '') throw new ClerkError(422, 'form_param_missing', 'is missing', 'code must be included.', { param_name: 'code' })
    const v = which === 'email' ? attempt.emailVerification : attempt.phoneVerification
    if (v === null || v.code === null) throw verificationErrors.missing()
    // Before the code counts: an address taken meanwhile must leave the verification open, so the
    // sign-up can still change it and finish (after it, the code would be spent and the attempt stuck).
    this.#assertStillFree(host, attempt)
    checkCode(v, code, this.clock.now())
    this.#maybeComplete(host, attempt)
    return attempt
  }

  /** Checks every given field, then returns what applies them (so a refusal changes nothing). */
  #fields(host: SignUpHost, attempt: SignUpAttempt, p: SignUpParams): () => void {
    const enabled = new Set(host.auth.signUp.enabled)
    const text = (v: string | null | undefined) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : v === undefined ? undefined : null)
    const given = {
      email_address: text(p.email_address),
      phone_number: text(p.phone_number),
      username: text(p.username),
      first_name: text(p.first_name),
      last_name: text(p.last_name),
    }
    for (const [field, value] of Object.entries(given)) {
      if (value != null && !enabled.has(field)) throw signUpErrors.fieldNotEnabled(field)
    }
    if (given.email_address != null) {
      if (!EMAIL.test(given.email_address)) throw new ClerkError(422, 'form_param_format_invalid', 'is invalid', 'email_address must be a valid email address.', { param_name: 'email_address' })
      if (host.taken('email_address', given.email_address)) throw signUpErrors.identifierExists('email_address')
    }
    if (given.phone_number != null) {
      if (!E164.test(given.phone_number)) {
        throw new ClerkError(422, 'form_param_format_invalid', 'is invalid', 'phone_number must be a valid phone number according to E.164 international standard.', { param_name: 'phone_number' })
      }
      if (host.taken('phone_number', given.phone_number)) throw signUpErrors.identifierExists('phone_number')
    }
    if (given.username != null && host.taken('username', given.username)) throw signUpErrors.identifierExists('username')
    let passwordHash: string | undefined
    if (p.password !== undefined && p.password !== null) {
      if (!enabled.has('password')) throw signUpErrors.fieldNotEnabled('password')
      const chars = [...p.password].length
      if (chars < host.auth.passwordMin) {
        throw new ClerkError(422, 'form_password_length_too_short', `Passwords must be ${host.auth.passwordMin} characters or more.`, `Passwords must be ${host.auth.passwordMin} characters or more.`, {
          param_name: 'password',
        })
      }
      if (chars > host.auth.passwordMax || Buffer.byteLength(p.password) > 72) {
        throw new ClerkError(422, 'form_password_size_in_bytes_exceeded', 'Your password is too long. Please use a shorter one.', 'Your password is too long. Please use a shorter one.', { param_name: 'password' })
      }
      passwordHash = hashPassword(p.password)
    }
    let metadata: Record<string, unknown> | undefined
    if (p.unsafe_metadata !== undefined && p.unsafe_metadata !== null) {
      const raw = p.unsafe_metadata
      let parsed: unknown = raw
      if (typeof raw === 'string') {
        try {
          parsed = JSON.parse(raw)
        } catch {
          parsed = undefined
        }
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new ClerkError(422, 'form_param_format_invalid', 'is invalid', 'unsafe_metadata must be a JSON object.', { param_name: 'unsafe_metadata' })
      }
      metadata = parsed as Record<string, unknown>
    }
    if (p.legal_accepted != null && ![true, false, 'true', 'false'].includes(p.legal_accepted)) {
      throw new ClerkError(422, 'form_param_format_invalid', 'is invalid', `legal_accepted must be true or false, got ${JSON.stringify(p.legal_accepted).slice(0, 40)}.`, { param_name: 'legal_accepted' })
    }
    const legal = p.legal_accepted === true || p.legal_accepted === 'true'
    return () => {
      if (given.email_address !== undefined && given.email_address !== attempt.emailAddress) {
        attempt.emailAddress = given.email_address
        attempt.emailVerification = null
      }
      if (given.phone_number !== undefined && given.phone_number !== attempt.phoneNumber) {
        attempt.phoneNumber = given.phone_number
        attempt.phoneVerification = null
      }
      if (given.username !== undefined) attempt.username = given.username
      if (given.first_name !== undefined) attempt.firstName = given.first_name
      if (given.last_name !== undefined) attempt.lastName = given.last_name
      if (passwordHash !== undefined) attempt.passwordHash = passwordHash
      if (metadata !== undefined) attempt.unsafeMetadata = metadata
      if (legal) attempt.legalAcceptedAt = this.clock.now()
    }
  }

  #maybeComplete(host: SignUpHost, attempt: SignUpAttempt): void {
    if (missingFields(host.auth, attempt).length > 0 || unverifiedFields(host.auth, attempt).length > 0) return
    this.#assertStillFree(host, attempt)
    const { userId, sessionId } = host.completeSignUp(attempt)
    attempt.createdUserId = userId
    attempt.createdSessionId = sessionId
    attempt.status = 'complete'
  }

  /** Another sign-up (or the Backend API) may have taken an identifier since it was given. */
  #assertStillFree(host: SignUpHost, attempt: SignUpAttempt): void {
    if (attempt.emailAddress !== null && host.taken('email_address', attempt.emailAddress)) throw signUpErrors.identifierExists('email_address')
    if (attempt.phoneNumber !== null && host.taken('phone_number', attempt.phoneNumber)) throw signUpErrors.identifierExists('phone_number')
    if (attempt.username !== null && host.taken('username', attempt.username)) throw signUpErrors.identifierExists('username')
  }

  #assertOpen(attempt: SignUpAttempt): void {
    if (attempt.status === 'complete') throw signUpErrors.cannotBeUpdated()
    if (this.clock.now() >= attempt.abandonAt) throw signUpErrors.cannotBeUpdated()
  }
}

function verificationTarget(attempt: SignUpAttempt, strategy: string | null | undefined): 'email' | 'phone' {
  if (strategy === undefined || strategy === null || strategy === '') throw new ClerkError(422, 'form_param_missing', 'is missing', 'strategy must be included.', { param_name: 'strategy' })
  if (strategy === 'email_code') {
    if (attempt.emailAddress === null) throw new ClerkError(422, 'form_param_missing', 'is missing', 'email_address must be included.', { param_name: 'email_address' })
    return 'email'
  }
  if (strategy === 'phone_code') {
    if (attempt.phoneNumber === null) throw new ClerkError(422, 'form_param_missing', 'is missing', 'phone_number must be included.', { param_name: 'phone_number' })
    return 'phone'
  }
  throw new ClerkError(422, 'form_param_value_invalid', 'is invalid', `${strategy} does not match the allowed values for parameter strategy. Allowed values: email_code, phone_code.`, {
    param_name: 'strategy',
  })
}

const FIELD_VALUE: Record<string, (a: SignUpAttempt) => unknown> = {
  email_address: (a) => a.emailAddress,
  phone_number: (a) => a.phoneNumber,
  username: (a) => a.username,
  first_name: (a) => a.firstName,
  last_name: (a) => a.lastName,
  password: (a) => a.passwordHash,
  legal_accepted: (a) => a.legalAcceptedAt,
}

export function missingFields(auth: InstanceAuth, attempt: SignUpAttempt): string[] {
  return auth.signUp.required.filter((f) => (FIELD_VALUE[f]?.(attempt) ?? null) === null)
}

export function unverifiedFields(auth: InstanceAuth, attempt: SignUpAttempt): string[] {
  const out: string[] = []
  const verify = new Set(auth.signUp.verifyAtSignUp)
  if (attempt.emailAddress !== null && verify.has('email_address') && attempt.emailVerification?.status !== 'verified') out.push('email_address')
  if (attempt.phoneNumber !== null && verify.has('phone_number') && attempt.phoneVerification?.status !== 'verified') out.push('phone_number')
  return out
}

function fieldVerification(v: Verification | null, strategy: 'email_code' | 'phone_code', required: boolean, now: number, fallbackExpiry: number): SignUpVerificationJson | null {
  if (v === null) {
    if (!required) return null
    // Not prepared yet: Client.SignUp still wants an OTP with an expiry, so it is the attempt's own.
    return { object: 'verification_otp', status: 'unverified', strategy, attempts: null, expire_at: fallbackExpiry, next_action: 'needs_prepare', supported_strategies: [strategy] }
  }
  const json = verificationJson(v, now)
  return { ...json, next_action: json.status === 'verified' ? '' : 'needs_attempt', supported_strategies: [strategy] }
}

export function signUpJson(auth: InstanceAuth, attempt: SignUpAttempt, now: number): SignUpJson {
  const verify = new Set(auth.signUp.verifyAtSignUp)
  const required = auth.signUp.required
  return {
    object: 'sign_up_attempt',
    id: attempt.id,
    status: attempt.status !== 'complete' && now >= attempt.abandonAt ? 'abandoned' : attempt.status,
    required_fields: [...required],
    optional_fields: auth.signUp.enabled.filter((f) => !required.includes(f)),
    missing_fields: attempt.status === 'complete' ? [] : missingFields(auth, attempt),
    unverified_fields: attempt.status === 'complete' ? [] : unverifiedFields(auth, attempt),
    verifications: {
      email_address: attempt.emailAddress === null ? null : fieldVerification(attempt.emailVerification, 'email_code', verify.has('email_address'), now, attempt.abandonAt),
      phone_number: attempt.phoneNumber === null ? null : fieldVerification(attempt.phoneVerification, 'phone_code', verify.has('phone_number'), now, attempt.abandonAt),
      web3_wallet: null,
      external_account: null,
    },
    username: attempt.username,
    email_address: attempt.emailAddress,
    phone_number: attempt.phoneNumber,
    web3_wallet: null,
    password_enabled: attempt.passwordHash !== null,
    first_name: attempt.firstName,
    last_name: attempt.lastName,
    unsafe_metadata: attempt.unsafeMetadata,
    public_metadata: {},
    custom_action: false,
    external_id: null,
    created_session_id: attempt.createdSessionId,
    created_user_id: attempt.createdUserId,
    abandon_at: attempt.abandonAt,
    legal_accepted_at: attempt.legalAcceptedAt,
  }
}

export const signUpErrors = {
  notFound: (id: string) => new ClerkError(404, 'resource_not_found', 'not found', `No sign up was found with id ${id}`),
  /** api_errors.json lists the code with no texts; these are Clerk's. */
  identifierExists: (param: 'email_address' | 'phone_number' | 'username') => {
    const text =
      param === 'email_address' ? 'That email address is taken. Please try another.' : param === 'phone_number' ? 'That phone number is taken. Please try another.' : 'That username is taken. Please try another.'
    return new ClerkError(422, 'form_identifier_exists', text, text, { param_name: param })
  },
  cannotBeUpdated: () => new ClerkError(403, 'sign_up_cannot_be_updated', 'Sign up cannot be updated', 'This sign up has reached a terminal state and cannot be updated'),
  /** A field the environment does not enable (a phone number on an instance without phone numbers). */
  fieldNotEnabled: (field: string) =>
    new ClerkError(422, 'form_param_unknown', 'is unknown', `${field} is not a valid parameter for this request. (The instance's user_settings.attributes.${field} is not enabled.)`, {
      param_name: field,
    }),
}
