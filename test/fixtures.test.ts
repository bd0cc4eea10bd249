/** Fixture loading: the shipped default, the seed's example, every kind of error, and the JSON Schema file. */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { FixtureError, loadSeed } from '../src/fixtures/load.js'
import { Fixture } from '../src/fixtures/schema.js'
import { createClerkMock } from '../src/index.js'

const SEED_EXAMPLE = new URL('./fixtures/seed-example.json', import.meta.url).pathname

t.test('the shipped default fixture loads with active, ended and expired sessions, one client with several', async (t) => {
  const mock = createClerkMock()
  const state = loadSeed(new URL('../fixtures/default.json', import.meta.url).pathname)
  t.ok(state.users.length >= 3, 'several users')
  const perClient = new Map<string, number>()
  for (const s of state.sessions) perClient.set(s.clientId, (perClient.get(s.clientId) ?? 0) + 1)
  t.ok([...perClient.values()].some((n) => n >= 3), 'a client with several sessions')
  const statuses = new Set<string>()
  for (const s of state.sessions) {
    const res = await mock.inject({ method: 'GET', url: `/v1/client/sessions/${s.id}` })
    t.equal(res.statusCode, 200)
    statuses.add(res.json().response.status)
  }
  t.same([...statuses].sort(), ['active', 'ended', 'expired'])
})

t.test("the seed documentation's example session loads as written", async (t) => {
  const mock = createClerkMock({ fixtures: SEED_EXAMPLE })
  const res = await mock.inject({ method: 'GET', url: '/v1/client/sessions/sess_1q8uCbeJSMgTJnTQMgpAK1Ff0ER' })
  t.equal(res.statusCode, 200)
  const { response, client } = res.json()
  t.equal(response.status, 'active')
  t.equal(response.last_active_at, 1616473411000, 'seconds become milliseconds')
  t.equal(response.expire_at, 1617078211000)
  t.equal(response.abandon_at, 1619065411000)
  t.equal(response.client_id, 'client_1q8sn8pLHjqTU2g1UheJwJ7YWU6')
  t.equal(response.user_id, 'user_1n5BS00ns3t21GWIXiPJ0KcSe02')
  t.equal(client.id, 'client_1q8sn8pLHjqTU2g1UheJwJ7YWU6', 'its client was created')
  t.equal(response.user.first_name, 'Test', 'a placeholder profile for an unlisted user')
  t.equal(mock.clock.now(), Date.parse('2021-03-23T04:23:31Z'))
  // the seed's three endpoints: end keeps it on the client, remove makes it disappear
  const end = await mock.inject({ method: 'POST', url: '/v1/client/sessions/sess_1q8uCbeJSMgTJnTQMgpAK1Ff0ER/end' })
  t.equal(end.json().response.status, 'ended')
  t.same(end.json().client.sessions.map((s: any) => s.status), ['ended'])
  const remove = await mock.inject({ method: 'POST', url: '/v1/client/sessions/sess_1q8uCbeJSMgTJnTQMgpAK1Ff0ER/remove' })
  t.equal(remove.json().response.status, 'removed')
  t.same(remove.json().client.sessions, [])
  const gone = await mock.inject({ method: 'GET', url: '/v1/client/sessions/sess_1q8uCbeJSMgTJnTQMgpAK1Ff0ER' })
  t.equal(gone.statusCode, 404)
})

t.test('times: ISO, ms, seconds, offsets from the clock start; the clock option wins', async (t) => {
  const seed = loadSeed(
    {
      clock: '2030-01-01T00:00:00Z',
      sessions: [
        { id: 'sess_1', client_id: 'client_1', user_id: 'user_1', created_at: '-2h', last_active_at: '2029-12-31T23:30:00Z', expire_at: 1893456000000 + 3600_000, abandon_at: 1893456000 + 7200 },
      ],
    },
  )
  const s = seed.sessions[0]
  const t0 = Date.parse('2030-01-01T00:00:00Z')
  t.equal(s.createdAt, t0 - 7200_000)
  t.equal(s.lastActiveAt, t0 - 1800_000)
  t.equal(s.expireAt, t0 + 3600_000)
  t.equal(s.abandonAt, t0 + 7200_000)
  const overridden = createClerkMock({ fixtures: { clock: '2030-01-01T00:00:00Z' }, clock: '2040-01-01T00:00:00Z' })
  t.equal(overridden.clock.now(), Date.parse('2040-01-01T00:00:00Z'))
})

t.test('explicit expired/abandoned statuses and omitted times follow the creation rule', async (t) => {
  const seed = loadSeed({
    clock: 1_900_000_000_000,
    settings: { session_lifetime: '1d' },
    sessions: [
      { id: 'sess_x', client_id: 'client_1', user_id: 'user_1', status: 'expired' },
      { id: 'sess_y', client_id: 'client_1', user_id: 'user_1' },
    ],
  })
  t.equal(seed.sessions[0].expireAt, 1_900_000_000_000)
  t.equal(seed.sessions[1].expireAt, 1_900_000_000_000 + 86_400_000)
  t.equal(seed.sessions[1].abandonAt, 1_900_000_000_000 + 30 * 86_400_000)
})

const bad: [string, unknown, RegExp][] = [
  ['unknown top-level key', { sesions: [] }, /^\(fixtures object\): \$\.sesions: Unexpected property/],
  ['wrong type', { users: {} }, /\$\.users: Expected array/],
  ['bad user id', { users: [{ id: 'ada' }] }, /\$\.users\[0\]\.id: Expected string to match/],
  ['bad status', { sessions: [{ id: 'sess_1', client_id: 'client_1', user_id: 'user_1', status: 'sleeping' }] }, /\$\.sessions\[0\]\.status/],
  ['unknown session key', { clients: [{ id: 'client_1', sessions: [{ id: 'sess_1', user_id: 'user_1', colour: 'red' }] }] }, /\$\.clients\[0\]\.sessions\[0\]\.colour: Unexpected property/],
  ['duplicate user', { users: [{ id: 'user_1' }, { id: 'user_1' }] }, /\$\.users\[1\]\.id: duplicate user id user_1/],
  ['duplicate client', { clients: [{ id: 'client_1' }, { id: 'client_1' }] }, /\$\.clients\[1\]\.id: duplicate client id/],
  [
    'duplicate session across lists',
    { users: [{ id: 'user_1' }], clients: [{ id: 'client_1', sessions: [{ id: 'sess_1', user_id: 'user_1' }] }], sessions: [{ id: 'sess_1', client_id: 'client_2', user_id: 'user_1' }] },
    /\$\.sessions\[0\]\.id: duplicate session id sess_1/,
  ],
  ['dangling user', { clients: [{ id: 'client_1', sessions: [{ id: 'sess_1', user_id: 'user_nobody' }] }] }, /\$\.clients\[0\]\.sessions\[0\]\.user_id: no user user_nobody/],
  ['bad time', { sessions: [{ id: 'sess_1', client_id: 'client_1', user_id: 'user_1', expire_at: 'next tuesday' }] }, /\$\.sessions\[0\]\.expire_at: .*is not a time/],
  ['bad clock', { clock: 'whenever' }, /\$\.clock: .*is not a time/],
  ['bad duration', { settings: { session_lifetime: '7 days' } }, /\$\.settings\.session_lifetime/],
  ['duplicate template', { jwt_templates: [{ name: 'a' }, { name: 'a' }] }, /\$\.jwt_templates\[1\]\.name: duplicate JWT template/],
  ['not an object', [1, 2], /\(root\): Expected object/],
  ['verification_code neither test nor random', { settings: { verification_code: '123456' } }, /\$\.settings\.verification_code: .*\(got "123456"\)/],
  ['a phone number not in E.164', { users: [{ id: 'user_1', phone_number: '555-0100' }] }, /\$\.users\[0\]\.phone_number/],
  ['a TOTP secret not base32', { users: [{ id: 'user_1', totp_secret: 'not base32 at all!' }] }, /\$\.users\[0\]\.totp_secret/],
  ['an SMS second factor without a phone number', { users: [{ id: 'user_1', sms_second_factor: true }] }, /\$\.users\[0\]\.sms_second_factor: needs a phone_number/],
  ['a phone number two users share', { users: [{ id: 'user_1', phone_number: '+15555550100' }, { id: 'user_2', phone_numbers: ['+15555550100'] }] }, /\$\.users\[1\]\.phone_number: \+15555550100 is already the phone_number of \$\.users\[0\]/],
  ['an email address two users share', { users: [{ id: 'user_1', email_address: 'a@example.com' }, { id: 'user_2', email_addresses: ['A@example.com'] }] }, /\$\.users\[1\]\.email_address: A@example.com is already/],
  ['an address listed twice for one user', { users: [{ id: 'user_1', email_address: 'a@example.com', email_addresses: ['a@example.com'] }] }, /\$\.users\[0\]: a@example.com is listed twice/],
]
for (const [name, fixture, message] of bad) {
  t.test(`fixture error: ${name}`, async (t) => {
    t.throws(() => loadSeed(fixture as object), message)
    try {
      createClerkMock({ fixtures: fixture as never })
      t.fail('should not load')
    } catch (e) {
      t.type(e, FixtureError)
    }
  })
}

t.test('file errors name the file', async (t) => {
  t.throws(() => loadSeed('/nonexistent/fixture.json'), /^\/nonexistent\/fixture\.json: \(root\): cannot read the file \(ENOENT\)/)
  const dir = t.testdir({ 'broken.json': '{"users": [', 'bad.json': JSON.stringify({ users: [{ id: 'nope' }] }) })
  t.throws(() => loadSeed(`${dir}/broken.json`), /broken\.json: \(root\): invalid JSON/)
  t.throws(() => loadSeed(`${dir}/bad.json`), /bad\.json: \$\.users\[0\]\.id/)
})

// Mutations watched failing here: Store.fromSeed sharing the seed's backupCodes array (the code is
// gone after reset()); the load check of sms_second_factor without a phone number dropped.
t.test('users with passwords, phone numbers, several addresses, TOTP and backup codes; settings.verification_code', async (t) => {
  const seed = loadSeed({
    settings: { verification_code: 'random' },
    users: [
      {
        id: 'user_1',
        email_address: 'a@example.com',
        email_addresses: ['a@work.example'],
        phone_number: '+15555550100',
        phone_numbers: ['+15555550101'],
        sms_second_factor: true,
        password: 'pw',
        totp_secret: 'jbswy3dpehpk3pxpjbswy3dp',
        backup_codes: ['b-1'],
      },
      { id: 'user_2' },
    ],
  })
  t.equal(seed.verificationCode, 'random')
  t.equal(loadSeed({}).verificationCode, 'test', "Clerk's test code by default")
  const [u, plain] = seed.users
  t.same(u.emailAddresses.map((e) => [e.id, e.emailAddress]), [['idn_1', 'a@example.com'], ['idn_1e1', 'a@work.example']], 'the primary address keeps the id it always had')
  t.equal(u.primaryEmailAddressId, 'idn_1')
  t.same(u.phoneNumbers.map((p) => [p.id, p.phoneNumber, p.secondFactor]), [['idn_1p0', '+15555550100', true], ['idn_1p1', '+15555550101', false]])
  t.equal(u.primaryPhoneNumberId, 'idn_1p0')
  t.equal(u.totpSecret, 'JBSWY3DPEHPK3PXPJBSWY3DP', 'base32 upper-cased')
  t.same(u.backupCodes, ['b-1'])
  t.type(u.mfaEnabledAt, 'number')
  t.match(plain, { phoneNumbers: [], primaryPhoneNumberId: null, totpSecret: null, backupCodes: [], mfaEnabledAt: null })
  // reset() hands the store copies: a spent backup code comes back.
  // A frozen clock: reset() then reuses the seed itself (a running one rebuilds it from the fixture).
  const mock = createClerkMock({ fixtures: { clock: '2030-01-01T00:00:00Z', users: [{ id: 'user_1', email_address: 'a@example.com', password: 'pw', backup_codes: ['b-1'] }] } })
  const signIn = (await mock.inject({ method: 'POST', url: '/v1/client/sign_ins', payload: 'strategy=password&identifier=a%40example.com&password=pw', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json().response
  t.equal(signIn.status, 'needs_second_factor')
  const attempt = () => mock.inject({ method: 'POST', url: `/v1/client/sign_ins/${signIn.id}/attempt_second_factor`, payload: 'strategy=backup_code&code=b-1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal((await attempt()).statusCode, 200)
  mock.reset()
  const again = (await mock.inject({ method: 'POST', url: '/v1/client/sign_ins', payload: 'strategy=password&identifier=a%40example.com&password=pw', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).json().response
  const second = await mock.inject({ method: 'POST', url: `/v1/client/sign_ins/${again.id}/attempt_second_factor`, payload: 'strategy=backup_code&code=b-1', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal(second.json().response.status, 'complete', 'the seeded backup code works again after reset()')
})

t.test('fixtures/schema.json is the TypeBox schema, written out', async (t) => {
  const file = JSON.parse(readFileSync(new URL('../fixtures/schema.json', import.meta.url), 'utf8'))
  t.same(file, JSON.parse(JSON.stringify(Fixture)), 'run `npm run schema` after changing src/fixtures/schema.ts')
})

t.test('the clock option and clock key: errors name their source; seconds-sized numbers are refused', async (t) => {
  try {
    createClerkMock({ clock: 'nope' })
    t.fail('a bad clock option throws')
  } catch (e) {
    t.ok(e instanceof RangeError, 'a TimeInputError is a RangeError')
  }
  t.throws(() => createClerkMock({ clock: 'nope' }), { name: 'TimeInputError', param: 'the clock option', message: /^the clock option: "nope" is not a time/ })
  t.throws(() => loadSeed({ clock: 1616473411 }), /\$\.clock: 1616473411 looks like epoch seconds/)
  t.throws(() => loadSeed({}, 1616473411), /the clock option: 1616473411 looks like epoch seconds/)
  t.throws(() => loadSeed({ clock: '2030-01-01T00:00:00Z', sessions: [{ id: 'sess_1', client_id: 'client_1', user_id: 'user_1', expire_at: 1e300 }] }), /\$\.sessions\[0\]\.expire_at: .*is not a time/)
})

t.test('reset with a system clock resolves the seed offsets again from the new now', async (t) => {
  const mock = createClerkMock({ fixtures: { clock: 'system', sessions: [{ id: 'sess_1', client_id: 'client_1', user_id: 'user_1', created_at: '-1h' }] } })
  const before = (await mock.inject({ method: 'GET', url: '/v1/client/sessions/sess_1' })).json().response
  t.ok(Math.abs(before.created_at - (mock.clock.now() - 3_600_000)) < 5_000)
  mock.clock.advance('3d')
  mock.reset()
  const after = (await mock.inject({ method: 'GET', url: '/v1/client/sessions/sess_1' })).json().response
  t.ok(Math.abs(after.created_at - (mock.clock.now() - 3_600_000)) < 5_000, 'created an hour before the new now, not three days and an hour')
  t.equal(after.status, 'active')
})
