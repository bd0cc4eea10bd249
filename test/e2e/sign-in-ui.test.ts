/**
 * The prebuilt `<SignIn/>` and `<SignUp/>` (@clerk/ui 1.34 on clerk-js 6.40) in headless Chromium,
 * both loaded from the mock over https with nothing but the publishable key, as `<ClerkProvider>`
 * loads them (REFERENCE §11, §14). A user types into the real forms:
 * - email, then password on the next screen → signed in (`Clerk.user`, and the mock's session);
 * - email, then "Use another method" → "Email code to …" → 424242 (Clerk's test code, the default);
 * - the same with `settings.verification_code: "random"`, the code read from `mock.messages`;
 * - a wrong password → Clerk's error text under the field, still signed out;
 * - `<SignUp/>`: email + password → the code screen → the code → signed in as a new user the
 *   Backend API finds.
 * The app page is on http://localhost:A and the mock on https://127.0.0.1:B (cross-site: the
 * `__client` cookie is partitioned, as with a real app on localhost against Clerk).
 * Skipped (with the reason) where /usr/bin/chromium is absent; CI installs it.
 *
 * Mutations seen failing: another password typed in the password flow (stays signed out); 000000
 * typed in the email-code flow; 424242 typed instead of the message's code with "random" (so the
 * random codes really are not the test code); the wrong-password test expecting another text; the
 * sign-up test expecting the user under another address.
 */
import t, { type Test } from 'tap'
import { createClerkClient } from '@clerk/backend'
import type { Browser, Page } from 'playwright-core'
import { startClerkMock, type ClerkMock } from '../../src/index.js'
import type { Fixture } from '../../src/fixtures/schema.js'
import { launchChromium, skipBrowser, startPageServer, type PageServer } from '../helpers/browser.js'

const ADA = 'user_ada000000000000000000000000'
const ADA_EMAIL = 'ada@example.com'
const ADA_PASSWORD = 'correct horse battery staple'
const fixture = (settings: Fixture['settings'] = {}): Fixture => ({
  users: [{ id: ADA, first_name: 'Ada', last_name: 'Lovelace', email_address: ADA_EMAIL, password: ADA_PASSWORD }],
  clients: [],
  settings,
})

/**
 * The app: clerk-js and the UI from the mock's https origin (no proxyUrl), `<SignIn/>` or `<SignUp/>`
 * (`?flow=sign-up`) mounted while signed out, and `#status` naming the user once signed in (a
 * listener; the UI's redirect after signing in goes through the app's router, as in a React app, so
 * the page does not reload).
 */
function appPage(mock: ClerkMock): string {
  return `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>
<p id="status">loading</p><div id="ui"></div>
<script>
addEventListener('load', async () => {
  const status = document.getElementById('status')
  try {
    // A single-page app's router: the UI's redirect after signing in changes the URL, not the page.
    const navigate = (to) => history.pushState(null, '', to)
    await Clerk.load({ ui: { ClerkUI: window.__internal_ClerkUICtor }, routerPush: navigate, routerReplace: navigate })
    const show = () => (status.textContent = Clerk.user ? 'signed in as ' + Clerk.user.id : 'signed out')
    show()
    Clerk.addListener(show)
    if (Clerk.user) return
    const ui = document.getElementById('ui')
    const options = { routing: 'virtual', forceRedirectUrl: location.origin + '/' }
    if (new URLSearchParams(location.search).get('flow') === 'sign-up') Clerk.mountSignUp(ui, options)
    else Clerk.mountSignIn(ui, options)
  } catch (e) {
    status.textContent = 'error: ' + e.message
  }
})
</script>
<script async crossorigin="anonymous" data-clerk-publishable-key="${mock.publishableKey}" src="${mock.httpsUrl}/npm/@clerk/clerk-js@6/dist/clerk.browser.js"></script>
<script async crossorigin="anonymous" src="${mock.httpsUrl}/npm/@clerk/ui@1/dist/ui.browser.js"></script>
</body></html>`
}

if (skipBrowser) {
  t.comment(skipBrowser)
  t.pass('skipped: ' + skipBrowser, { skip: skipBrowser })
} else {
  let pages: PageServer
  let browser: Browser
  t.before(async () => {
    ;[pages, browser] = await Promise.all([startPageServer(), launchChromium()])
  })
  t.teardown(async () => {
    await browser?.close()
    await pages?.close()
  })

  /** A mock for one test, stopped when it ends. */
  async function mockFor(t: Test, settings?: Fixture['settings']): Promise<ClerkMock> {
    const mock = await startClerkMock({ fixtures: fixture(settings) })
    t.teardown(() => mock.stop())
    return mock
  }

  /**
   * A fresh browser profile on the app page, showing the mounted form. Failed requests and page
   * errors go into the test's output when it fails, so a red run says which request the mock refused.
   */
  async function openApp(t: Test, mock: ClerkMock, flow: 'sign-in' | 'sign-up' = 'sign-in'): Promise<Page> {
    pages.page(appPage(mock))
    // The mock's certificate is self-signed.
    const context = await browser.newContext({ ignoreHTTPSErrors: true })
    t.teardown(() => context.close())
    const page = await context.newPage()
    // What the page asked the mock and what it refused, shown when the test fails.
    const log: string[] = []
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/v1/')) log.push(`> ${r.method()} ${new URL(r.url()).pathname} ${r.postData() ?? ''}`)
    })
    page.on('response', (r) => {
      if (r.status() >= 400) void r.text().then((body) => log.push(`< ${r.status()} ${new URL(r.url()).pathname} ${body.slice(0, 400)}`), () => {})
    })
    page.on('pageerror', (e) => log.push(`page error: ${e.message}`))
    t.teardown(() => {
      if (!t.passing()) t.comment(log.join('\n'))
    })
    await page.goto(`http://localhost:${pages.port}/${flow === 'sign-up' ? '?flow=sign-up' : ''}`)
    await status(page, 'signed out')
    return page
  }

  /** Waits until `#status` says `text`. */
  async function status(page: Page, text: string): Promise<void> {
    await page.locator('#status').filter({ hasText: new RegExp(`^${text}$`) }).waitFor({ timeout: 15_000 })
  }

  const continueButton = (page: Page) => page.getByRole('button', { name: 'Continue', exact: true })

  /** The identifier screen: type the email and continue. */
  async function enterIdentifier(page: Page, email: string): Promise<void> {
    await page.locator('input[name=identifier]').fill(email)
    await continueButton(page).click()
  }

  /** The OTP field (one input, input-otp); six digits submit the code by themselves. */
  const codeField = (page: Page) => page.getByLabel('Enter verification code')

  /** What clerk-js in the page holds after signing in, and the mock's own view of that session. */
  async function signedInAs(t: Test, mock: ClerkMock, page: Page, userId: string): Promise<void> {
    await status(page, `signed in as ${userId}`)
    const seen = await page.evaluate(() => {
      const clerk = (globalThis as any).Clerk
      return { user: clerk.user?.id ?? null, session: clerk.session?.id ?? null, email: clerk.user?.primaryEmailAddress?.emailAddress ?? null }
    })
    t.equal(seen.user, userId, 'window.Clerk.user is the user')
    const backend = createClerkClient({ apiUrl: mock.apiUrl, secretKey: mock.secretKey })
    const session = await backend.sessions.getSession(seen.session!)
    t.match(session, { userId, status: 'active' }, "the mock holds that session, active, for that user")
  }

  t.test('<SignIn/>: email, then password on the next screen', async (t) => {
    const mock = await mockFor(t)
    const page = await openApp(t, mock)
    await enterIdentifier(page, ADA_EMAIL)
    await page.locator('input[name=password]').fill(ADA_PASSWORD)
    await continueButton(page).click()
    await signedInAs(t, mock, page, ADA)
  })

  t.test('<SignIn/>: a wrong password shows Clerk’s error text and stays signed out', async (t) => {
    const mock = await mockFor(t)
    const page = await openApp(t, mock)
    await enterIdentifier(page, ADA_EMAIL)
    await page.locator('input[name=password]').fill('not her password')
    await continueButton(page).click()
    // Clerk's en-US UI has no text of its own for form_password_incorrect: it shows the API's message.
    const error = page.locator('#error-password')
    await error.waitFor({ timeout: 15_000 })
    t.equal(await error.textContent(), 'Password is incorrect. Try again, or use another method.')
    t.equal(await page.locator('#status').textContent(), 'signed out')
    t.equal(await page.evaluate(() => (globalThis as any).Clerk.user), null, 'clerk-js has no user')
  })

  t.test('<SignIn/>: "Use another method", an email code, Clerk’s test code 424242', async (t) => {
    const mock = await mockFor(t)
    const page = await openApp(t, mock)
    await enterIdentifier(page, ADA_EMAIL)
    await page.getByRole('link', { name: 'Use another method' }).or(page.getByRole('button', { name: 'Use another method' })).click()
    await page.getByRole('button', { name: `Email code to ${ADA_EMAIL}` }).click()
    await codeField(page).pressSequentially('424242')
    await signedInAs(t, mock, page, ADA)
    t.match(mock.messages, [{ to: ADA_EMAIL, channel: 'email', code: '424242', kind: 'sign_in_code' }], 'the code the mock "sent"')
  })

  t.test('<SignIn/>: with verification_code "random", the code comes from mock.messages', async (t) => {
    const mock = await mockFor(t, { verification_code: 'random' })
    const page = await openApp(t, mock)
    await enterIdentifier(page, ADA_EMAIL)
    await page.getByRole('link', { name: 'Use another method' }).or(page.getByRole('button', { name: 'Use another method' })).click()
    await page.getByRole('button', { name: `Email code to ${ADA_EMAIL}` }).click()
    await codeField(page).waitFor()
    const code = await messageCode(mock, ADA_EMAIL)
    t.match(code, /^\d{6}$/)
    t.not(code, '424242', 'not the test code')
    await codeField(page).pressSequentially(code)
    await signedInAs(t, mock, page, ADA)
  })

  // @clerk/ui 1.34 sends no prepare_verification: the sign-up it created already has a pending
  // email_code verification, because Clerk (and the mock) send the code at create (clerk/javascript#8684, #8548).
  t.test('<SignUp/>: email and password, the code screen, the code → a new user, signed in', async (t) => {
    const mock = await mockFor(t)
    const page = await openApp(t, mock, 'sign-up')
    const email = 'hedy@example.com'
    await page.locator('input[name=emailAddress]').fill(email)
    await page.locator('input[name=password]').fill('frequency hopping 1942')
    // Enter in the password field submits, as a person may. (A click on Continue was once lost on a
    // loaded CI machine: no POST /v1/client/sign_ups followed while the form was still laying out.)
    const created = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/v1/client/sign_ups', { timeout: 30_000 })
    await page.locator('input[name=password]').press('Enter')
    await created
    await codeField(page).pressSequentially('424242')
    const backend = createClerkClient({ apiUrl: mock.apiUrl, secretKey: mock.secretKey })
    await page.locator('#status').filter({ hasText: /^signed in as user_/ }).waitFor({ timeout: 15_000 })
    const { data } = await backend.users.getUserList({ emailAddress: [email] })
    t.equal(data.length, 1, 'the Backend API finds the new user by the address')
    await signedInAs(t, mock, page, data[0].id)
    t.equal(data[0].emailAddresses[0].verification?.status, 'verified', 'with the address verified')
    t.ok(data[0].passwordEnabled, 'and a password')
    t.match(mock.messages, [{ to: email, channel: 'email', code: '424242', kind: 'sign_up_code' }], 'one code "sent", at create')
  })

  /** The last code the mock "sent" to `to`; the UI prepares on its own, so wait for it a moment. */
  async function messageCode(mock: ClerkMock, to: string): Promise<string> {
    for (let i = 0; i < 50; i++) {
      const message = mock.messages.filter((m) => m.to === to).at(-1)
      if (message) return message.code
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`no message to ${to}: ${JSON.stringify(mock.messages)}`)
  }
}
