/**
 * Every sign-in and sign-up flow of REFERENCE §14 through the real clerk-js (6.40, plain Node) against
 * a running mock: its own `signIn`/`signUp` resources send the form fields and paths, the mock runs
 * Clerk's state machine, and the session it creates gives a token the real @clerk/backend verifies.
 * Mutations this file was watched failing on are listed at the end.
 */
import t from 'tap'
import type { Test } from 'tap'
import { verifyToken } from '@clerk/backend'
import { TOTP, Secret } from 'otpauth'
import { startClerkMock, type ClerkMock, type Fixture } from '../../src/index.js'
import { loadNodeClerk, type ClerkInstance } from '../helpers/clerk-node.js'

const ADA = 'user_ada000000000000000000000000'
const CAROL = 'user_carol0000000000000000000000'
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DP'

const fixture = (settings: Fixture['settings'] = {}): Fixture => ({
  settings,
  users: [
    { id: ADA, first_name: 'Ada', last_name: 'Lovelace', email_address: 'ada@example.com', password: 'ada-password', phone_number: '+15555550100' },
    { id: CAROL, first_name: 'Carol', email_address: 'carol@example.com', password: 'carol-password', totp_secret: TOTP_SECRET, backup_codes: ['backup-1', 'backup-2'] },
  ],
})

let mock: ClerkMock
let random: ClerkMock
t.before(async () => {
  // The real clock: @clerk/backend checks the token's times against it.
  mock = await startClerkMock({ fixtures: fixture(), defaultAzp: 'http://localhost:3000' })
  random = await startClerkMock({ fixtures: fixture({ verification_code: 'random' }) })
})
t.teardown(async () => {
  await mock.stop()
  await random.stop()
})
t.beforeEach(() => {
  mock.reset()
  random.reset()
})

/** A signed-out clerk-js with no client: the first sign-in step gets one. */
const fresh = (m: ClerkMock = mock) => loadNodeClerk(m)

async function activate(t: Test, clerk: ClerkInstance, sessionId: string | null, userId: string) {
  t.match(sessionId, /^sess_/, 'a created session')
  await clerk.setActive({ session: sessionId })
  t.equal(clerk.user?.id, userId)
  const jwt = (await clerk.session!.getToken({ skipCache: true }))!
  const claims = await verifyToken(jwt, { jwtKey: mock.publicKeyPem })
  t.equal(claims.sub, userId, '@clerk/backend verifies the session token')
}

/** The Clerk error code a clerk-js call fails with ('resolved' when it does not). */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (e: any) {
    return `${e?.status} ${e?.errors?.[0]?.code}`
  }
}

t.test('password, two steps as <SignIn/> takes them: identifier, then attemptFirstFactor', async (t) => {
  const clerk = await fresh()
  const signIn = await clerk.client!.signIn.create({ identifier: 'ada@example.com' })
  t.equal(signIn.status, 'needs_first_factor')
  t.same(signIn.supportedFirstFactors?.map((f) => f.strategy), ['password', 'email_code', 'phone_code', 'reset_password_email_code', 'reset_password_phone_code'])
  t.equal(await codeOf(signIn.attemptFirstFactor({ strategy: 'password', password: 'wrong' })), '422 form_password_incorrect')
  await clerk.client!.reload()
  t.equal(clerk.client!.signIn.id, signIn.id, 'the reloaded client carries the attempt')
  const done = await signIn.attemptFirstFactor({ strategy: 'password', password: 'ada-password' })
  t.equal(done.status, 'complete')
  await activate(t, clerk, done.createdSessionId, ADA)
})

t.test('password in one call (what @clerk/testing sends): complete', async (t) => {
  const clerk = await fresh()
  const signIn = await clerk.client!.signIn.create({ strategy: 'password', identifier: 'ada@example.com', password: 'ada-password' })
  t.equal(signIn.status, 'complete')
  await activate(t, clerk, signIn.createdSessionId, ADA)
  t.equal(await codeOf(clerk.client!.signIn.create({ identifier: 'nobody@example.com' })), '422 form_identifier_not_found')
})

t.test('email code: prepareFirstFactor with the address id, the message, attemptFirstFactor', async (t) => {
  const clerk = await fresh()
  const signIn = await clerk.client!.signIn.create({ identifier: 'ada@example.com' })
  const factor = signIn.supportedFirstFactors!.find((f) => f.strategy === 'email_code') as { emailAddressId: string }
  const prepared = await signIn.prepareFirstFactor({ strategy: 'email_code', emailAddressId: factor.emailAddressId })
  t.equal(prepared.firstFactorVerification.status, 'unverified')
  const message = mock.messages.at(-1)!
  t.match(message, { to: 'ada@example.com', channel: 'email', code: '424242', kind: 'sign_in_code' })
  t.equal(await codeOf(signIn.attemptFirstFactor({ strategy: 'email_code', code: '000000' })), '422 form_code_incorrect')
  const done = await signIn.attemptFirstFactor({ strategy: 'email_code', code: message.code })
  t.equal(done.status, 'complete')
  await activate(t, clerk, done.createdSessionId, ADA)
})

t.test('random codes: the test reads the code from mock.messages; 424242 is refused', async (t) => {
  const clerk = await fresh(random)
  const signIn = await clerk.client!.signIn.create({ identifier: 'ada@example.com' })
  const factor = signIn.supportedFirstFactors!.find((f) => f.strategy === 'email_code') as { emailAddressId: string }
  await signIn.prepareFirstFactor({ strategy: 'email_code', emailAddressId: factor.emailAddressId })
  const { code } = random.messages.at(-1)!
  t.match(code, /^\d{6}$/)
  if (code !== '424242') t.equal(await codeOf(signIn.attemptFirstFactor({ strategy: 'email_code', code: '424242' })), '422 form_code_incorrect')
  t.equal((await signIn.attemptFirstFactor({ strategy: 'email_code', code })).status, 'complete')
})

t.test('phone code: prepareFirstFactor with the phone number id, an SMS message', async (t) => {
  const clerk = await fresh()
  const signIn = await clerk.client!.signIn.create({ identifier: '+15555550100' })
  const factor = signIn.supportedFirstFactors!.find((f) => f.strategy === 'phone_code') as { phoneNumberId: string }
  await signIn.prepareFirstFactor({ strategy: 'phone_code', phoneNumberId: factor.phoneNumberId })
  t.match(mock.messages.at(-1), { to: '+15555550100', channel: 'sms' })
  const done = await signIn.attemptFirstFactor({ strategy: 'phone_code', code: '424242' })
  await activate(t, clerk, done.createdSessionId, ADA)
})

t.test('TOTP and backup code second factors', async (t) => {
  const clerk = await fresh()
  const signIn = await clerk.client!.signIn.create({ strategy: 'password', identifier: 'carol@example.com', password: 'carol-password' })
  t.equal(signIn.status, 'needs_second_factor')
  t.same(signIn.supportedSecondFactors?.map((f) => f.strategy), ['totp', 'backup_code'])
  t.equal(await codeOf(signIn.attemptSecondFactor({ strategy: 'totp', code: '000000' })), '422 form_code_incorrect')
  const code = new TOTP({ secret: Secret.fromBase32(TOTP_SECRET) }).generate()
  const done = await signIn.attemptSecondFactor({ strategy: 'totp', code })
  t.equal(done.status, 'complete')
  await activate(t, clerk, done.createdSessionId, CAROL)
  t.equal(clerk.user?.totpEnabled, true)
  t.equal(clerk.user?.twoFactorEnabled, true)

  const other = await fresh()
  const second = await other.client!.signIn.create({ strategy: 'password', identifier: 'carol@example.com', password: 'carol-password' })
  t.equal((await second.attemptSecondFactor({ strategy: 'backup_code', code: 'backup-2' })).status, 'complete')
})

t.test('ticket (a Backend API sign-in token) still completes in one call', async (t) => {
  const clerk = await fresh()
  const res = await fetch(`${mock.apiUrl}/v1/sign_in_tokens`, { method: 'POST', headers: { authorization: `Bearer ${mock.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ user_id: ADA }) })
  const { token } = (await res.json()) as { token: string }
  const signIn = await clerk.client!.signIn.create({ strategy: 'ticket', ticket: token })
  await activate(t, clerk, signIn.createdSessionId, ADA)
})

t.test('reset password: the reset code, needs_new_password, resetPassword, then the new password signs in', async (t) => {
  const clerk = await fresh()
  const signIn = await clerk.client!.signIn.create({ identifier: 'ada@example.com' })
  const factor = signIn.supportedFirstFactors!.find((f) => f.strategy === 'reset_password_email_code') as { emailAddressId: string }
  await signIn.prepareFirstFactor({ strategy: 'reset_password_email_code', emailAddressId: factor.emailAddressId })
  t.match(mock.messages.at(-1), { kind: 'reset_password_code', to: 'ada@example.com' })
  const verified = await signIn.attemptFirstFactor({ strategy: 'reset_password_email_code', code: '424242' })
  t.equal(verified.status, 'needs_new_password')
  const done = await verified.resetPassword({ password: 'a-new-password', signOutOfOtherSessions: true })
  t.equal(done.status, 'complete')
  await activate(t, clerk, done.createdSessionId, ADA)
  const again = await fresh()
  t.equal(await codeOf(again.client!.signIn.create({ strategy: 'password', identifier: 'ada@example.com', password: 'ada-password' })), '422 form_password_incorrect')
  t.equal((await again.client!.signIn.create({ strategy: 'password', identifier: 'ada@example.com', password: 'a-new-password' })).status, 'complete')
})

t.test('sign-up with email verification: create, prepare, attempt, a new user signed in', async (t) => {
  const clerk = await fresh()
  t.equal(await codeOf(clerk.client!.signUp.create({ emailAddress: 'ada@example.com', password: 'long-enough-pw' })), '422 form_identifier_exists')
  const signUp = await clerk.client!.signUp.create({ emailAddress: 'new@example.com', password: 'long-enough-pw', firstName: 'New' })
  t.equal(signUp.status, 'missing_requirements')
  t.same(signUp.unverifiedFields, ['email_address'])
  await signUp.prepareEmailAddressVerification({ strategy: 'email_code' })
  t.match(mock.messages.at(-1), { to: 'new@example.com', kind: 'sign_up_code' })
  t.equal(await codeOf(signUp.attemptEmailAddressVerification({ code: '111111' })), '422 form_code_incorrect')
  const done = await signUp.attemptEmailAddressVerification({ code: '424242' })
  t.equal(done.status, 'complete')
  t.match(done.createdUserId, /^user_/)
  await activate(t, clerk, done.createdSessionId, done.createdUserId!)
  t.equal(clerk.user?.primaryEmailAddress?.emailAddress, 'new@example.com')
  t.equal(clerk.user?.firstName, 'New')
})

t.test('a user made with mock.createUser signs in with its password', async (t) => {
  const user = mock.createUser({ emailAddress: 'made@example.com', password: 'made-password', firstName: 'Made' })
  const clerk = await fresh()
  const signIn = await clerk.client!.signIn.create({ strategy: 'password', identifier: 'made@example.com', password: 'made-password' })
  await activate(t, clerk, signIn.createdSessionId, user.id)
})

t.test("@clerk/testing's email_code and phone_code sequences (a +clerk_test address, a 555-01XX number, 424242) work even with random codes", async (t) => {
  // What @clerk/testing 2.2's signIn({ signInParams: { strategy: 'email_code' | 'phone_code', identifier } }) runs on window.Clerk.
  random.createUser({ emailAddress: 'jane+clerk_test@example.com', phoneNumber: '+12015550100' })
  for (const [strategy, identifier, idKey] of [
    ['email_code', 'jane+clerk_test@example.com', 'emailAddressId'],
    ['phone_code', '+12015550100', 'phoneNumberId'],
  ] as const) {
    const clerk = await fresh(random)
    const { supportedFirstFactors } = await clerk.client!.signIn.create({ identifier })
    const factor = supportedFirstFactors?.find((f) => f.strategy === strategy) as Record<string, string> | undefined
    t.ok(factor, `${strategy} is offered`)
    await clerk.client!.signIn.prepareFirstFactor({ strategy, [idKey]: factor![idKey] } as any)
    const done = await clerk.client!.signIn.attemptFirstFactor({ strategy, code: '424242' })
    t.equal(done.status, 'complete', `${strategy}: complete with 424242`)
  }
})

/*
 * Mutations watched failing here (each reverted):
 *  - PrepareBody without `email_address_id`: the email-code test (clerk-js sends it: 422 form_param_unknown)
 *  - secondFactors ignoring backup codes: the TOTP test (['totp'] only, and backup_code strategy_for_user_invalid)
 *  - the ticket branch of POST /v1/client/sign_ins dropped: the ticket test
 */
