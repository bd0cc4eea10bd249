/**
 * Sign-in tokens (`POST /v1/sign_in_tokens` on the Backend API): a one-time ticket for a user that
 * the Frontend API's `ticket` strategy turns into a session, the way `@clerk/testing` and this
 * package's Playwright helper sign a browser in. Expiry follows the mock clock.
 */
import { randomBytes } from 'node:crypto'
import { ksuid } from './ids.js'
import type { TimeSource } from './time.js'

export type SignInTokenStatus = 'pending' | 'accepted' | 'revoked'

export interface SignInToken {
  id: string
  userId: string
  /** The ticket itself: what goes into `strategy: 'ticket'` (or a `__clerk_ticket` URL). */
  token: string
  status: SignInTokenStatus
  createdAt: number
  updatedAt: number
  expiresAt: number
}

/** Clerk's default lifetime of a sign-in token: 30 days. */
export const SIGN_IN_TOKEN_DEFAULT_S = 30 * 86_400

/** Why a ticket cannot be redeemed: never issued here, already used or revoked, or past its expiry. */
export type TicketRefusal = 'unknown' | 'used' | 'revoked' | 'expired'

export class SignInTokens {
  readonly #byId = new Map<string, SignInToken>()
  readonly #byToken = new Map<string, SignInToken>()

  constructor(readonly clock: TimeSource) {}

  create(userId: string, expiresInSeconds = SIGN_IN_TOKEN_DEFAULT_S): SignInToken {
    const now = this.clock.now()
    const record: SignInToken = {
      id: `sit_${ksuid(this.clock)}`,
      userId,
      token: randomBytes(32).toString('base64url'),
      status: 'pending',
      createdAt: now,
      updatedAt: now,
      expiresAt: now + expiresInSeconds * 1000,
    }
    this.#byId.set(record.id, record)
    this.#byToken.set(record.token, record)
    return record
  }

  get(id: string): SignInToken | undefined {
    return this.#byId.get(id)
  }

  /** Marks a pending token revoked; returns it (undefined for an unknown id). */
  revoke(id: string): SignInToken | undefined {
    const record = this.#byId.get(id)
    if (record && record.status === 'pending') {
      record.status = 'revoked'
      record.updatedAt = this.clock.now()
    }
    return record
  }

  /** Redeems a ticket once: the token (now `accepted`), or why it cannot be used. */
  redeem(token: string): SignInToken | TicketRefusal {
    const record = this.#byToken.get(token)
    if (record === undefined) return 'unknown'
    if (record.status === 'accepted') return 'used'
    if (record.status === 'revoked') return 'revoked'
    const now = this.clock.now()
    if (now >= record.expiresAt) return 'expired'
    record.status = 'accepted'
    record.updatedAt = now
    return record
  }

  /** Tokens of a deleted user can no longer sign anyone in. */
  forgetUser(userId: string): void {
    for (const record of this.#byId.values()) if (record.userId === userId) this.#byToken.delete(record.token)
  }

  clear(): void {
    this.#byId.clear()
    this.#byToken.clear()
  }
}
