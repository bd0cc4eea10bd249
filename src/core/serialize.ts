/** Domain records → Clerk's JSON (the shapes of `wire.ts`). */
import type { Client, Session, User } from './store.js'
import type { ClientJson, SessionJson, SessionStatus, UserJson } from './wire.js'

/** What serialising needs to know beyond a record; the core answers it (see `MockCore`). */
export interface JsonView {
  user(id: string): User
  status(session: Session): SessionStatus
  factorVerificationAge(session: Session): [number, number]
  userLastActiveAt(userId: string): number | null
  sessionsOf(client: Client): Session[]
  /** The session's `last_active_token`, fresh when it is served (REFERENCE §10). */
  lastActiveToken(session: Session): string | null
}

const DEFAULT_IMAGE = 'https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9'

export function userJson(user: User, lastActiveAt: number | null = null): UserJson {
  return {
    id: user.id,
    object: 'user',
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    image_url: user.imageUrl ?? DEFAULT_IMAGE,
    has_image: user.imageUrl !== null,
    primary_email_address_id: user.emailAddressId,
    primary_phone_number_id: null,
    primary_web3_wallet_id: null,
    password_enabled: true,
    two_factor_enabled: false,
    totp_enabled: false,
    backup_code_enabled: false,
    email_addresses:
      user.emailAddress === null || user.emailAddressId === null
        ? []
        : [
            {
              id: user.emailAddressId,
              object: 'email_address',
              email_address: user.emailAddress,
              reserved: false,
              verification: { object: 'verification_admin', status: 'verified', strategy: 'admin', attempts: null, expire_at: null },
              linked_to: [],
              created_at: user.createdAt,
              updated_at: user.updatedAt,
            },
          ],
    phone_numbers: [],
    web3_wallets: [],
    passkeys: [],
    organization_memberships: [],
    external_accounts: [],
    saml_accounts: [],
    enterprise_accounts: [],
    password_last_updated_at: null,
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
    mfa_enabled_at: null,
    mfa_disabled_at: null,
    legal_accepted_at: null,
  }
}

export function sessionJson(view: JsonView, session: Session): SessionJson {
  const user = view.user(session.userId)
  const token = view.lastActiveToken(session)
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
    user: userJson(user, view.userLastActiveAt(user.id)),
    public_user_data: {
      first_name: user.firstName,
      last_name: user.lastName,
      image_url: user.imageUrl ?? DEFAULT_IMAGE,
      has_image: user.imageUrl !== null,
      identifier: user.emailAddress ?? user.username ?? user.id,
      user_id: user.id,
      username: user.username,
    },
    factor_verification_age: view.factorVerificationAge(session),
    created_at: session.createdAt,
    updated_at: session.updatedAt,
    client_id: session.clientId,
    user_id: session.userId,
  }
}

/** A client; `sessions` overrides the client's own list (DELETE /v1/client answers with sessions already detached). */
export function clientJson(view: JsonView, client: Client, sessions: Session[] = view.sessionsOf(client)): ClientJson {
  return {
    object: 'client',
    id: client.id,
    sessions: sessionsJson(view, sessions),
    sign_in: null,
    sign_up: null,
    last_active_session_id: client.lastActiveSessionId,
    last_authentication_strategy: null,
    cookie_expires_at: null,
    captcha_bypass: false,
    created_at: client.createdAt,
    updated_at: client.updatedAt,
  }
}

export function sessionsJson(view: JsonView, sessions: Session[]): SessionJson[] {
  return sessions.map((s) => sessionJson(view, s))
}
