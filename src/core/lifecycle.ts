/**
 * Clerk's session lifecycle: what time does to a session and which actions each status allows.
 * Pure functions of a session and an instant, so every read applies them exactly at the boundary.
 */
import type { SessionStatus } from './wire.js'
import { errors } from './errors.js'

export interface SessionTimes {
  /** The stored status; `expired`/`abandoned` are stored only when a fixture says so, otherwise time derives them. */
  status: SessionStatus
  expireAt: number
  abandonAt: number
}

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

/** Where `abandon_at` stands for a session created at `createdAt` and last active at `lastActiveAt`. */
export function abandonAt(createdAt: number, lastActiveAt: number, settings: Settings): number {
  return settings.inactivityTimeout === null ? createdAt + settings.abandonAfter : lastActiveAt + settings.inactivityTimeout
}

/** Throws Clerk's error when `action` is not allowed on a session with this status. */
export function assertAllowed(action: 'touch' | 'end' | 'tokens', status: SessionStatus, sessionId: string): void {
  if (isSignedIn(status)) return
  if (action === 'tokens') throw errors.signedOut()
  throw errors.invalidAction(action, sessionId)
}
