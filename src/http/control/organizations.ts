/**
 * The control API's organizations (`/__mock/organizations`): what a test in another process needs
 * to set organizations up at run time and look at them, the same core operations as
 * `mock.createOrganization()` and `mock.addOrganizationMember()`.
 * Registered inside the control plugin, so its JSON-only and 400 `control_input_invalid` rules hold.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { known } from './routes.js'

const Id = Type.String({ minLength: 1, maxLength: 256 })
const Role = Type.String({ pattern: '^org:[a-z0-9_-]+$' })
const Member = Type.Object({ user_id: Id, role: Type.Optional(Role) }, { additionalProperties: false })
const Metadata = Type.Record(Type.String(), Type.Unknown())

export const OrganizationBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    slug: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    image_url: Type.Optional(Type.String({ maxLength: 2048 })),
    public_metadata: Type.Optional(Metadata),
    private_metadata: Type.Optional(Metadata),
    max_allowed_memberships: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Becomes the first admin, as the creator does on Clerk. */
    created_by: Type.Optional(Id),
    members: Type.Optional(Type.Array(Member, { maxItems: 1000 })),
  },
  { additionalProperties: false },
)
const OrgParams = Type.Object({ id: Id })

export const controlOrganizationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core
  const schema = <S extends object>(s: S) => ({ attachValidation: true, schema: s })
  const orgs = () => core.organizations.records
  const answer = (orgId: string) => {
    const org = orgs().get(orgId)
    return { organization: orgs().bapiOrganizationJson(org, true), memberships: orgs().membersOf(org.id).map((m) => orgs().bapiMembershipJson(m, core.user(m.userId))) }
  }

  // Every organization with its members, newest first: what a test in another process inspects.
  app.get('/__mock/organizations', async () => ({ organizations: orgs().list().map((o) => answer(o.id)) }))

  app.post('/__mock/organizations', schema({ body: OrganizationBody }), async (request) => {
    const b = request.body
    if (b.created_by !== undefined) known(() => core.user(b.created_by!), 'created_by')
    ;(b.members ?? []).forEach((m, i) => {
      known(() => core.user(m.user_id), `members[${i}].user_id`)
      known(() => orgs().role(m.role ?? 'org:member'), `members[${i}].role`)
    })
    const { organization } = core.organizations.create({
      name: b.name,
      slug: b.slug,
      imageUrl: b.image_url,
      publicMetadata: b.public_metadata,
      privateMetadata: b.private_metadata,
      maxAllowedMemberships: b.max_allowed_memberships,
      createdBy: b.created_by,
      members: (b.members ?? []).map((m) => ({ userId: m.user_id, role: m.role })),
    })
    return answer(organization.id)
  })

  app.post('/__mock/organizations/:id/memberships', schema({ params: OrgParams, body: Member }), async (request) => {
    const org = orgs().lookup(request.params.id)
    known(() => orgs().get(request.params.id), 'id')
    known(() => core.user(request.body.user_id), 'user_id')
    known(() => orgs().role(request.body.role ?? 'org:member'), 'role')
    core.organizations.addMember(org!.id, request.body.user_id, request.body.role)
    return answer(org!.id)
  })
}
