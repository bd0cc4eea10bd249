/**
 * Request and response schemas of the Backend API routes (`bapi_2026-05-12.yml`), each declared
 * once. Bodies forbid fields the spec does not list (422 `form_param_unknown`); fields the spec lists
 * and the mock does not model are accepted by the schema and refused by the route with a message
 * that says so (never silently ignored). Query values arrive as strings (no coercion), so numbers
 * and booleans are patterns here and parsed in `query.ts`.
 */
import { Type, type TSchema } from '@sinclair/typebox'
import {
  BapiClientJson,
  BapiSessionJson,
  BapiUserJson,
  DeletedObjectJson,
  ErrorJson,
  HandshakePayloadJson,
  Jwks,
  Nullable,
  PaginatedSessionsJson,
  SESSION_STATUSES,
  SignInTokenJson,
  TestingTokenJson,
  TokenJson,
  TotalCountJson,
} from '../../core/wire.js'
import { MAX_PARAM_LENGTH } from '../schemas.js'

const Opt = Type.Optional
const Param = Type.String({ minLength: 1, maxLength: MAX_PARAM_LENGTH })
const Text = (maxLength = 256) => Type.String({ maxLength })
const Flag = Opt(Nullable(Type.Boolean()))
const Metadata = Type.Record(Type.String(), Type.Unknown())

export const IdParams = Type.Object({ id: Param })
export const TemplateParams = Type.Object({ id: Param, template: Param })

// ---- query strings ---------------------------------------------------------------------------

/** A query value given once (`a=1`) or repeated (`a=1&a=2`); @clerk/backend repeats the key, others write `a[]=`. */
const Many = Opt(Type.Union([Text(512), Type.Array(Text(512), { maxItems: 100 })]))
const Digits = (max: number) => Opt(Type.String({ pattern: `^[0-9]{1,${max}}$` }))
const Bool = Opt(Type.Union([Type.Literal('true'), Type.Literal('false')]))

/** Every list parameter of `GET /v1/users`, also spelt with `[]`. */
export const USER_LIST_PARAMS = ['email_address', 'phone_number', 'external_id', 'username', 'web3_wallet', 'user_id', 'organization_id', 'provider_user_id'] as const

const userFilterFields: Record<string, TSchema> = {
  query: Opt(Text(512)),
  email_address_query: Opt(Text(512)),
  phone_number_query: Opt(Text(512)),
  username_query: Opt(Text(512)),
  name_query: Opt(Text(512)),
  banned: Bool,
  last_active_at_before: Digits(15),
  last_active_at_after: Digits(15),
  last_active_at_since: Digits(15),
  created_at_before: Digits(15),
  created_at_after: Digits(15),
  last_sign_in_at_before: Digits(15),
  last_sign_in_at_after: Digits(15),
  provider: Opt(Text()),
  // Sent by clients written against other versions of the API; meaningless here.
  __clerk_api_version: Opt(Text(32)),
}
for (const name of USER_LIST_PARAMS) {
  userFilterFields[name] = Many
  userFilterFields[`${name}[]`] = Many
}

export const UserCountQuery = Type.Object(userFilterFields, { additionalProperties: false })
export const UserListQuery = Type.Object(
  { ...userFilterFields, limit: Digits(6), offset: Digits(9), order_by: Opt(Text(64)), starting_after: Opt(Text(MAX_PARAM_LENGTH)) },
  { additionalProperties: false },
)

export const SessionListQuery = Type.Object(
  {
    user_id: Opt(Text(MAX_PARAM_LENGTH)),
    client_id: Opt(Text(MAX_PARAM_LENGTH)),
    status: Opt(Type.Union([...SESSION_STATUSES, 'replaced'].map((s) => Type.Literal(s)))),
    paginated: Bool,
    limit: Digits(6),
    offset: Digits(9),
  },
  { additionalProperties: false },
)

export const HandshakePayloadQuery = Type.Object({ nonce: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false })

// ---- bodies ----------------------------------------------------------------------------------

const userProfileFields = {
  external_id: Opt(Nullable(Text())),
  first_name: Opt(Nullable(Text())),
  last_name: Opt(Nullable(Text())),
  locale: Opt(Nullable(Text(32))),
  username: Opt(Nullable(Text(64))),
  // Clerk's limit is 72 bytes (bcrypt); the route answers that with Clerk's own code, so the schema only stops the absurd.
  password: Opt(Nullable(Text(4096))),
  password_digest: Opt(Nullable(Text(4096))),
  password_hasher: Opt(Text(64)),
  skip_password_checks: Flag,
  totp_secret: Opt(Nullable(Text())),
  backup_codes: Opt(Type.Array(Text(), { maxItems: 100 })),
  delete_self_enabled: Flag,
  create_organization_enabled: Flag,
  create_organizations_limit: Opt(Nullable(Type.Integer())),
  legal_accepted_at: Opt(Nullable(Text(64))),
  skip_legal_checks: Flag,
  created_at: Opt(Nullable(Text(64))),
  bypass_client_trust: Flag,
}

export const CreateUserBody = Type.Object(
  {
    ...userProfileFields,
    email_address: Opt(Type.Array(Text(320), { maxItems: 100 })),
    email_address_identification_status: Opt(Type.Array(Type.Union([Type.Literal('verified'), Type.Literal('reserved')]), { maxItems: 100 })),
    phone_number: Opt(Type.Array(Text(64), { maxItems: 100 })),
    phone_number_identification_status: Opt(Type.Array(Type.Union([Type.Literal('verified'), Type.Literal('reserved')]), { maxItems: 100 })),
    web3_wallet: Opt(Type.Array(Text(), { maxItems: 100 })),
    skip_password_requirement: Flag,
    skip_user_requirement: Flag,
    public_metadata: Opt(Metadata),
    private_metadata: Opt(Metadata),
    unsafe_metadata: Opt(Metadata),
    banned: Flag,
    locked: Flag,
  },
  { additionalProperties: false },
)

// As of API version 2026-05-12 the update takes no metadata (that is `/metadata`'s job).
export const UpdateUserBody = Type.Object(
  {
    ...userProfileFields,
    primary_email_address_id: Opt(Nullable(Text(MAX_PARAM_LENGTH))),
    notify_primary_email_address_changed: Flag,
    primary_phone_number_id: Opt(Nullable(Text(MAX_PARAM_LENGTH))),
    primary_web3_wallet_id: Opt(Nullable(Text(MAX_PARAM_LENGTH))),
    profile_image_id: Opt(Nullable(Text(MAX_PARAM_LENGTH))),
    sign_out_of_other_sessions: Flag,
  },
  { additionalProperties: false },
)

export const MetadataBody = Type.Union([
  Type.Object({ public_metadata: Opt(Metadata), private_metadata: Opt(Metadata), unsafe_metadata: Opt(Metadata) }, { additionalProperties: false }),
  Type.Null(),
])

export const CreateSessionBody = Type.Object(
  { user_id: Param, active_organization_id: Opt(Nullable(Text(MAX_PARAM_LENGTH))) },
  { additionalProperties: false },
)

export const SessionTokenBody = Type.Union([
  Type.Object({ expires_in_seconds: Opt(Nullable(Type.Integer({ minimum: 30, maximum: 315_360_000 }))) }, { additionalProperties: false }),
  Type.Null(),
])

/** Ten years: longer than any test runs, short enough that the expiry stays a valid date. */
export const SIGN_IN_TOKEN_MAX_S = 315_360_000

export const CreateSignInTokenBody = Type.Object(
  {
    user_id: Param,
    org_id: Opt(Nullable(Text(MAX_PARAM_LENGTH))),
    expires_in_seconds: Opt(Nullable(Type.Integer({ minimum: 1, maximum: SIGN_IN_TOKEN_MAX_S }))),
  },
  { additionalProperties: false },
)

export const VerifyClientBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: 16_384 }) }, { additionalProperties: false })

/** A body with no parameters (revoke, testing tokens, delete): any field is unknown. */
export const NoBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()])

// ---- answers ---------------------------------------------------------------------------------

const answers = <T extends TSchema>(ok: T) => ({ 200: ok, '4xx': ErrorJson, '5xx': ErrorJson })

export const UserAnswer = answers(BapiUserJson)
export const UserListAnswer = answers(Type.Array(BapiUserJson))
export const CountAnswer = answers(TotalCountJson)
export const DeletedAnswer = answers(DeletedObjectJson)
export const SessionAnswer = answers(BapiSessionJson)
export const SessionListAnswer = answers(Type.Union([PaginatedSessionsJson, Type.Array(BapiSessionJson)]))
export const TokenAnswer = answers(TokenJson)
export const SignInTokenAnswer = answers(SignInTokenJson)
export const TestingTokenAnswer = answers(TestingTokenJson)
export const ClientAnswer = answers(BapiClientJson)
export const HandshakePayloadAnswer = answers(HandshakePayloadJson)
export const JwksAnswer = answers(Jwks)
