/**
 * The pieces every JSON shape is built from, apart so that `wire.ts` and `organization-wire.ts`
 * (which `wire.ts` imports for the user's memberships) can share them without an import cycle.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'

/** A value or null. */
export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
export const Ms = Type.Integer({ description: 'epoch milliseconds' })
export const Metadata = Type.Record(Type.String(), Type.Unknown())

/** `Client.PublicUserData`: who a session or a membership belongs to, as others may see it. */
export const PublicUserDataJson = Type.Object({
  first_name: Nullable(Type.String()),
  last_name: Nullable(Type.String()),
  image_url: Type.String(),
  has_image: Type.Boolean(),
  identifier: Type.String(),
  user_id: Type.String(),
  username: Nullable(Type.String()),
})
export type PublicUserDataJson = Static<typeof PublicUserDataJson>
