/**
 * One-time codes and the verifications that check them (sign-in factors, sign-up fields): Clerk's
 * rules on the mock clock. A code lives 10 minutes; after `MAX_CODE_ATTEMPTS` wrong codes the
 * verification is `failed` and only a new one (prepare again) can succeed. No HTTP here.
 */
import { randomInt } from 'node:crypto'
import { ClerkError } from './errors.js'
import type { VerificationJson, VerificationStrategy } from './wire.js'

/** Clerk's lifetime of an emailed or texted code: 10 minutes. */
export const CODE_LIFETIME_MS = 10 * 60_000
/**
 * Wrong codes a verification takes before it is `failed` **(chosen: 5)**: Clerk answers
 * `verification_failed` after "too many failed attempts" without publishing the number.
 */
export const MAX_CODE_ATTEMPTS = 5
/** Clerk's test code: what every code is unless `settings.verification_code` is `"random"`. */
export const TEST_CODE = '424242'

/** `test`: every code is 424242 (Clerk's test code, for every address: chosen); `random`: 6 random digits, read from the messages. */
export type CodeMode = 'test' | 'random'

/**
 * A code for a message to `to`. Clerk's test addresses (an email with `+clerk_test`, a phone
 * number +1 XXX 555-0100 to 555-0199) always get 424242, as on Clerk, even with random codes.
 */
export function newCode(mode: CodeMode, to = ''): string {
  return mode === 'test' || isClerkTestAddress(to) ? TEST_CODE : String(randomInt(0, 1_000_000)).padStart(6, '0')
}

/** Clerk's test email addresses and phone numbers: no message is ever delivered to them, and their code is 424242. */
export function isClerkTestAddress(to: string): boolean {
  return (to.includes('@') && /\+clerk_test/i.test(to.slice(0, to.lastIndexOf('@')))) || /^\+1\d{3}55501\d{2}$/.test(to)
}

export type VerificationStatus = 'unverified' | 'verified' | 'failed' | 'expired'

const OBJECT: Record<VerificationStrategy, VerificationJson['object']> = {
  password: 'verification_password',
  email_code: 'verification_otp',
  phone_code: 'verification_otp',
  reset_password_email_code: 'verification_otp',
  reset_password_phone_code: 'verification_otp',
  totp: 'verification_totp',
  backup_code: 'verification_backup_code',
  ticket: 'verification_ticket',
}

export interface Verification {
  strategy: VerificationStrategy
  status: VerificationStatus
  /** Wrong tries so far (codes only; null for the others). */
  attempts: number | null
  /** When the code stops working (codes only). */
  expireAt: number | null
  /** The code that verifies it (codes only; never served). */
  code: string | null
  /** The email address or phone number id the code went to. */
  targetId: string | null
}

/** A verification done in one step (a password, a TOTP, a backup code, a ticket). */
export function verified(strategy: VerificationStrategy): Verification {
  return { strategy, status: 'verified', attempts: null, expireAt: null, code: null, targetId: null }
}

/** A code sent and waiting to be typed. */
export function codeSent(strategy: VerificationStrategy, code: string, targetId: string | null, now: number): Verification {
  return { strategy, status: 'unverified', attempts: 0, expireAt: now + CODE_LIFETIME_MS, code, targetId }
}

export const verificationErrors = {
  codeIncorrect: () => new ClerkError(422, 'form_code_incorrect', 'is incorrect', 'Incorrect code', { param_name: 'code' }),
  expired: () => new ClerkError(400, 'verification_expired', 'expired', 'This verification has expired. You must create a new one.'),
  failed: () => new ClerkError(400, 'verification_failed', 'failed', 'Too many failed attempts. You have to try again with the same or another method.'),
  alreadyVerified: () => new ClerkError(400, 'verification_already_verified', 'already verified', 'This verification has already been verified.'),
  missing: () => new ClerkError(400, 'verification_missing', 'is missing', 'This strategy requires verification preparation before attempting to validate it.'),
}

/**
 * Checks a typed code against a sent one, on the mock clock: expired at exactly `expireAt`; a
 * wrong code counts, and the `MAX_CODE_ATTEMPTS`th wrong one fails the verification for good.
 * Throws Clerk's error; on success the verification is `verified`.
 */
export function checkCode(v: Verification, code: string, now: number): void {
  if (v.status === 'verified') throw verificationErrors.alreadyVerified()
  if (v.status === 'failed') throw verificationErrors.failed()
  if (v.status === 'expired' || (v.expireAt !== null && now >= v.expireAt)) {
    v.status = 'expired'
    throw verificationErrors.expired()
  }
  if (code.trim() !== v.code) {
    v.attempts = (v.attempts ?? 0) + 1
    if (v.attempts >= MAX_CODE_ATTEMPTS) v.status = 'failed'
    throw verificationErrors.codeIncorrect()
  }
  v.status = 'verified'
}

/** Clerk's JSON of a verification, its status as of `now` (a code past its time is `expired`). */
export function verificationJson(v: Verification, now: number): VerificationJson {
  const status = v.status === 'unverified' && v.expireAt !== null && now >= v.expireAt ? 'expired' : v.status
  return { object: OBJECT[v.strategy], status, strategy: v.strategy, attempts: v.attempts, expire_at: v.expireAt }
}
