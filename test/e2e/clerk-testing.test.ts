/**
 * `@clerk/testing` 2.2's Playwright helper, unchanged, against the mock in headless Chromium:
 * `clerkSetup()` fetches its testing token from the mock's Backend API (`CLERK_API_URL`), and
 * `clerk.signIn({ page, signInParams })` signs the page in with `strategy: 'password'` (one
 * `POST /v1/client/sign_ins` with identifier and password, which must answer `complete` at once) and
 * with `strategy: 'email_code'` (create, prepare, attempt with Clerk's test code 424242; the address
 * must have the `+clerk_test` subaddress, the helper checks that itself), and `strategy: 'phone_code'`
 * (a test number, +1 XXX 555 01XX), also when the mock's codes are random (Clerk's test addresses
 * keep 424242). Every Frontend API request goes through the helper's route, which adds
 * `__clerk_testing_token`.
 * `clerk.signIn({ emailAddress })` is out of scope: it always calls api.clerk.com (it builds its
 * Backend API client from CLERK_SECRET_KEY alone).
 * Then the README's recipes for signing in from a test run as a user runs them, against the built
 * package, until README.md quotes them (test/e2e/readme.test.ts runs every quoted example).
 * Skipped (with the reason) where /usr/bin/chromium is absent; CI installs it.
 *
 * Mutations seen failing: the password flow with a wrong password (the helper rejects with Clerk's
 * message); the email-code flow expecting its message to another address; the wrong-password test
 * expecting another text; the testing-token check expecting another `__clerk_testing_token`; the
 * phone-code flow expecting its message by email. In the examples (run directly): custom-sign-in
 * typing 424242 instead of the message's code (sign-in and sign-up each: 'Incorrect code');
 * clerk-testing expecting the email code's message to another address. The random-codes test failed
 * ("Clerk: Failed to sign in: Incorrect code") against the mock before it kept 424242 for test addresses.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { createClerkClient } from '@clerk/backend'
import { clerk, clerkSetup } from '@clerk/testing/playwright'
import type { Browser, Page } from 'playwright-core'
import { startClerkMock, type ClerkMock } from '../../src/index.js'
import type { Fixture } from '../../src/fixtures/schema.js'
import { ROOT, ensureBuilt } from '../helpers/build.js'
import { launchChromium, skipBrowser, startPageServer, type PageServer } from '../helpers/browser.js'

const ADA = 'user_ada000000000000000000000000'
const ADA_EMAIL = 'ada+clerk_test@example.com'
const ADA_PASSWORD = 'correct horse battery staple'
// The helper's phone_code accepts only Clerk's test numbers, +1 XXX 555 01XX.
const ADA_PHONE = '+12015550100'
const fixture: Fixture = {
  users: [{ id: ADA, first_name: 'Ada', email_address: ADA_EMAIL, password: ADA_PASSWORD, phone_number: ADA_PHONE }],
  clients: [],
}

/** The app: clerk-js from the mock's https origin with nothing but the key, as `<ClerkProvider>` loads it. */
const appPage = (mock: ClerkMock) => `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>
<script async crossorigin="anonymous" data-clerk-publishable-key="${mock.publishableKey}" src="${mock.httpsUrl}/npm/@clerk/clerk-js@6/dist/clerk.browser.js" onload="Clerk.load()"></script>
</body></html>`

if (skipBrowser) {
  t.comment(skipBrowser)
  t.pass('skipped: ' + skipBrowser, { skip: skipBrowser })
} else {
  let mock: ClerkMock
  let pages: PageServer
  let browser: Browser
  const saved = { CLERK_API_URL: process.env.CLERK_API_URL, CLERK_FAPI: process.env.CLERK_FAPI, CLERK_TESTING_TOKEN: process.env.CLERK_TESTING_TOKEN }
  t.before(async () => {
    ;[mock, pages, browser] = await Promise.all([startClerkMock({ fixtures: fixture }), startPageServer(), launchChromium()])
    pages.page(appPage(mock))
    // What a Playwright globalSetup does; clerkSetup() sets CLERK_FAPI and CLERK_TESTING_TOKEN.
    process.env.CLERK_API_URL = mock.apiUrl
    delete process.env.CLERK_TESTING_TOKEN
    await clerkSetup({ publishableKey: mock.publishableKey, secretKey: mock.secretKey, dotenv: false })
  })
  t.teardown(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    await browser?.close()
    await pages?.close()
    await mock?.stop()
  })
  t.beforeEach(() => mock.reset())

  t.test('clerkSetup() took its testing token and Frontend API from the mock', async (t) => {
    t.equal(process.env.CLERK_FAPI, new URL(mock.httpsUrl).host, 'the Frontend API is the key host')
    t.match(process.env.CLERK_TESTING_TOKEN, /^\d+-\S+$/, "a testing token in the mock's format")
  })

  /** A new browser profile on the app's page (the mock's certificate is self-signed). */
  async function openApp(t: Test): Promise<Page> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true })
    t.teardown(() => context.close())
    const page = await context.newPage()
    await page.goto(`http://localhost:${pages.port}/`)
    return page
  }

  /** clerk-js in the page is signed in as `userId`, and the mock holds that session, active. */
  async function signedInAs(t: Test, page: Page, userId: string): Promise<void> {
    const seen = await page.evaluate(() => ({ user: (globalThis as any).Clerk.user?.id ?? null, session: (globalThis as any).Clerk.session?.id ?? null }))
    t.equal(seen.user, userId, 'window.Clerk.user is the user')
    const backend = createClerkClient({ apiUrl: mock.apiUrl, secretKey: mock.secretKey })
    t.match(await backend.sessions.getSession(seen.session!), { userId, status: 'active' }, 'the mock holds that session, active')
  }

  /** The Frontend API sign-in requests the mock answered, as `METHOD path status`. */
  const signInRequests = () =>
    mock.requests.filter((r) => r.path.startsWith('/v1/client/sign_ins')).map((r) => `${r.method} ${r.path.replace(/sia_\w+/, 'sia_…')} ${r.status}`)

  t.test("clerk.signIn({ signInParams: { strategy: 'password' } }): one request, complete at once", async (t) => {
    const page = await openApp(t)
    await clerk.signIn({ page, signInParams: { strategy: 'password', identifier: ADA_EMAIL, password: ADA_PASSWORD } })
    await signedInAs(t, page, ADA)
    t.same(signInRequests(), ['POST /v1/client/sign_ins 200'])
    const create = mock.requests.find((r) => r.path === '/v1/client/sign_ins')
    t.match(create?.query, { __clerk_testing_token: process.env.CLERK_TESTING_TOKEN }, "through the helper's route, with the testing token")
  })

  t.test("clerk.signIn with a wrong password rejects with Clerk's message", async (t) => {
    const page = await openApp(t)
    await t.rejects(
      clerk.signIn({ page, signInParams: { strategy: 'password', identifier: ADA_EMAIL, password: 'not her password' } }),
      { message: /Clerk: Failed to sign in: Password is incorrect\. Try again, or use another method\./ },
    )
    t.equal(await page.evaluate(() => (globalThis as any).Clerk.user), null, 'still signed out')
  })

  t.test("clerk.signIn({ signInParams: { strategy: 'email_code' } }): create, prepare, attempt 424242", async (t) => {
    const page = await openApp(t)
    await clerk.signIn({ page, signInParams: { strategy: 'email_code', identifier: ADA_EMAIL } })
    await signedInAs(t, page, ADA)
    t.same(signInRequests(), ['POST /v1/client/sign_ins 200', 'POST /v1/client/sign_ins/sia_…/prepare_first_factor 200', 'POST /v1/client/sign_ins/sia_…/attempt_first_factor 200'])
    t.match(mock.messages, [{ to: ADA_EMAIL, channel: 'email', code: '424242', kind: 'sign_in_code' }], 'the code the mock "sent"')
  })

  t.test("clerk.signIn({ signInParams: { strategy: 'phone_code' } }): a text message with 424242", async (t) => {
    const page = await openApp(t)
    await clerk.signIn({ page, signInParams: { strategy: 'phone_code', identifier: ADA_PHONE } })
    await signedInAs(t, page, ADA)
    t.match(mock.messages, [{ to: ADA_PHONE, channel: 'sms', code: '424242', kind: 'sign_in_code' }], 'the text the mock "sent"')
  })

  t.test("with verification_code 'random', the helper's 424242 still works for Clerk's test addresses", async (t) => {
    // The helper always types 424242; on Clerk, a +clerk_test address always takes it.
    const random = await startClerkMock({ fixtures: { ...fixture, settings: { verification_code: 'random' } } })
    t.teardown(() => random.stop())
    const context = await browser.newContext({ ignoreHTTPSErrors: true })
    t.teardown(() => context.close())
    const page = await context.newPage()
    // (A page served by page.route counts as public to Chromium, which then refuses it loopback scripts.)
    pages.page(appPage(random))
    t.teardown(() => pages.page(appPage(mock)))
    await page.goto(`http://localhost:${pages.port}/`)
    await clerk.signIn({ page, signInParams: { strategy: 'email_code', identifier: ADA_EMAIL }, setupClerkTestingTokenOptions: { frontendApiUrl: new URL(random.httpsUrl).host } })
    t.equal(await page.evaluate(() => (globalThis as any).Clerk.user?.id), ADA, 'signed in with 424242')
  })

  // The recipes, as a user runs them: their own process, the built package, node --test.
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  for (const example of ['examples/clerk-testing/sign-in.test.mjs', 'examples/custom-sign-in/sign-in.test.mjs']) {
    const quoted = readme.includes(`<!-- example: ${example} -->`)
    t.test(`${example} runs and passes`, { skip: quoted && 'the README quotes it: test/e2e/readme.test.ts runs it' }, async (t) => {
      await ensureBuilt()
      const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
        // tap's own environment must not leak into a user's process.
        const env = { ...process.env, TAP: '', TAP_CHILD_ID: '', NODE_OPTIONS: '', CLERK_API_URL: '', CLERK_FAPI: '', CLERK_TESTING_TOKEN: '' }
        execFile(process.execPath, ['--test', example], { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        )
      })
      t.equal(r.code, 0, 'exit code 0', { output: r.out })
      t.match(r.out, /# fail 0/)
    })
  }
}
