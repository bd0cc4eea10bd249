/** Domain records → Clerk's JSON (the shapes of `wire.ts`). */
import type { SignInToken } from './sign-in-tokens.js'
import type { OrganizationMembershipJson } from './organization-wire.js'
import { primaryEmail, type Client, type Session, type User } from './store.js'
import type { BapiClientJson, BapiSessionJson, BapiUserJson, ClientJson, PublicUserDataJson, SessionJson, SessionStatus, SignInJson, SignInTokenJson, SignUpJson, UserJson } from './wire.js'

/** What serialising needs to know beyond a record; the core answers it (see `MockCore`). */
export interface JsonView {
  user(id: string): User
  status(session: Session): SessionStatus
  factorVerificationAge(session: Session): [number, number]
  userLastActiveAt(userId: string): number | null
  sessionsOf(client: Client): Session[]
  /** The session's `last_active_token`, fresh when it is served (REFERENCE §10), for `azp` (undefined: the mock's default). */
  lastActiveToken(session: Session, azp?: string): string | null
  /** The client's sign-in and sign-up in progress (none once complete). */
  signInInProgress(client: Client): SignInJson | null
  signUpInProgress(client: Client): SignUpJson | null
  /** The user's organization memberships, for the user JSON (none when absent). */
  organizationMembershipsJson?(userId: string): OrganizationMembershipJson[]
}

/** Clerk's image for a user or organization without one of its own. */
export const DEFAULT_IMAGE = 'https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9'

/** Who a session or a membership belongs to, as others may see it (`Client.PublicUserData`). */
export function publicUserDataJson(user: User): PublicUserDataJson {
  return {
    first_name: user.firstName,
    last_name: user.lastName,
    image_url: user.imageUrl ?? DEFAULT_IMAGE,
    has_image: user.imageUrl !== null,
    identifier: primaryEmail(user) ?? user.username ?? user.id,
    user_id: user.id,
    username: user.username,
  }
}
// Every address and number the mock holds is verified, as one an admin added would be.
const ADMIN_VERIFIED = { object: 'verification_admin' as const, status: 'verified' as const, strategy: 'admin' as const, attempts: null, expire_at: null }

/** Whether signing in asks this user for a second factor: an authenticator app, an SMS number for it, or backup codes. */
export function twoFactorEnabled(user: User): boolean {
  return user.totpSecret !== null || user.backupCodes.length > 0 || user.phoneNumbers.some((p) => p.secondFactor)
}

export function userJson(user: User, lastActiveAt: number | null = null, memberships: OrganizationMembershipJson[] = []): UserJson {
  return {
    id: user.id,
    object: 'user',
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    image_url: user.imageUrl ?? DEFAULT_IMAGE,
    has_image: user.imageUrl !== null,
    primary_email_address_id: user.primaryEmailAddressId,
    primary_phone_number_id: user.primaryPhoneNumberId,
    primary_web3_wallet_id: null,
    password_enabled: user.passwordHash !== null,
    two_factor_enabled: twoFactorEnabled(user),
    totp_enabled: user.totpSecret !== null,
    backup_code_enabled: user.backupCodes.length > 0,
    email_addresses: user.emailAddresses.map((e) => ({
      id: e.id,
      object: 'email_address' as const,
      email_address: e.emailAddress,
      reserved: false,
      verification: ADMIN_VERIFIED,
      linked_to: [],
      created_at: e.createdAt,
      updated_at: e.updatedAt,
    })),
    phone_numbers: user.phoneNumbers.map((p) => ({
      id: p.id,
      object: 'phone_number' as const,
      phone_number: p.phoneNumber,
      reserved_for_second_factor: p.secondFactor,
      default_second_factor: p.secondFactor && p.id === user.phoneNumbers.find((q) => q.secondFactor)?.id,
      reserved: false,
      verification: ADMIN_VERIFIED,
      linked_to: [],
      backup_codes: null,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
    })),
    web3_wallets: [],
    passkeys: [],
    organization_memberships: memberships,
    external_accounts: [],
    saml_accounts: [],
    enterprise_accounts: [],
    password_last_updated_at: user.passwordUpdatedAt,
    public_metadata: user.publicMetadata,
    unsafe_metadata: user.unsafeMetadata,
    external_id: user.externalId,
    last_sign_in_at: lastActiveAt,
    banned: false,
    locked: false,
    lockout_expires_in_seconds: null,
    verification_attempts_remaining: null,
    created_at: user.createdAt,
    updated_at: user.updatedAt,
    delete_self_enabled: true,
    create_organization_enabled: true,
    last_active_at: lastActiveAt,
    mfa_enabled_at: twoFactorEnabled(user) ? (user.mfaEnabledAt ?? user.createdAt) : null,
    mfa_disabled_at: null,
    legal_accepted_at: null,
  }
}

/** `azp`: the Origin of the page the answer is for, which its `last_active_token` names (undefined: the mock's default). */
export function sessionJson(view: JsonView, session: Session, azp?: string): SessionJson {
  const user = view.user(session.userId)
  const token = view.lastActiveToken(session, azp)
  return {
    id: session.id,
    object: 'session',
    status: view.status(session),
    expire_at: session.expireAt,
    abandon_at: session.abandonAt,
    last_active_at: session.lastActiveAt,
    last_active_organization_id: session.lastActiveOrganizationId,
    last_active_token: token === null ? null : { object: 'token', jwt: token },
    actor: session.actor,
    tasks: session.tasks,
    user: userJson(user, view.userLastActiveAt(user.id), view.organizationMembershipsJson?.(user.id)),
    public_user_data: publicUserDataJson(user),
    factor_verification_age: view.factorVerificationAge(session),
    created_at: session.createdAt,
    updated_at: session.updatedAt,
    client_id: session.clientId,
    user_id: session.userId,
  }
}

/** A client; `sessions` overrides the client's own list (DELETE /v1/client answers with sessions already detached); `azp` as for `sessionJson`. */
export function clientJson(view: JsonView, client: Client, sessions: Session[] = view.sessionsOf(client), azp?: string): ClientJson {
  return {
    object: 'client',
    id: client.id,
    sessions: sessionsJson(view, sessions, azp),
    sign_in: view.signInInProgress(client),
    sign_up: view.signUpInProgress(client),
    last_active_session_id: client.lastActiveSessionId,
    last_authentication_strategy: null,
    cookie_expires_at: null,
    captcha_bypass: false,
    created_at: client.createdAt,
    updated_at: client.updatedAt,
  }
}

export function sessionsJson(view: JsonView, sessions: Session[], azp?: string): SessionJson[] {
  return sessions.map((s) => sessionJson(view, s, azp))
}

// ---- the Backend API ------------------------------------------------------------------------------

/** The Backend API's user: the Frontend API's, plus `private_metadata` (which the Frontend API never shows). */
export function bapiUserJson(user: User, lastActiveAt: number | null = null): BapiUserJson {
  return {
    ...userJson(user, lastActiveAt),
    private_metadata: user.privateMetadata,
    locale: null,
    bypass_client_trust: false,
    deprovisioned: false,
    create_organizations_limit: null,
  }
}

export function bapiSessionJson(view: Pick<JsonView, 'status'>, session: Session): BapiSessionJson {
  return {
    object: 'session',
    id: session.id,
    user_id: session.userId,
    client_id: session.clientId,
    actor: session.actor,
    status: view.status(session),
    last_active_organization_id: session.lastActiveOrganizationId,
    last_active_at: session.lastActiveAt,
    expire_at: session.expireAt,
    abandon_at: session.abandonAt,
    updated_at: session.updatedAt,
    created_at: session.createdAt,
    tasks: session.tasks,
  }
}

export function bapiClientJson(view: Pick<JsonView, 'status' | 'sessionsOf' | 'signInInProgress' | 'signUpInProgress'>, client: Client): BapiClientJson {
  const sessions = view.sessionsOf(client)
  return {
    object: 'client',
    id: client.id,
    session_ids: sessions.map((s) => s.id),
    sessions: sessions.map((s) => bapiSessionJson(view, s)),
    sign_in_id: view.signInInProgress(client)?.id ?? null,
    sign_up_id: view.signUpInProgress(client)?.id ?? null,
    last_active_session_id: client.lastActiveSessionId,
    last_authentication_strategy: null,
    updated_at: client.updatedAt,
    created_at: client.createdAt,
  }
}

/** `url`: where a browser can redeem the ticket, or null when the mock has none to offer. */
export function signInTokenJson(record: SignInToken, url: string | null): SignInTokenJson {
  return {
    object: 'sign_in_token',
    id: record.id,
    status: record.status,
    user_id: record.userId,
    token: record.token,
    url,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  }
}
