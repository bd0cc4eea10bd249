/**
 * What a mock starts from and returns to on `reset()`: domain records with every time resolved.
 * The fixture loader (`fixtures/load.ts`) builds one; the core never reads a fixture itself.
 */
import type { Settings } from './lifecycle.js'
import type { SeedOrganizations } from './organizations.js'
import type { Session, User } from './store.js'
import type { ClockSetting } from './time.js'
import type { CodeMode } from './verification.js'

export interface JwtTemplate {
  name: string
  claims: Record<string, unknown>
  /** ms; null: the session token lifetime. */
  lifetime: number | null
}

/** A seeded session: a session record before it is put on its client. */
export type SeedSession = Omit<Session, 'token' | 'seq'>

/** Treat as read-only: the store gets copies. */
export interface Seed {
  /** The clock the fixture asks for (the `clock` option overrides it). */
  clock: ClockSetting
  /** The instant offsets such as '-2h' were resolved against: the clock's start. */
  start: number
  /** The same fixture resolved against another start (a system clock's reset re-anchors '-2h' to the new now). */
  rebuild(start: number): Seed
  settings: Settings
  /** `settings.verification_code`: every code is Clerk's test code 424242 (`test`, the default) or random. */
  verificationCode: CodeMode
  users: User[]
  clients: { id: string; createdAt: number }[]
  sessions: SeedSession[]
  jwtTemplates: JwtTemplate[]
  /** The fixture's `environment` overrides (deep-merged over the default environment when served). */
  environment: Record<string, unknown>
  /** The fixture's `signing_key` PEM, checked at load; the `signingKey` option wins over it. */
  signingKey?: string
  /** Organizations, memberships and roles (none when absent). */
  organizations?: SeedOrganizations
}
