/**
 * Organizations end to end (REFERENCE §16): the real clerk-js (Node) switching organizations with
 * `setActive({ organization })` and creating one; its tokens read by the real @clerk/backend
 * (`authenticateRequest(...).toAuth()`: orgId, orgRole, orgSlug, orgPermissions, `has()`); a role
 * changed or a member removed through the real `clerkClient.organizations.*` is in the next token;
 * touch refusing a non-member's organization with Clerk's error; JWT template shortcodes (the v1
 * `org_*` claims); fixture errors named by JSON path; the control API, the handle and `reset()`;
 * a deleted user's memberships and a deleted organization's sessions; the webhooks, delivered to a
 * real receiver and valid against `webhooks_2025-04-15.yml`.
 *
 * Mutations tried (each went red, then reverted; failing assertions in brackets):
 *  1. organizations.ts encodeOrganizationClaims: `rol` kept its `org:` prefix → the encoding test,
 *     toAuth().orgRole 'org:org:admin' (9; has() alone would pass: @clerk/shared collapses repeated
 *     `org:` prefixes before comparing roles)
 *  2. the fpm bit order reversed (most significant bit for per[0]) → orgPermissions wrong (2)
 *  3. system permissions left in the token → `per` names sys actions, orgPermissions carries org:sys_* (9)
 *  4. mock-core touchSession without assertMember → the non-member touch answers 200, clerk-js's
 *     setActive to a foreign organization resolves (8)
 *  5. organization-ops removeMember without #leave → the session keeps the organization (1; the
 *     clerk-js token test alone stayed green: a token asked for a left organization falls back anyway)
 *  6. mock-core deleteUser without organizations.removeUser → no organizationMembership.deleted (2)
 *  7. organization-ops delete without clearing sessions → last_active_organization_id stays (1)
 *  8. fixtures/organizations.ts: the unknown-role check removed → the fixture loads (1)
 *  9. serialize.ts userJson memberships left [] → clerk-js's setActive({ organization }) finds no
 *     organization (clerk.organization null) (7)
 * 10. organization-ops addMember without its webhook → organizationMembership.created missing (2)
 * 11. resolveTemplate returns the claims untouched → org_id is the literal '{{org.id}}' (7)
 */
import t, { type Test } from 'tap'
import { createClerkClient } from '@clerk/backend'
import { createClerkMock, startClerkMock, type ClerkMock } from '../src/index.js'
import type { Fixture } from '../src/fixtures/schema.js'
import { encodeOrganizationClaims } from '../src/core/organizations.js'
import { __experimental_JWTPayloadToAuthObjectProperties as fromClaims } from '@clerk/shared/jwtPayloadParser'
import { claimsOf, rejection } from './helpers/assertions.js'
import { assertClerkError } from './helpers/clerk-error.js'
import { loadNodeClerk } from './helpers/clerk-node.js'
import { ADA, BOB, SESS_A, SESS_B, mockWith, twoClients } from './helpers/mock.js'
import { startReceiver } from './helpers/webhook-receiver.js'
import { explain, skipWithoutWebhooksSpec, WebhooksSpec } from './helpers/webhooks-spec.js'

const ACME = 'org_acme0000000000000000000000'
const GLOBEX = 'org_globex000000000000000000000'
const APP = 'http://localhost:3000'

/** Ada: Acme's admin (with invoices permissions) and a Globex member; Bob: an Acme billing manager. */
const orgs = (): Partial<Fixture> => ({
  roles: [
    { key: 'org:admin', permissions: ['org:invoices:create', 'org:invoices:read'] },
    { key: 'org:billing_manager', name: 'Billing manager', permissions: ['org:invoices:read', 'org:teams:read', 'org:sys_memberships:read'] },
  ],
  organizations: [
    { id: ACME, name: 'Acme Inc', members: [{ user_id: ADA, role: 'org:admin' }, { user_id: BOB, role: 'org:billing_manager' }] },
    { id: GLOBEX, name: 'Globex', slug: 'globex', public_metadata: { tier: 'gold' }, members: [{ user_id: ADA }] },
  ],
})

/** `@clerk/backend`'s view of a token, as an app's middleware gets it. */
async function authOf(mock: ClerkMock, jwt: string) {
  const backend = createClerkClient({ publishableKey: mock.publishableKey, secretKey: mock.secretKey, apiUrl: mock.apiUrl, jwtKey: mock.publicKeyPem, telemetry: { disabled: true } })
  const state = await backend.authenticateRequest(new Request(`${APP}/api`, { headers: { authorization: `Bearer ${jwt}` } }), { jwtKey: mock.publicKeyPem, authorizedParties: [APP] })
  if (!state.isSignedIn) throw new Error(`not signed in: ${state.message}`)
  return state.toAuth()
}

t.test('the v2 o claim is encoded as Clerk documents it, and @clerk/shared decodes it back', async (t) => {
  // Clerk's documented example: dashboard:read, dashboard:manage, teams:read → fea o:dashboard,o:teams, per manage,read, fpm 3,2.
  const claims = encodeOrganizationClaims({ id: 'org_1', slug: 'one' }, 'org:admin', ['org:sys_profile:manage', 'org:dashboard:read', 'org:dashboard:manage', 'org:teams:read'])
  t.same(claims, { o: { id: 'org_1', rol: 'admin', slg: 'one', per: 'manage,read', fpm: '3,2' }, fea: 'o:dashboard,o:teams' })
  const auth = fromClaims({ v: 2, sub: 'user_1', sid: 'sess_1', ...claims } as any)
  t.equal(auth.orgRole, 'org:admin')
  t.same([...(auth.orgPermissions ?? [])].sort(), ['org:dashboard:manage', 'org:dashboard:read', 'org:teams:read'], 'system permissions are never in a token (Clerk keeps them out)')
  t.same(encodeOrganizationClaims({ id: 'org_1', slug: 'one' }, 'org:member', ['org:sys_memberships:read']), { o: { id: 'org_1', rol: 'member', slg: 'one' } }, 'no custom permission: no per, fpm or fea')
})

t.test('clerk-js in Node: memberships on load, setActive({ organization }), tokens and has() in @clerk/backend', async (t) => {
  const mock = await startClerkMock({ fixtures: twoClients(orgs()), clock: 'system', defaultAzp: APP })
  t.teardown(() => mock.stop())
  const { clientToken } = mock.createSession({ userId: ADA })
  const clerk = await loadNodeClerk(mock, clientToken)
  t.same(clerk.user!.organizationMemberships.map((m) => [m.organization.id, m.role]).sort(), [[ACME, 'org:admin'], [GLOBEX, 'org:member']].sort(), "the user JSON carries Ada's memberships")
  t.equal(clerk.organization, null, 'the personal account at first')

  await clerk.setActive({ organization: ACME })
  t.equal(clerk.organization?.id, ACME, 'clerk.organization is Acme')
  t.equal(clerk.organization?.slug, 'acme-inc', 'its slug derived from the name')
  t.equal(clerk.session?.lastActiveOrganizationId, ACME)
  const jwt = (await clerk.session!.getToken({ skipCache: true }))!
  t.same(claimsOf(jwt).o, { id: ACME, rol: 'admin', slg: 'acme-inc', per: 'create,read', fpm: '3' })
  t.equal(claimsOf(jwt).fea, 'o:invoices')
  const auth = await authOf(mock, jwt)
  t.equal(auth.orgId, ACME)
  t.equal(auth.orgRole, 'org:admin')
  t.equal(auth.orgSlug, 'acme-inc')
  t.same([...(auth.orgPermissions ?? [])].sort(), ['org:invoices:create', 'org:invoices:read'])
  t.equal(auth.has({ role: 'org:admin' }), true, "has({ role: 'org:admin' })")
  t.equal(auth.has({ role: 'org:member' }), false)
  t.equal(auth.has({ permission: 'org:invoices:create' }), true, "has({ permission: 'org:invoices:create' })")
  t.equal(auth.has({ permission: 'org:teams:read' }), false)

  // By slug too, as clerk-js allows.
  await clerk.setActive({ organization: 'globex' })
  t.equal(clerk.organization?.id, GLOBEX)
  const member = await authOf(mock, (await clerk.session!.getToken({ skipCache: true }))!)
  t.equal(member.orgRole, 'org:member')
  t.equal(member.has({ role: 'org:admin' }), false, 'a member is not an admin')
  t.same(member.orgPermissions, [])

  await clerk.setActive({ organization: null })
  t.equal(clerk.organization, null, 'back to the personal account')
  t.equal(claimsOf((await clerk.session!.getToken({ skipCache: true }))!).o, undefined, 'a personal-account token has no o claim')

  const page = await clerk.user!.getOrganizationMemberships()
  t.equal(page.total_count, 2, 'getOrganizationMemberships() pages through /v1/me/organization_memberships')
  t.equal((await clerk.user!.getOrganizationMemberships({ pageSize: 1 })).data.length, 1, 'honouring the page size')
  t.same((await clerk.user!.getOrganizationInvitations()).total_count, 0, 'invitations: an empty page')

  const created = await clerk.createOrganization({ name: 'Initech' })
  t.equal(created.slug, 'initech')
  // The answer's client carries the user with the new membership; clerk-js applies it.
  t.equal(clerk.user!.organizationMemberships.find((m) => m.organization.id === created.id)?.role, 'org:admin', 'the creator is its admin')
  await clerk.setActive({ organization: created.id })
  t.equal(claimsOf((await clerk.session!.getToken({ skipCache: true }))!).o.rol, 'admin')

  // Bob is not a member of Globex: Clerk's 404, and clerk-js keeps the organization it had.
  const bob = await loadNodeClerk(mock, mock.createSession({ userId: BOB }).clientToken)
  const refused = await rejection(bob.setActive({ organization: GLOBEX }))
  t.equal(refused.errors?.[0]?.code, 'organization_not_found_or_unauthorized', 'a non-member is refused with Clerk\'s code')
})

t.test('a role change or a removal through clerkClient.organizations is in the next token', async (t) => {
  const mock = await startClerkMock({ fixtures: twoClients(orgs()), clock: 'system', defaultAzp: APP })
  t.teardown(() => mock.stop())
  const clerkClient = createClerkClient({ apiUrl: mock.apiUrl, secretKey: mock.secretKey })
  const clerk = await loadNodeClerk(mock, mock.createSession({ userId: BOB }).clientToken)
  await clerk.setActive({ organization: ACME })
  const first = await authOf(mock, (await clerk.session!.getToken({ skipCache: true }))!)
  t.equal(first.orgRole, 'org:billing_manager')
  t.same([...(first.orgPermissions ?? [])].sort(), ['org:invoices:read', 'org:teams:read'])

  const updated = await clerkClient.organizations.updateOrganizationMembership({ organizationId: ACME, userId: BOB, role: 'org:admin' })
  t.equal(updated.role, 'org:admin')
  const promoted = await authOf(mock, (await clerk.session!.getToken({ skipCache: true }))!)
  t.equal(promoted.has({ role: 'org:admin' }), true, 'promoted: the next token says admin')

  await clerkClient.organizations.deleteOrganizationMembership({ organizationId: ACME, userId: BOB })
  const after = claimsOf((await clerk.session!.getToken({ skipCache: true }))!)
  t.equal(after.o, undefined, 'removed: the next token has no organization')
  await clerk.session!.reload()
  t.equal(clerk.session!.lastActiveOrganizationId, null, 'and the session fell back to the personal account')
})

t.test("@clerk/backend's clerkClient.organizations and users.getOrganizationMembershipList", async (t) => {
  const mock = await startClerkMock({ fixtures: twoClients(orgs()) })
  t.teardown(() => mock.stop())
  const { organizations, users } = createClerkClient({ apiUrl: mock.apiUrl, secretKey: mock.secretKey })
  const list = await organizations.getOrganizationList({ includeMembersCount: true })
  t.equal(list.totalCount, 2)
  t.same(list.data.map((o) => [o.id, o.membersCount]).sort(), [[ACME, 2], [GLOBEX, 1]].sort())
  t.equal((await organizations.getOrganizationList({ query: 'glob' })).data[0]?.id, GLOBEX, 'query')
  t.equal((await organizations.getOrganization({ slug: 'globex' })).publicMetadata?.tier, 'gold', 'by slug')
  const made = await organizations.createOrganization({ name: 'Hooli', createdBy: BOB, privateMetadata: { seats: 3 } })
  t.equal(made.slug, 'hooli')
  t.equal(made.privateMetadata?.seats, 3)
  const members = await organizations.getOrganizationMembershipList({ organizationId: made.id })
  t.same(members.data.map((m) => [m.publicUserData?.userId, m.role]), [[BOB, 'org:admin']], 'the creator is its admin')
  const added = await organizations.createOrganizationMembership({ organizationId: made.id, userId: ADA, role: 'org:member' })
  t.equal(added.organization.id, made.id)
  t.equal((await organizations.updateOrganization(made.id, { name: 'Hooli XYZ' })).name, 'Hooli XYZ')
  t.equal((await organizations.updateOrganizationMetadata(made.id, { publicMetadata: { a: 1 } })).publicMetadata?.a, 1)
  t.equal((await users.getOrganizationMembershipList({ userId: ADA })).totalCount, 3, "Ada's memberships")
  const err = await rejection(organizations.createOrganizationMembership({ organizationId: made.id, userId: ADA, role: 'org:member' }))
  t.equal(err.errors?.[0]?.code, 'already_a_member_in_organization')
  // Clerk answers a DeletedObject ({ object: 'organization', id, slug, deleted }); the SDK resolves.
  t.equal((await organizations.deleteOrganization(made.id)).id, made.id)
  t.equal((await rejection(organizations.getOrganization({ organizationId: made.id }))).status, 404)
})

t.test("touch refuses an organization the user is not in, with Clerk's error; a token falls back to the personal account", async (t) => {
  const { mock, call } = mockWith(twoClients(orgs()))
  // A signed-out session's own refusal comes first, whatever organization it names.
  const ended = mock.createSession({ userId: BOB }).session.id
  await call('POST', `/v1/client/sessions/${ended}/end`)
  assertClerkError(t, await call('POST', `/v1/client/sessions/${ended}/touch`, { body: `active_organization_id=${GLOBEX}` }), 400, 'invalid_action_for_session')
  const touch = await call('POST', `/v1/client/sessions/${SESS_B}/touch`, { body: `active_organization_id=${GLOBEX}&intent=select_org` })
  assertClerkError(t, touch, 404, 'organization_not_found_or_unauthorized')
  const unknown = await call('POST', `/v1/client/sessions/${SESS_B}/touch`, { body: 'active_organization_id=org_nope' })
  assertClerkError(t, unknown, 404, 'organization_not_found_or_unauthorized')
  t.equal((await call('GET', `/v1/client/sessions/${SESS_B}`)).json.response.last_active_organization_id, null, 'nothing changed')
  // clerk-js sends the organization it last knew with each refresh: a non-member's is a personal-account token (chosen).
  const token = await call('POST', `/v1/client/sessions/${SESS_B}/tokens`, { body: `organization_id=${GLOBEX}` })
  t.equal(token.status, 200)
  t.equal(claimsOf(token.json.jwt).o, undefined, 'a token asked for a foreign organization carries none')
  const ok = await call('POST', `/v1/client/sessions/${SESS_A}/touch`, { body: `active_organization_id=${GLOBEX}` })
  t.equal(ok.status, 200)
  t.equal(ok.json.response.last_active_organization_id, GLOBEX, 'a member may')
  const bapi = await call('POST', '/bapi/v1/sessions', { body: { user_id: BOB, active_organization_id: GLOBEX }, headers: { authorization: 'Bearer sk_test_x' } })
  t.equal(bapi.status, 404, 'the Backend API refuses it too')
})

t.test('JWT templates: the organization shortcodes give the v1 org_* claims', async (t) => {
  const { call } = mockWith(
    twoClients({
      ...orgs(),
      jwt_templates: [{ name: 'v1', claims: { org_id: '{{org.id}}', org_role: '{{org.role}}', org_slug: '{{org.slug}}', org_permissions: '{{org_membership.permissions}}', meta: { tier: '{{org.public_metadata}}' }, other: '{{user.id}}' } }],
    }),
  )
  const personal = claimsOf((await call('POST', `/v1/client/sessions/${SESS_A}/tokens/v1`)).json.jwt)
  t.equal(personal.org_id, null, 'no active organization: null')
  await call('POST', `/v1/client/sessions/${SESS_A}/touch`, { body: `active_organization_id=${ACME}` })
  const claims = claimsOf((await call('POST', `/v1/client/sessions/${SESS_A}/tokens/v1`)).json.jwt)
  t.equal(claims.org_id, ACME)
  t.equal(claims.org_role, 'org:admin')
  t.equal(claims.org_slug, 'acme-inc')
  t.same(claims.org_permissions, ['org:invoices:create', 'org:invoices:read'])
  t.equal(claims.other, '{{user.id}}', 'shortcodes the mock does not know stay as written')
  t.same(fromClaims({ ...claims, v: 1 } as any).orgRole, 'org:admin', '@clerk/shared reads them as v1 claims')
  await call('POST', `/v1/client/sessions/${SESS_A}/touch`, { body: `active_organization_id=${GLOBEX}` })
  t.same(claimsOf((await call('POST', `/v1/client/sessions/${SESS_A}/tokens/v1`)).json.jwt).meta, { tier: { tier: 'gold' } })
})

t.test('fixture errors name the JSON path', async (t) => {
  const load = (extra: Partial<Fixture>) => () => createClerkMock({ fixtures: twoClients(extra) })
  t.throws(load({ organizations: [{ id: ACME, name: 'A', members: [{ user_id: 'user_nobody' }] }] }), { message: /\$\.organizations\[0\]\.members\[0\]\.user_id: no user user_nobody/ })
  t.throws(load({ organizations: [{ id: ACME, name: 'A', members: [{ user_id: ADA, role: 'org:wizard' }] }] }), { message: /\$\.organizations\[0\]\.members\[0\]\.role: no role org:wizard/ })
  t.throws(load({ organizations: [{ id: ACME, name: 'A', members: [{ user_id: ADA }, { user_id: ADA }] }] }), { message: /members\[1\]\.user_id: .* already a member/ })
  t.throws(load({ organizations: [{ id: ACME, name: 'Acme' }, { id: GLOBEX, name: 'ACME' }] }), { message: /\$\.organizations\[1\]\.name: slug acme is already/ })
  t.throws(load({ organizations: [{ id: ACME, name: 'A' }, { id: ACME, name: 'B' }] }), { message: /\$\.organizations\[1\]\.id: duplicate organization id/ })
  t.throws(load({ organizations: [{ id: ACME, name: 'A', slug: 'Not OK' }] }), { message: /\$\.organizations\[0\]\.slug/ })
  t.throws(load({ roles: [{ key: 'org:x', permissions: ['org:sys_nope:read'] }] }), { message: /\$\.roles\[0\]\.permissions\[0\]: org:sys_nope:read is not one of Clerk's system permissions/ })
  t.throws(load({ roles: [{ key: 'org:x', permissions: ['invoices:read'] }] }), { message: /\$\.roles\[0\]\.permissions\[0\]/ })
  t.throws(load({ roles: [{ key: 'org:x', permissions: [] }, { key: 'org:x', permissions: [] }] }), { message: /\$\.roles\[1\]\.key: duplicate role/ })
  t.throws(load({ organizations: [{ id: ACME, name: 'A', max_allowed_memberships: 1, members: [{ user_id: ADA }, { user_id: BOB }] }] }), { message: /\$\.organizations\[0\]\.members: 2 members/ })
  t.throws(() => createClerkMock({ fixtures: { users: [{ id: ADA }], clients: [{ id: 'client_1', sessions: [{ id: 'sess_1', user_id: ADA, last_active_organization_id: ACME }] }], organizations: [{ id: ACME, name: 'A' }] } }), {
    message: /\$\.clients\[0\]\.sessions\[0\]\.last_active_organization_id: user_ada\w+ is not a member of org_acme/,
  })
  t.throws(() => createClerkMock({ fixtures: { sessions: [{ id: 'sess_1', client_id: 'client_1', user_id: ADA, last_active_organization_id: 'org_nope' }] } }), { message: /\$\.sessions\[0\]\.last_active_organization_id: no organization org_nope/ })
  // A seeded session with its organization active: its first token says so.
  const { call } = mockWith({ ...twoClients(orgs()), clients: [{ id: 'client_1', sessions: [{ id: 'sess_1', user_id: ADA, last_active_organization_id: ACME }] }] })
  t.equal(claimsOf((await call('POST', '/v1/client/sessions/sess_1/tokens')).json.jwt).o.id, ACME)
})

t.test('deleting a user removes their memberships; deleting an organization clears it from sessions', async (t) => {
  const { mock, call } = mockWith(twoClients(orgs()))
  const key = { authorization: 'Bearer sk_test_x' }
  await call('POST', `/v1/client/sessions/${SESS_B}/touch`, { body: `active_organization_id=${ACME}` })
  await call('DELETE', `/bapi/v1/users/${BOB}`, { headers: key })
  const members = await call('GET', `/bapi/v1/organizations/${ACME}/memberships`, { headers: key })
  t.same(members.json.data.map((m: any) => m.public_user_data.user_id), [ADA], "Bob's membership went with him")
  // A member removed: the session itself falls back (read without minting a token, which would fall back anyway).
  await call('POST', `/v1/client/sessions/${SESS_A}/touch`, { body: `active_organization_id=${GLOBEX}` })
  t.equal((await call('DELETE', `/bapi/v1/organizations/${GLOBEX}/memberships/${ADA}`, { headers: key })).status, 200)
  t.equal((await call('GET', `/bapi/v1/sessions/${SESS_A}`, { headers: key })).json.last_active_organization_id, null, 'removed from Globex: the session left it')
  await call('POST', `/v1/client/sessions/${SESS_A}/touch`, { body: `active_organization_id=${ACME}` })
  t.equal((await call('DELETE', `/bapi/v1/organizations/${ACME}`, { headers: key })).status, 200)
  t.equal((await call('GET', `/v1/client/sessions/${SESS_A}`)).json.response.last_active_organization_id, null, "Ada's session fell back to her personal account")
  t.equal(claimsOf((await call('POST', `/v1/client/sessions/${SESS_A}/tokens`)).json.jwt).o, undefined)
  t.same((await call('GET', `/v1/me/organization_memberships?paginated=true&_clerk_session_id=${SESS_A}`)).json.response, { data: [], total_count: 0 }, 'Ada is in no organization now')
  mock.reset()
  t.equal((await call('GET', `/bapi/v1/organizations?include_members_count=true`, { headers: key })).json.total_count, 2, 'reset() restores the fixture organizations')
  t.equal((await call('GET', `/bapi/v1/organizations/${ACME}?include_members_count=true`, { headers: key })).json.members_count, 2, 'and their members')
})

t.test('the handle and the control API create organizations at run time; reset() forgets them', async (t) => {
  const { mock, call } = mockWith(twoClients())
  const { organization, memberships } = mock.createOrganization({ name: 'Acme', members: [{ userId: ADA, role: 'org:admin' }, { userId: BOB }] })
  t.equal(organization.slug, 'acme')
  t.same(memberships.map((m) => [m.public_user_data.user_id, m.role]), [[ADA, 'org:admin'], [BOB, 'org:member']])
  t.throws(() => mock.createOrganization({ name: 'X', members: [{ userId: 'user_nobody' }] }), { code: 'resource_not_found' }, 'an unknown user throws')
  t.throws(() => mock.addOrganizationMember({ organizationId: organization.id, userId: ADA }), { code: 'already_a_member_in_organization' })
  const ctl = await call('POST', '/__mock/organizations', { body: { name: 'Globex', slug: 'globex', created_by: BOB, members: [{ user_id: ADA, role: 'org:member' }] } })
  t.equal(ctl.status, 200)
  t.same(ctl.json.memberships.map((m: any) => [m.public_user_data.user_id, m.role]), [[BOB, 'org:admin'], [ADA, 'org:member']], 'the creator is its admin')
  assertClerkError(t, await call('POST', '/__mock/organizations', { body: { name: 'Y', members: [{ user_id: 'user_nobody' }] } }), 400, 'control_input_invalid')
  assertClerkError(t, await call('POST', '/__mock/organizations', { body: { name: 'Y', colour: 'red' } }), 400, 'control_input_invalid')
  const joined = await call('POST', `/__mock/organizations/${organization.id}/memberships`, { body: { user_id: 'user_nobody' } })
  assertClerkError(t, joined, 400, 'control_input_invalid')
  const listed = await call('GET', '/__mock/organizations')
  t.same(listed.json.organizations.map((o: any) => [o.organization.name, o.organization.members_count]), [['Globex', 2], ['Acme', 2]], 'GET /__mock/organizations: newest first, with members')
  // Bob's clerk-js session sees the new organization at once.
  await call('POST', `/v1/client/sessions/${SESS_B}/touch`, { body: `active_organization_id=${ctl.json.organization.id}` })
  t.equal(claimsOf((await call('POST', `/v1/client/sessions/${SESS_B}/tokens`)).json.jwt).o.rol, 'admin')
  mock.reset()
  t.same((await call('GET', `/v1/me/organization_memberships?paginated=true&_clerk_session_id=${SESS_A}`)).json.response, { data: [], total_count: 0 }, 'reset() back to no organizations')
})

t.test('organization and membership webhooks, from every face, valid against the webhooks description', { skip: skipWithoutWebhooksSpec() }, async (t: Test) => {
  const spec = new WebhooksSpec()
  const receiver = await startReceiver()
  t.teardown(() => receiver.close())
  const mock = createClerkMock({ fixtures: twoClients(orgs()), webhooks: [{ url: receiver.url, events: ['organization.*', 'organizationMembership.*'] }] })
  t.teardown(() => mock.stop())
  const inject = (method: string, url: string, body?: object | string) =>
    mock.inject({ method: method as 'GET', url, headers: { authorization: 'Bearer sk_test_x', ...(typeof body === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : body ? { 'content-type': 'application/json' } : {}) }, payload: typeof body === 'string' ? body : body && JSON.stringify(body) })
  const created = JSON.parse((await inject('POST', `/v1/organizations?_clerk_session_id=${SESS_A}`, 'name=Initech')).body).response // FAPI
  await inject('PATCH', `/bapi/v1/organizations/${created.id}`, { name: 'Initech 2' }) // BAPI
  mock.addOrganizationMember({ organizationId: created.id, userId: BOB }) // handle
  await inject('PATCH', `/bapi/v1/organizations/${created.id}/memberships/${BOB}`, { role: 'org:billing_manager' })
  await inject('DELETE', `/bapi/v1/organizations/${created.id}/memberships/${BOB}`)
  await inject('DELETE', `/bapi/v1/users/${BOB}`) // Bob's Acme membership goes with him
  await inject('DELETE', `/bapi/v1/organizations/${created.id}`)
  await mock.webhooks.settled()
  const events = receiver.received.map((r) => JSON.parse(r.body))
  t.same(
    events.map((e) => e.type),
    [
      'organization.created',
      'organizationMembership.created',
      'organization.updated',
      'organizationMembership.created',
      'organizationMembership.updated',
      'organizationMembership.deleted',
      'organizationMembership.deleted',
      'organization.deleted',
    ],
    'one event per transition, in order',
  )
  for (const e of events) {
    const validate = spec.event(e.type)
    t.ok(validate(e), `${e.type}: ${explain(validate.errors)}`)
  }
  t.equal(events[1].data.role, 'org:admin', 'the creator joins as admin')
  t.equal(events[6].data.organization.id, ACME, "the deleted user's Acme membership")
  t.same(events[7].data, { object: 'organization', id: created.id, slug: 'initech', deleted: true })
})
