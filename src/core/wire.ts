/**
 * Clerk's JSON shapes, each declared once. A schema here types `serialize.ts`, serialises the
 * routes' answers and is what the conformance test compares with Clerk's OpenAPI file.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { OrganizationMembershipJson } from './organization-wire.js'
import { Metadata, Ms, Nullable, PublicUserDataJson } from './wire-parts.js'

export { Nullable, PublicUserDataJson }
// Clerk's lists this mock never fills (phone numbers, passkeys, …): always [].
const Empty = Type.Array(Type.Unknown(), { maxItems: 0 })

export const SESSION_STATUSES = ['active', 'pending', 'ended', 'removed', 'revoked', 'expired', 'abandoned'] as const
export type SessionStatus = (typeof SESSION_STATUSES)[number]
export const SessionStatus = Type.Unsafe<SessionStatus>({ type: 'string', enum: [...SESSION_STATUSES] })

export const TokenJson = Type.Object({ object: Type.Literal('token'), jwt: Type.String() })
export type TokenJson = Static<typeof TokenJson>

/** The instance key as a JSON Web Key, as `/.well-known/jwks.json` and `mock.jwks` give it. */
export const Jwk = Type.Object({
  kty: Type.Literal('RSA'),
  use: Type.Literal('sig'),
  alg: Type.Literal('RS256'),
  kid: Type.String(),
  n: Type.String(),
  e: Type.String(),
})
export type Jwk = Static<typeof Jwk>
export const Jwks = Type.Object({ keys: Type.Array(Jwk) })
export type Jwks = Static<typeof Jwks>

export const EmailAddressJson = Type.Object({
  id: Type.String(),
  object: Type.Literal('email_address'),
  email_address: Type.String(),
  reserved: Type.Boolean(),
  verification: Type.Object({
    object: Type.Literal('verification_admin'),
    status: Type.Literal('verified'),
    strategy: Type.Literal('admin'),
    attempts: Type.Null(),
    expire_at: Type.Null(),
  }),
  linked_to: Type.Array(Type.Object({ type: Type.String(), id: Type.String() })),
  created_at: Ms,
  updated_at: Ms,
})

/** One of a user's phone numbers (`Client.PhoneNumber`); like email addresses, every number the mock holds is verified. */
export const PhoneNumberJson = Type.Object({
  id: Type.String(),
  object: Type.Literal('phone_number'),
  phone_number: Type.String(),
  reserved_for_second_factor: Type.Boolean(),
  default_second_factor: Type.Boolean(),
  reserved: Type.Boolean(),
  verification: EmailAddressJson.properties.verification,
  linked_to: Type.Array(Type.Object({ type: Type.String(), id: Type.String() })),
  backup_codes: Type.Null(),
  created_at: Ms,
  updated_at: Ms,
})

/** The user object Clerk embeds in a session: every field `Client.User` requires. */
export const UserJson = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('user'),
    username: Nullable(Type.String()),
    first_name: Nullable(Type.String()),
    last_name: Nullable(Type.String()),
    image_url: Type.String(),
    has_image: Type.Boolean(),
    primary_email_address_id: Nullable(Type.String()),
    primary_phone_number_id: Nullable(Type.String()),
    primary_web3_wallet_id: Type.Null(),
    password_enabled: Type.Boolean(),
    two_factor_enabled: Type.Boolean(),
    totp_enabled: Type.Boolean(),
    backup_code_enabled: Type.Boolean(),
    email_addresses: Type.Array(EmailAddressJson),
    phone_numbers: Type.Array(PhoneNumberJson),
    web3_wallets: Empty,
    passkeys: Empty,
    organization_memberships: Type.Array(OrganizationMembershipJson),
    external_accounts: Empty,
    saml_accounts: Empty,
    enterprise_accounts: Empty,
    password_last_updated_at: Nullable(Ms),
    public_metadata: Metadata,
    unsafe_metadata: Metadata,
    external_id: Nullable(Type.String()),
    last_sign_in_at: Nullable(Ms),
    banned: Type.Boolean(),
    locked: Type.Boolean(),
    lockout_expires_in_seconds: Type.Null(),
    verification_attempts_remaining: Type.Null(),
    created_at: Ms,
    updated_at: Ms,
    delete_self_enabled: Type.Boolean(),
    create_organization_enabled: Type.Boolean(),
    last_active_at: Nullable(Ms),
    mfa_enabled_at: Nullable(Ms),
    mfa_disabled_at: Type.Null(),
    legal_accepted_at: Type.Null(),
  },
)
export type UserJson = Static<typeof UserJson>

export const SessionJson = Type.Object(
  {
    id: Type.String(),
    object: Type.Literal('session'),
    status: SessionStatus,
    expire_at: Ms,
    abandon_at: Ms,
    last_active_at: Ms,
    last_active_organization_id: Nullable(Type.String()),
    last_active_token: Nullable(TokenJson),
    actor: Nullable(Metadata),
    tasks: Nullable(Type.Array(Type.Object({ key: Type.String() }))),
    user: UserJson,
    public_user_data: PublicUserDataJson,
    factor_verification_age: Type.Array(Type.Integer()),
    created_at: Ms,
    updated_at: Ms,
    // Not in Clerk's own answers, but in the seed documentation's session object (the spec allows extras).
    client_id: Type.String(),
    user_id: Type.String(),
  },
)
export type SessionJson = Static<typeof SessionJson>

// ---- sign-in and sign-up attempts (`Client.SignIn`, `Client.SignUp`) ---------------------------------

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

/** The verification strategies the mock runs. */
export const VERIFICATION_STRATEGIES = ['password', 'email_code', 'phone_code', 'reset_password_email_code', 'reset_password_phone_code', 'totp', 'backup_code', 'ticket'] as const
export type VerificationStrategy = (typeof VERIFICATION_STRATEGIES)[number]

/**
 * One verification as Clerk serves it (`Stubs.Verification.Password|OTP|TOTP|BackupCode|Ticket`):
 * `object` names the kind; an OTP's `expire_at` is always set, the others' null.
 */
export const VerificationJson = Type.Object({
  object: Type.Union(['verification_password', 'verification_otp', 'verification_totp', 'verification_backup_code', 'verification_ticket'].map((o) => Type.Literal(o))),
  status: Type.Union(['unverified', 'verified', 'failed', 'expired'].map((o) => Type.Literal(o))),
  strategy: Type.Unsafe<VerificationStrategy>({ type: 'string', enum: [...VERIFICATION_STRATEGIES] }),
  attempts: Nullable(Type.Integer()),
  expire_at: Nullable(Ms),
})
export type VerificationJson = Static<typeof VerificationJson>

/** `Stubs.SignInFactor`: one way the identified user may verify. */
export const SignInFactorJson = Type.Object({
  strategy: Type.Unsafe<VerificationStrategy>({ type: 'string', enum: [...VERIFICATION_STRATEGIES] }),
  safe_identifier: Type.Optional(Type.String()),
  email_address_id: Type.Optional(Type.String()),
  phone_number_id: Type.Optional(Type.String()),
  primary: Type.Optional(Nullable(Type.Boolean())),
  default: Type.Optional(Type.Boolean()),
})
export type SignInFactorJson = Static<typeof SignInFactorJson>

/** `Client.SignIn` of Clerk's OpenAPI file, as far as the mock fills it. */
export const SignInJson = Type.Object({
  object: Type.Literal('sign_in_attempt'),
  id: Type.String(),
  status: Type.Unsafe<SignInStatus>({ type: 'string', enum: [...SIGN_IN_STATUSES] }),
  supported_identifiers: Type.Array(Type.Unsafe<SignInIdentifier>({ type: 'string', enum: [...SIGN_IN_IDENTIFIERS] })),
  supported_first_factors: Nullable(Type.Array(SignInFactorJson)),
  supported_second_factors: Nullable(Type.Array(SignInFactorJson)),
  first_factor_verification: Nullable(VerificationJson),
  second_factor_verification: Nullable(VerificationJson),
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

/** A sign-up's verification of one field: an OTP with what to do next (`Stubs.SignUpVerification.AdditionalFields`). */
export const SignUpVerificationJson = Type.Object({
  ...VerificationJson.properties,
  next_action: Type.Union([Type.Literal('needs_prepare'), Type.Literal('needs_attempt'), Type.Literal('')]),
  supported_strategies: Type.Array(Type.String()),
})
export type SignUpVerificationJson = Static<typeof SignUpVerificationJson>

export const SIGN_UP_STATUSES = ['abandoned', 'missing_requirements', 'complete'] as const
export type SignUpStatus = (typeof SIGN_UP_STATUSES)[number]

/** `Client.SignUp` of Clerk's OpenAPI file. */
export const SignUpJson = Type.Object({
  object: Type.Literal('sign_up_attempt'),
  id: Type.String(),
  status: Type.Unsafe<SignUpStatus>({ type: 'string', enum: [...SIGN_UP_STATUSES] }),
  required_fields: Type.Array(Type.String()),
  optional_fields: Type.Array(Type.String()),
  missing_fields: Type.Array(Type.String()),
  unverified_fields: Type.Array(Type.String()),
  verifications: Type.Object({
    email_address: Nullable(SignUpVerificationJson),
    phone_number: Nullable(SignUpVerificationJson),
    web3_wallet: Type.Null(),
    external_account: Type.Null(),
  }),
  username: Nullable(Type.String()),
  email_address: Nullable(Type.String()),
  phone_number: Nullable(Type.String()),
  web3_wallet: Type.Null(),
  password_enabled: Type.Boolean(),
  first_name: Nullable(Type.String()),
  last_name: Nullable(Type.String()),
  unsafe_metadata: Metadata,
  public_metadata: Metadata,
  custom_action: Type.Boolean(),
  external_id: Type.Null(),
  created_session_id: Nullable(Type.String()),
  created_user_id: Nullable(Type.String()),
  abandon_at: Ms,
  legal_accepted_at: Nullable(Ms),
})
export type SignUpJson = Static<typeof SignUpJson>

export const ClientJson = Type.Object(
  {
    object: Type.Literal('client'),
    id: Type.String(),
    sessions: Type.Array(SessionJson),
    /** The sign-in in progress on this client (a complete one is no longer in progress). */
    sign_in: Nullable(SignInJson),
    sign_up: Nullable(SignUpJson),
    last_active_session_id: Nullable(Type.String()),
    last_authentication_strategy: Nullable(Type.String()),
    cookie_expires_at: Nullable(Ms),
    captcha_bypass: Type.Boolean(),
    created_at: Ms,
    updated_at: Ms,
  },
)
export type ClientJson = Static<typeof ClientJson>

// ---- the Backend API's shapes (bapi_2026-05-12.yml); every one forbids properties it does not list ----

/** The Backend API's user: the Frontend API's fields plus what only a backend may read. */
export const BapiUserJson = Type.Object({
  ...UserJson.properties,
  private_metadata: Metadata,
  locale: Type.Null(),
  bypass_client_trust: Type.Boolean(),
  deprovisioned: Type.Boolean(),
  create_organizations_limit: Type.Null(),
})
export type BapiUserJson = Static<typeof BapiUserJson>

/** The Backend API's session: no embedded user, token or public user data (the spec forbids them). */
export const BapiSessionJson = Type.Object({
  object: Type.Literal('session'),
  id: Type.String(),
  user_id: Type.String(),
  client_id: Type.String(),
  actor: Nullable(Metadata),
  status: SessionStatus,
  last_active_organization_id: Nullable(Type.String()),
  last_active_at: Ms,
  expire_at: Ms,
  abandon_at: Ms,
  updated_at: Ms,
  created_at: Ms,
  tasks: Nullable(Type.Array(Type.Object({ key: Type.String() }))),
})
export type BapiSessionJson = Static<typeof BapiSessionJson>

export const BapiClientJson = Type.Object({
  object: Type.Literal('client'),
  id: Type.String(),
  session_ids: Type.Array(Type.String()),
  sessions: Type.Array(BapiSessionJson),
  sign_in_id: Nullable(Type.String()),
  sign_up_id: Nullable(Type.String()),
  last_active_session_id: Nullable(Type.String()),
  last_authentication_strategy: Nullable(Type.String()),
  updated_at: Ms,
  created_at: Ms,
})
export type BapiClientJson = Static<typeof BapiClientJson>

export const SignInTokenJson = Type.Object({
  object: Type.Literal('sign_in_token'),
  id: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('accepted'), Type.Literal('revoked')]),
  user_id: Type.String(),
  token: Type.String(),
  url: Nullable(Type.String()),
  created_at: Ms,
  updated_at: Ms,
})
export type SignInTokenJson = Static<typeof SignInTokenJson>

export const TestingTokenJson = Type.Object({
  object: Type.Literal('testing_token'),
  token: Type.String(),
  expires_at: Type.Integer({ description: 'epoch seconds' }),
})
export type TestingTokenJson = Static<typeof TestingTokenJson>

export const DeletedObjectJson = Type.Object({ object: Type.String(), id: Type.String(), deleted: Type.Literal(true) })
export type DeletedObjectJson = Static<typeof DeletedObjectJson>

export const TotalCountJson = Type.Object({ object: Type.Literal('total_count'), total_count: Type.Integer() })

/** `GET /v1/sessions?paginated=true`: one page and the count of every match. */
export const PaginatedSessionsJson = Type.Object({ data: Type.Array(BapiSessionJson), total_count: Type.Integer() })

/** `GET /v1/clients/handshake_payload`: the handshake's Set-Cookie strings. */
export const HandshakePayloadJson = Type.Object({ directives: Type.Array(Type.String()) })

/** `{ response, client }`: how Clerk answers client and session requests. */
export const Envelope = <T extends TSchema>(response: T) =>
  Type.Object({ response, client: Nullable(ClientJson) })
export type Envelope<T> = { response: T; client: ClientJson | null }

export const ErrorJson = Type.Object({
  errors: Type.Array(
    Type.Object({
      message: Type.String(),
      long_message: Type.String(),
      code: Type.String(),
      meta: Type.Optional(Metadata),
    }),
  ),
  clerk_trace_id: Type.String(),
})
export type ErrorJson = Static<typeof ErrorJson>
