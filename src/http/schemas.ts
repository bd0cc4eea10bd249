/** Request and response schemas of the HTTP routes, built from the wire shapes of `core/wire.ts`. */
import { Type } from '@sinclair/typebox'
import { ClientJson, Envelope, ErrorJson, Nullable, SessionJson, TokenJson } from '../core/wire.js'

/** The longest path parameter (an id, a template name) the router accepts; longer is a 404 before any route. */
export const MAX_PARAM_LENGTH = 256
const Param = Type.String({ minLength: 1, maxLength: MAX_PARAM_LENGTH })

export const SessionParams = Type.Object({ id: Param })
export const TemplateParams = Type.Object({ id: Param, template: Param })

/** The query parameters clerk-js sends; accepted (and ignored unless they mean something here). */
export const ClerkQuery = Type.Object(
  {
    __clerk_api_version: Type.Optional(Type.String()),
    _clerk_js_version: Type.Optional(Type.String()),
    _clerk_session_id: Type.Optional(Type.String()),
    _clerk_retry_attempt: Type.Optional(Type.String()),
    rotating_token_nonce: Type.Optional(Type.String()),
    debug: Type.Optional(Type.String()),
    expired_token: Type.Optional(Type.String()),
    _is_native: Type.Optional(Type.String()),
    __clerk_db_jwt: Type.Optional(Type.String()),
    _method: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
)

/**
 * A body the mock does not read: clerk-js sends an empty form, and the fields real Clerk might take
 * there mean nothing to the mock (`/v1/environment`, `/v1/dev_browser`).
 */
export const AnyBody = Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()])

/** A body with no parameters (end, remove, revoke, client create): any field is unknown. */
export const EmptyBody = Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()])

export const TouchBody = Type.Union([
  Type.Object(
    {
      active_organization_id: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
      intent: Type.Optional(Nullable(Type.Union([Type.Literal('focus'), Type.Literal('select_session'), Type.Literal('select_org')]))),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
])

// clerk-js 6.40 in a browser also sends `tab_state` (focused/visible/hidden), and `token` +
// `force_origin` when the environment names a session minter; accepted, and meaningless here.
export const TokenBody = Type.Union([
  Type.Object(
    {
      organization_id: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
      tab_state: Type.Optional(Type.String({ maxLength: 32 })),
      token: Type.Optional(Type.String({ maxLength: 16_384 })),
      force_origin: Type.Optional(Type.String({ maxLength: 8 })),
    },
    { additionalProperties: false },
  ),
  Type.Null(),
])

const errorResponses = { '4xx': ErrorJson, '5xx': ErrorJson }

export const SessionEnvelope = { 200: Envelope(SessionJson), ...errorResponses }
export const ClientEnvelope = { 200: Envelope(Nullable(ClientJson)), ...errorResponses }
export const TokenResponse = { 200: TokenJson, ...errorResponses }
export const SessionList = { 200: Type.Array(SessionJson), ...errorResponses }
