// What a custom sign-in or sign-up form does (useSignIn() / useSignUp() hand it these same
// resources), with the real clerk-js in Node against the mock. The mock sends no email: every code
// it would have sent is in mock.messages. With settings.verification_code "random" the codes are not
// Clerk's test code 424242, so the test must read them from there.
// Run: node --test examples/custom-sign-in/sign-in.test.mjs
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { loadNodeClerk, startClerkMock } from 'clerk-fapi-mock'

let mock
before(async () => {
  mock = await startClerkMock({
    fixtures: { settings: { verification_code: 'random' }, users: [{ id: 'user_ada', email_address: 'ada@example.com' }] },
  })
})
after(() => mock.stop())

/** A signed-out clerk-js with no client yet, like a first visit. */
const newClerk = () => loadNodeClerk({ publishableKey: mock.publishableKey, proxyUrl: mock.url })

/** The code the mock last "emailed" to `to`. */
const lastCode = (to) => mock.messages.findLast((m) => m.to === to).code

test('sign in with an email code', async () => {
  const clerk = await newClerk()
  const signIn = await clerk.client.signIn.create({ identifier: 'ada@example.com' })
  const { emailAddressId } = signIn.supportedFirstFactors.find((f) => f.strategy === 'email_code')
  await signIn.prepareFirstFactor({ strategy: 'email_code', emailAddressId })

  // A wrong code is Clerk's 422 form_code_incorrect; the attempt stays open.
  await assert.rejects(signIn.attemptFirstFactor({ strategy: 'email_code', code: '000000' }), (e) => e.errors[0].code === 'form_code_incorrect')

  const attempt = await signIn.attemptFirstFactor({ strategy: 'email_code', code: lastCode('ada@example.com') })
  assert.equal(attempt.status, 'complete')
  await clerk.setActive({ session: attempt.createdSessionId })
  assert.equal(clerk.user.id, 'user_ada')
})

test('sign up with an email address and a password, verified by a code', async () => {
  const clerk = await newClerk()
  const signUp = await clerk.client.signUp.create({ emailAddress: 'hedy@example.com', password: 'frequency hopping 1942' })
  // create already sent a code, as Clerk's does; prepare sends a new one, and the last code counts.
  await signUp.prepareEmailAddressVerification({ strategy: 'email_code' })

  const attempt = await signUp.attemptEmailAddressVerification({ code: lastCode('hedy@example.com') })
  assert.equal(attempt.status, 'complete')
  await clerk.setActive({ session: attempt.createdSessionId })
  assert.equal(clerk.user.primaryEmailAddress.emailAddress, 'hedy@example.com')
})
