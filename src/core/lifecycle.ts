/**
 * Clerk's session lifecycle (REFERENCE §4), all of it: what time does to a session, which actions
 * each status allows, and every transition a session can make. Where do sessions end? Here.
 */
import { errors } from './errors.js'
import type { Client, Session } from './store.js'
import type { SessionStatus } from './wire.js'

export interface Settings {
  /** Maximum lifetime: `expire_at = created_at + sessionLifetime`. */
  sessionLifetime: number
  /** `abandon_at = created_at + abandonAfter` (without an inactivity timeout). */
  abandonAfter: number
  /** When set, `abandon_at = last_active_at + inactivityTimeout`, moved by each activity. */
  inactivityTimeout: number | null
  /** Session JWT lifetime. */
  tokenLifetime: number
}

export const DEFAULT_SETTINGS: Settings = {
  sessionLifetime: 7 * 86_400_000,
  abandonAfter: 30 * 86_400_000,
  inactivityTimeout: null,
  tokenLifetime: 60_000,
}

/** The times that decide a session's status. */
export type SessionTimes = Pick<Session, 'status' | 'expireAt' | 'abandonAt'>

/** The status a session has at `now`: a signed-in session past `expire_at` or `abandon_at` *is* expired or abandoned. */
export function statusAt(s: SessionTimes, now: number): SessionStatus {
  if (s.status !== 'active' && s.status !== 'pending') return s.status
  const expired = s.expireAt <= now
  const abandoned = s.abandonAt <= now
  if (expired && (!abandoned || s.expireAt <= s.abandonAt)) return 'expired'
  if (abandoned) return 'abandoned'
  return s.status
}

export const isSignedIn = (status: SessionStatus) => status === 'active' || status === 'pending'

/** Removed and revoked sessions have left their client: every lookup of them is a 404. */
export const isOnClient = (session: Pick<Session, 'status'>) => session.status !== 'removed' && session.status !== 'revoked'

/** Where `abandon_at` stands for a session created at `createdAt` and last active at `lastActiveAt`. */
export function abandonAt(createdAt: number, lastActiveAt: number, settings: Settings): number {
  return settings.inactivityTimeout === null ? createdAt + settings.abandonAfter : lastActiveAt + settings.inactivityTimeout
}

/** A new signed-in session's times: both limits anchored at creation (REFERENCE §4). */
export function newSessionTimes(now: number, settings: Settings) {
  return { createdAt: now, updatedAt: now, lastActiveAt: now, expireAt: now + settings.sessionLifetime, abandonAt: abandonAt(now, now, settings) }
}

export type Action = 'touch' | 'end' | 'tokens'

/** Throws Clerk's error when `action` is not allowed on a session with this status. */
export function assertAllowed(action: Action, status: SessionStatus, sessionId: string): void {
  if (isSignedIn(status)) return
  if (action === 'tokens') throw errors.signedOut()
  throw errors.invalidAction(action, sessionId)
}

/** Activity (touch, a token mint): `last_active_at`, the client's last active session. Never moves `expire_at`. */
export function markActive(session: Session, client: Client, now: number, settings: Settings): void {
  session.lastActiveAt = now
  session.updatedAt = now
  // Without an inactivity timeout abandon_at stays anchored at creation (or where a fixture put it).
  if (settings.inactivityTimeout !== null) session.abandonAt = abandonAt(session.createdAt, now, settings)
  client.lastActiveSessionId = session.id
  client.updatedAt = now
}

/**
 * The one way a session leaves the signed-in states: `ended` stays on the client; `removed` and
 * `revoked` leave it. The client forgets it as its last active session.
 */
export function transition(session: Session, client: Client, to: 'ended' | 'removed' | 'revoked', now: number): void {
  session.status = to
  session.updatedAt = now
  client.updatedAt = now
  if (client.lastActiveSessionId === session.id) client.lastActiveSessionId = null
}
