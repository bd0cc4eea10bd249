/**
 * The package's Playwright helpers (`clerk-fapi-mock/playwright`) in headless Chromium against a
 * running mock, the way an app's test uses them: the app page on http://localhost:A loads clerk-js
 * with nothing but the mock's publishable key (no proxyUrl), so clerk-js reaches the mock over
 * https://127.0.0.1:B exactly as it reaches Clerk (the browser context has `ignoreHTTPSErrors`).
 * That is cross-site: the `__client` cookie lives partitioned under the app's site, which is why
 * the helper signs in through the page's own clerk-js. Skipped where /usr/bin/chromium is absent.
 *
 * Mutations watched failing here (each reverted): no setActive in the page (every sign-in times out
 * with the helper's "never showed window.Clerk.user" error); "loaded" as soon as window.Clerk exists
 * (the never-loaded error test); signOut returning without waiting (the next evaluate dies in the
 * navigation); the user list fetched without email_address (Grace signs in as Ada, and the unknown
 * email resolves); FAPI's sign-in handing no cookie to a new browser (signed out after a reload,
 * and the session never left the client).
 */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { rejection } from '../helpers/assertions.js'
import type { Browser, Page } from 'playwright-core'
import { startClerkMock, type ClerkMock, type Fixture } from '../../src/index.js'
import { signIn, signOut } from '../../src/playwright.js'
import { launchChromium, skipBrowser, startPageServer, type PageServer } from '../helpers/browser.js'

const ADA = 'user_1n5BS00ns3t21GWIXiPJ0KcSe02'
const GRACE = 'user_2aXw9kQpLm3RtYvB7nC4dE5fG6h'

/** An app page: clerk-js's browser bundle configured by the publishable key alone, loaded as `<ClerkProvider>` would. */
const appPage = (publishableKey: string) => `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>app</title></head>
<body>
<script async crossorigin="anonymous" data-clerk-publishable-key="${publishableKey}" src="/clerk/clerk.browser.js"></script>
<script>
(async () => {
  while (window.Clerk === undefined) await new Promise((r) => setTimeout(r, 10))
  await window.Clerk.load()
})()
</script>
</body></html>`

/** Who the page's clerk-js says is signed in. */
const seen = (page: Page) =>
  page.evaluate(() => {
    const clerk = (globalThis as any).Clerk
    return { loaded: clerk?.loaded === true, user: clerk?.user?.id ?? null, email: clerk?.user?.primaryEmailAddress?.emailAddress ?? null, session: clerk?.session?.id ?? null }
  })


if (skipBrowser) {
  t.comment(skipBrowser)
  t.pass('skipped: ' + skipBrowser, { skip: skipBrowser })
} else {
  let mock: ClerkMock
  let pages: PageServer
  let browser: Browser
  t.before(async () => {
    ;[mock, pages, browser] = await Promise.all([startClerkMock(), startPageServer(), launchChromium()])
    pages.page(appPage(mock.publishableKey))
  })
  t.teardown(async () => {
    await browser?.close()
    await pages?.close()
    await mock?.stop()
  })
  t.beforeEach(() => mock.reset())

  const app = () => `http://localhost:${pages.port}/`

  /** A fresh browser profile that accepts the mock's self-signed certificate, with one page; closed when the test ends. */
  async function newPage(t: { teardown(fn: () => unknown): void }): Promise<Page> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true })
    t.teardown(() => context.close())
    return context.newPage()
  }

  t.test('signIn by user id: clerk-js on the page (https, no proxyUrl) has the user; a reload keeps it; signOut', async (t) => {
    const page = await newPage(t)
    const fapi: string[] = []
    page.on('request', (r) => {
      if (r.url().includes('/v1/')) fapi.push(`${r.method()} ${r.url().split('?')[0]}`)
    })
    await page.goto(app())
    const result = await signIn(page, { mock, userId: ADA })
    t.equal(result.userId, ADA)
    t.match(result.sessionId, /^sess_/)
    t.same(await seen(page), { loaded: true, user: ADA, email: 'ada@example.com', session: result.sessionId })
    t.ok(fapi.includes(`POST ${mock.httpsUrl}/v1/client/sign_ins`), `clerk-js signed in over https on the publishable key's host: ${fapi.join(', ')}`)
    t.notOk(fapi.some((r) => r.includes(mock.url)), 'nothing went over plain http')

    // The mock holds the session on the client the page's cookie names.
    const state = (await (await fetch(`${mock.url}/__mock/state`)).json()) as { clients: { id: string; sessions: { id: string; status: string; on_client: boolean }[] }[] }
    const holder = state.clients.find((c) => c.sessions.some((s) => s.id === result.sessionId))
    t.match(holder?.sessions.find((s) => s.id === result.sessionId), { status: 'active', on_client: true })

    await page.reload()
    await page.waitForFunction(() => (globalThis as any).Clerk?.loaded === true)
    t.same(await seen(page), { loaded: true, user: ADA, email: 'ada@example.com', session: result.sessionId }, 'the partitioned cookie keeps the page signed in')

    await signOut(page)
    t.match(await seen(page), { loaded: true, user: null, session: null })
    await page.reload()
    await page.waitForFunction(() => (globalThis as any).Clerk?.loaded === true)
    t.match(await seen(page), { loaded: true, user: null }, 'still signed out after a reload')
    const after = (await (await fetch(`${mock.url}/__mock/state`)).json()) as typeof state
    t.notOk(after.clients.some((c) => c.sessions.some((s) => s.id === result.sessionId && s.on_client)), 'the session left the client')
  })

  t.test('signIn by email address, with the Backend API URL and secret key (a mock in another process)', async (t) => {
    const page = await newPage(t)
    await page.goto(app())
    const result = await signIn(page, { apiUrl: mock.apiUrl, secretKey: mock.secretKey, emailAddress: 'grace@example.com' })
    t.equal(result.userId, GRACE)
    t.match(await seen(page), { user: GRACE, email: 'grace@example.com' })
    // A second user on the same page: multi-session (the default), so both sessions are on the client.
    await signIn(page, { mock, userId: ADA })
    t.match(await seen(page), { user: ADA })
    t.equal(await page.evaluate(() => (globalThis as any).Clerk.client.signedInSessions.length), 2)
  })

  t.test('loud errors', async (t) => {
    const page = await newPage(t)
    t.match(await rejection(signIn(page, { mock, userId: ADA })), { message: /page is at about:blank; await page\.goto\(<your app>\) first/ })

    await page.goto(app())
    t.match(await rejection(signIn(page, { mock, emailAddress: 'nobody@example.com' })), { message: /the mock has no user with the email address nobody@example\.com\. Add one first/ })
    t.match(await rejection(signIn(page, { mock, userId: 'user_unknown' })), { message: /Backend API refused POST .*\/v1\/sign_in_tokens: 404 resource_not_found/ })
    t.match(await rejection(signIn(page, { mock } as any)), { name: 'TypeError', message: /exactly one of userId and emailAddress/ })
    t.match(await rejection(signIn(page, { mock, userId: ADA, emailAddress: 'ada@example.com' } as any)), { name: 'TypeError', message: /exactly one of userId and emailAddress/ })
    t.match(await rejection(signIn(page, { userId: ADA } as any)), { name: 'TypeError', message: /pass \{ mock \}/ })
    t.match(await rejection(signIn(page, { apiUrl: 'http://127.0.0.1:9/bapi', secretKey: 'sk_test_x', userId: ADA })), { message: /cannot reach the mock's Backend API at http:\/\/127\.0\.0\.1:9\/bapi\/v1\/sign_in_tokens/ })
    t.match(await rejection(signIn(page, { mock, userId: ADA, timeout: -1 })), { name: 'TypeError', message: /timeout must be a positive number/ })
    t.equal((await seen(page)).user, null, 'none of these signed the page in')

    // A page of the app's site that loads no clerk-js.
    await page.route('**/no-clerk', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><p>no clerk-js here</p>' }))
    await page.goto(`http://localhost:${pages.port}/no-clerk`)
    t.match(await rejection(signIn(page, { mock, userId: ADA, timeout: 500 })), { message: /has no window\.Clerk after 500 ms: the page does not load clerk-js/ })
    t.match(await rejection(signOut(page, { timeout: 500 })), { message: /has no window\.Clerk after 500 ms/ })
    // clerk-js present but never loaded (an app that forgot Clerk.load()).
    await page.evaluate(() => void ((globalThis as any).Clerk = { loaded: false }))
    t.match(await rejection(signIn(page, { mock, userId: ADA, timeout: 500 })), { message: /did not finish loading within 500 ms \(Clerk\.loaded stayed false\)/ })
  })

  t.test('single-session mode: signing in over a signed-in page says session_exists and to sign out first', async (t) => {
    const fixture = JSON.parse(readFileSync(new URL('../../fixtures/default.json', import.meta.url), 'utf8')) as Fixture
    const single = await startClerkMock({ fixtures: { ...fixture, environment: { auth_config: { single_session_mode: true } } } })
    t.teardown(() => single.stop())
    const server = await startPageServer()
    t.teardown(() => server.close())
    server.page(appPage(single.publishableKey))
    const page = await newPage(t)
    await page.goto(`http://localhost:${server.port}/`)
    await signIn(page, { mock: single, userId: ADA })
    const error = await rejection(signIn(page, { mock: single, userId: GRACE }))
    t.match(error.message, /could not sign user_2aXw9kQpLm3RtYvB7nC4dE5fG6h in: 400 session_exists: You're already signed in\. .*call signOut\(page\) first/)
    await signOut(page)
    await signIn(page, { mock: single, userId: GRACE })
    t.match(await seen(page), { user: GRACE })
  })
}
