/**
 * Messages and test users (REFERENCE §14, §18): `mock.messages` and `GET /__mock/messages` (the
 * codes the mock would have sent, oldest first, bounded, cleared by reset), `mock.createUser` and
 * `POST /__mock/users` (JSON only, errors as 400 control_input_invalid), the environment agreeing
 * with what the mock accepts. Mutations this file was watched failing on are listed at the end.
 */
import t from 'tap'
import { Messages, MAX_MESSAGES } from '../src/core/messages.js'
import { MockClock } from '../src/core/clock.js'
import { ClerkError } from '../src/index.js'
import { assertClerkError } from './helpers/clerk-error.js'
import { specAvailable, specValidator } from './helpers/fapi-spec.js'
import { ADA, T0, mockWith, twoClients } from './helpers/mock.js'

const json = { 'content-type': 'application/json' }

t.test('GET /__mock/messages: the codes the mock would have sent, oldest first; reset() empties it', async (t) => {
  const { mock, call } = mockWith(twoClients())
  t.same((await call('GET', '/__mock/messages')).json, { messages: [] })
  await call('POST', '/v1/client/sign_ins', { body: 'strategy=email_code&identifier=ada%40example.com' })
  mock.clock.advance('1m')
  // A sign-up sends its code at create.
  await call('POST', '/v1/client/sign_ups', { body: 'email_address=new%40example.com&password=long-enough-pw' })
  const res = await call('GET', '/__mock/messages')
  t.equal(res.status, 200)
  t.match(res.json.messages, [
    { id: /^ema_/, to: 'ada@example.com', channel: 'email', code: '424242', kind: 'sign_in_code', user_id: ADA, identification_id: /^idn_/, time: T0 },
    { id: /^ema_/, to: 'new@example.com', channel: 'email', code: '424242', kind: 'sign_up_code', user_id: null, identification_id: null, time: T0 + 60_000 },
  ])
  t.same(mock.messages, res.json.messages, 'the handle gives the same list')
  mock.messages[0].code = 'changed'
  t.equal(mock.messages[0].code, '424242', 'a copy')
  mock.reset()
  t.same(mock.messages, [])
  t.same((await call('GET', '/__mock/messages')).json, { messages: [] })
})

t.test('the message book keeps the last MAX_MESSAGES', async (t) => {
  const seen: string[] = []
  const book = new Messages(new MockClock(T0), (m) => seen.push(m.code))
  for (let i = 0; i < MAX_MESSAGES + 5; i++) book.record({ to: 'a@example.com', channel: 'email', code: String(i), kind: 'sign_in_code', user_id: null, identification_id: null })
  const list = book.list()
  t.equal(list.length, MAX_MESSAGES)
  t.equal(list[0].code, '5', 'the oldest five dropped')
  t.equal(list.at(-1)!.code, String(MAX_MESSAGES + 4))
  t.equal(seen.length, MAX_MESSAGES + 5, 'every message was announced as it was recorded')
  book.clear()
  t.same(book.list(), [])
})

t.test('mock.createUser: a user who signs in; bad input throws a ClerkError naming the field', async (t) => {
  const fixtures = twoClients()
  fixtures.users![1] = { ...fixtures.users![1], phone_number: '+15555550100' }
  const { mock, call } = mockWith(fixtures)
  const user = mock.createUser({ emailAddress: 'new@example.com', password: 'new-password', firstName: 'New', lastName: 'Person', username: 'newbie', phoneNumber: '+15555550199' })
  t.match(user, { object: 'user', first_name: 'New', last_name: 'Person', username: 'newbie', password_enabled: true, email_addresses: [{ email_address: 'new@example.com', verification: { status: 'verified' } }], phone_numbers: [{ phone_number: '+15555550199' }] })
  if (specAvailable()) {
    const valid = specValidator('Client.User')
    t.ok(valid(user), 'a Client.User', { errors: valid.errors?.slice(0, 5) })
  }
  const signIn = await call('POST', '/v1/client/sign_ins', { body: 'strategy=password&identifier=newbie&password=new-password' })
  t.equal(signIn.json.response.status, 'complete', 'signs in by username with the password')
  const byPhone = await call('POST', '/v1/client/sign_ins', { body: 'identifier=%2B15555550199' })
  t.ok(byPhone.json.response.supported_first_factors.some((f: any) => f.strategy === 'phone_code'), 'and has a phone_code factor')

  const refused = (f: () => unknown, code: string, param: string | RegExp) => {
    try {
      f()
      t.fail(`expected ${code}`)
    } catch (e) {
      t.ok(e instanceof ClerkError, 'a ClerkError')
      t.equal((e as ClerkError).code, code)
      t.match((e as ClerkError).meta?.param_name, param)
    }
  }
  refused(() => mock.createUser({ emailAddress: 'NEW@example.com' }), 'form_identifier_exists', 'email_address')
  refused(() => mock.createUser({ emailAddress: 'other@example.com', username: 'NEWBIE' }), 'form_identifier_exists', 'username')
  refused(() => mock.createUser({ emailAddress: 'other@example.com', phoneNumber: '+15555550199' }), 'form_identifier_exists', 'phone_number')
  refused(() => mock.createUser({ emailAddress: 'not-an-email' }), 'form_param_format_invalid', 'emailAddress')
  refused(() => mock.createUser({ emailAddress: 'other@example.com', phoneNumber: '555 0100' }), 'form_param_format_invalid', 'phoneNumber')
  refused(() => mock.createUser({} as any), 'form_param_format_invalid', 'emailAddress')
  refused(() => mock.createUser({ emailAddress: 'other@example.com', password: 'x'.repeat(73) }), 'form_password_size_in_bytes_exceeded', 'password')
  mock.reset()
  t.equal((await call('POST', '/v1/client/sign_ins', { body: 'identifier=newbie' })).json.errors?.[0]?.code, 'form_identifier_not_found', 'reset() removes created users')
})

t.test('a phone number when phone numbers are off: refused with how to turn them on', async (t) => {
  const { mock } = mockWith(twoClients())
  t.throws(() => mock.createUser({ emailAddress: 'new@example.com', phoneNumber: '+15555550199' }), { code: 'form_param_format_invalid', message: /phone numbers are off in this mock's environment.*phone_number/ })
})

t.test('POST /__mock/users: JSON only, the user back, errors as 400 control_input_invalid', async (t) => {
  const { call } = mockWith(twoClients())
  const res = await call('POST', '/__mock/users', { body: { email_address: 'new@example.com', password: 'new-password', first_name: 'New' } })
  t.equal(res.status, 200, 'ok', { body: res.json })
  t.match(res.json.user, { id: /^user_/, first_name: 'New', password_enabled: true, email_addresses: [{ email_address: 'new@example.com' }] })
  t.equal((await call('POST', '/v1/client/sign_ins', { body: 'strategy=password&identifier=new%40example.com&password=new-password' })).json.response.status, 'complete')

  assertClerkError(t, await call('POST', '/__mock/users', { body: { email_address: 'new@example.com' } }), 400, 'control_input_invalid', /form_identifier_exists: new@example.com is already used/, { meta: { param_name: 'email_address' } })
  assertClerkError(t, await call('POST', '/__mock/users', { body: { email_address: 'x@example.com', phone_number: 'nope' } }), 400, 'control_input_invalid', /phone_number must be E\.164/, { meta: { param_name: 'phone_number' } })
  assertClerkError(t, await call('POST', '/__mock/users', { body: { email_address: 'x@example.com', nope: 1 } }), 400, 'control_input_invalid')
  assertClerkError(t, await call('POST', '/__mock/users', { body: {} }), 400, 'control_input_invalid')
  assertClerkError(t, await call('POST', '/__mock/users', { body: 'email_address=x%40example.com' }), 415, 'unsupported_content_type')
  assertClerkError(t, await call('POST', '/__mock/users', { body: '{"email_address":', headers: json }), 400, 'request_body_invalid')
})

t.test('the environment agrees with what the mock accepts', async (t) => {
  const plain = mockWith(twoClients())
  const env = (await plain.call('GET', '/v1/environment')).json
  t.equal(env.user_settings.attributes.phone_number.enabled, false, 'no phone numbers by default')
  t.equal(env.user_settings.attributes.authenticator_app.enabled, false)
  t.same(env.auth_config.second_factors, [])

  const fixtures = twoClients()
  fixtures.users![0] = { ...fixtures.users![0], phone_number: '+15555550100', totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DP', backup_codes: ['b-1'] }
  fixtures.users![1] = { ...fixtures.users![1], phone_number: '+15555550101', sms_second_factor: true }
  const rich = mockWith(fixtures)
  const res = await rich.call('GET', '/v1/environment')
  if (specAvailable()) {
    const valid = specValidator('Client.Environment')
    t.ok(valid(res.json), 'still a Client.Environment', { errors: valid.errors?.slice(0, 5) })
  }
  const a = res.json.user_settings.attributes
  t.match(a.phone_number, { enabled: true, used_for_first_factor: true, first_factors: ['phone_code'], used_for_second_factor: true, second_factors: ['phone_code'] })
  t.match(a.authenticator_app, { enabled: true, used_for_second_factor: true, second_factors: ['totp'] })
  t.match(a.backup_code, { enabled: true, used_for_second_factor: true, second_factors: ['backup_code'] })
  t.same(res.json.auth_config.identification_strategies, ['email_address', 'username', 'phone_number'])
  t.same(res.json.auth_config.second_factors, ['phone_code', 'totp', 'backup_code'])

  // The fixture's own environment wins: the authenticator app switched off again means TOTP is no factor.
  const off = twoClients({ environment: { user_settings: { attributes: { authenticator_app: { enabled: false } } } } })
  off.users![0] = { ...off.users![0], password: 'ada-password', totp_secret: 'JBSWY3DPEHPK3PXPJBSWY3DP' }
  const { call } = mockWith(off)
  t.equal((await call('POST', '/v1/client/sign_ins', { body: 'strategy=password&identifier=ada%40example.com&password=ada-password' })).json.response.status, 'complete', 'no second factor the environment does not offer')
})

/*
 * Mutations watched failing here (each reverted):
 *  - Messages.list() handing out the records themselves: "a copy"
 *  - MAX_MESSAGES bound off by one (splice to length + 1): the book test
 *  - messages.clear() dropped from reset(): the first test
 *  - createTestUser without the phone-environment check: "a phone number when phone numbers are off"
 *  - the 422 → 400 mapping of POST /__mock/users dropped: the control API test (422 answered)
 *  - enable() without the backup_code attribute: the environment test
 *  - instanceAuth ignoring attributes' enabled flag: "the fixture's own environment wins"
 */
