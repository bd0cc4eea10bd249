/**
 * The real clerk-js browser bundle (6.40) in headless Debian Chromium against a running mock:
 * - same site: page on http://localhost:A, mock on http://localhost:B. CORS with credentials and
 *   the HttpOnly `__client` cookie work for real (ports do not make a different site);
 * - cross site: page on http://127.0.0.1:A, mock on http://localhost:B, a `.accounts.dev` key:
 *   clerk-js runs the dev-browser flow and identifies itself with `__clerk_db_jwt`.
 * Skipped (with the reason) where /usr/bin/chromium is absent; CI installs it.
 */
import t from 'tap'
import { verifyToken } from '@clerk/backend'
import type { Browser, Page } from 'playwright-core'
import { publishableKeyFor, startClerkMock, type ClerkMock } from '../../src/index.js'
import { appPage, launchChromium, skipBrowser, startPageServer, type PageServer } from '../helpers/browser.js'

const ADA = 'user_1n5BS00ns3t21GWIXiPJ0KcSe02'

if (skipBrowser) {
  t.comment(skipBrowser)
  t.pass('skipped: ' + skipBrowser, { skip: skipBrowser })
} else {
  let mock: ClerkMock
  let pages: PageServer
  let browser: Browser
  t.before(async () => {
    ;[mock, pages, browser] = await Promise.all([startClerkMock(), startPageServer(), launchChromium()])
  })
  t.teardown(async () => {
    await browser?.close()
    await pages?.close()
    await mock?.stop()
  })
  t.beforeEach(() => mock.reset())

  /** The mock as a same-site page sees it: `localhost`, not `127.0.0.1` (whose key host has the dot clerk-js needs). */
  const mockOnLocalhost = () => `http://localhost:${new URL(mock.url).port}`

  /** A fresh browser profile (cookies and storage) with one page; closed when the test ends. */
  async function newPage(t: { teardown(fn: () => unknown): void }): Promise<Page> {
    const context = await browser.newContext()
    t.teardown(() => context.close())
    return context.newPage()
  }

  /** Waits for the bundle to define `window.Clerk`, loads it, and describes what it sees. */
  async function loadClerk(page: Page) {
    await page.waitForFunction(() => (globalThis as any).Clerk !== undefined)
    return page.evaluate(async () => {
      const clerk = (globalThis as any).Clerk
      await clerk.load()
      return { sessionId: clerk.session?.id ?? null, userId: clerk.user?.id ?? null, clientId: clerk.client?.id ?? null }
    })
  }

  /** Runs a clerk-js call in the page; a rejection comes back as plain data. */
  const attempt = (page: Page, action: 'end' | 'remove' | 'touch' | 'getToken') =>
    page.evaluate(async (action) => {
      const clerk = (globalThis as any).Clerk
      const session = (globalThis as any).__kept ?? clerk.session
      ;(globalThis as any).__kept = session
      try {
        const result = action === 'getToken' ? await session.getToken({ skipCache: true }) : await session[action]()
        return { ok: true as const, jwt: typeof result === 'string' ? result : null }
      } catch (e: any) {
        return { ok: false as const, clerkError: e?.clerkError === true, status: e?.status, code: e?.errors?.[0]?.code }
      }
    }, action)

  const sessionsSeen = (page: Page) =>
    page.evaluate(() => {
      const clerk = (globalThis as any).Clerk
      return { current: clerk.session?.id ?? null, onClient: clerk.client.sessions.map((s: any) => [s.id, s.status]) }
    })

  t.test('same site: the __client cookie over CORS with credentials', async (t) => {
    const page = await newPage(t)
    const app = `http://localhost:${pages.port}`
    pages.page(appPage(mock.publishableKey, mockOnLocalhost()))
    // The browser signs in through the mock's helper, which sets the cookie and sends it back to the app.
    await page.goto(`${mockOnLocalhost()}/__mock/sign-in?user_id=${ADA}&redirect_url=${encodeURIComponent(app + '/')}`)
    const loaded = await loadClerk(page)
    t.equal(loaded.userId, ADA)
    t.match(loaded.sessionId, /^sess_/)

    const cookie = (await page.context().cookies(mockOnLocalhost())).find((c) => c.name === '__client')
    t.match(cookie, { httpOnly: true, sameSite: 'Lax', domain: 'localhost' })

    const token = await attempt(page, 'getToken')
    t.equal(token.ok, true)
    // A browser sends Origin, so azp is the app's origin and authorizedParties can check it.
    const payload = await verifyToken(token.jwt!, { jwtKey: mock.publicKeyPem, authorizedParties: [app] })
    t.equal(payload.sid, loaded.sessionId)
    t.equal(payload.azp, app)

    t.equal((await attempt(page, 'touch')).ok, true)
    t.equal((await attempt(page, 'end')).ok, true)
    t.same(await sessionsSeen(page), { current: null, onClient: [[loaded.sessionId, 'ended']] })
    t.same(await attempt(page, 'end'), { ok: false, clerkError: true, status: 400, code: 'invalid_action_for_session' })
  })

  t.test('same site: remove, then signOut keeps the client', async (t) => {
    const page = await newPage(t)
    const app = `http://localhost:${pages.port}/`
    pages.page(appPage(mock.publishableKey, mockOnLocalhost()))
    await page.goto(`${mockOnLocalhost()}/__mock/sign-in?user_id=${ADA}&redirect_url=${encodeURIComponent(app)}`)
    // A second session for the same browser: sign in again.
    await page.goto(`${mockOnLocalhost()}/__mock/sign-in?user_id=user_2aXw9kQpLm3RtYvB7nC4dE5fG6h&redirect_url=${encodeURIComponent(app)}`)
    const loaded = await loadClerk(page)
    t.equal((await sessionsSeen(page)).onClient.length, 2)

    t.equal((await attempt(page, 'remove')).ok, true)
    const afterRemove = await sessionsSeen(page)
    t.equal(afterRemove.onClient.length, 1)
    t.notOk(afterRemove.onClient.some(([id]: string[]) => id === loaded.sessionId), 'removed: gone from the client')
    t.same(await attempt(page, 'touch'), { ok: false, clerkError: true, status: 404, code: 'resource_not_found' })

    // signOut ends by navigating to the environment's after-sign-out URL ('/'): wait for the new page.
    const navigated = page.waitForEvent('framenavigated')
    await page.evaluate(() => {
      void (globalThis as any).Clerk.signOut()
    })
    await navigated
    const after = await loadClerk(page)
    t.same(after, { sessionId: null, userId: null, clientId: loaded.clientId })
    t.same((await sessionsSeen(page)).onClient, [])
  })

  t.test('same site: after the mock clock passes expire_at, the next client fetch shows the session expired', async (t) => {
    const page = await newPage(t)
    pages.page(appPage(mock.publishableKey, mockOnLocalhost()))
    await page.goto(`${mockOnLocalhost()}/__mock/sign-in?user_id=${ADA}&redirect_url=${encodeURIComponent(`http://localhost:${pages.port}/`)}`)
    const loaded = await loadClerk(page)
    mock.clock.advance('8d')
    // The token request is 401; clerk-js reacts by fetching the client again.
    const token = await attempt(page, 'getToken')
    t.match(token, { ok: false, status: 401 })
    await page.waitForFunction(() => (globalThis as any).Clerk.session === null)
    t.same(await sessionsSeen(page), { current: null, onClient: [[loaded.sessionId, 'expired']] })
  })

  t.test('cross site: the dev-browser flow with a .accounts.dev key', async (t) => {
    const page = await newPage(t)
    const app = `http://127.0.0.1:${pages.port}/`
    pages.page(appPage(publishableKeyFor('mock.clerk.accounts.dev'), mockOnLocalhost()))
    await page.goto(app)
    // First visit: clerk-js asks the mock for a dev browser and is signed out.
    const first = await loadClerk(page)
    t.equal(first.sessionId, null)
    const devBrowser = (await page.context().cookies(app)).find((c) => c.name === '__clerk_db_jwt')?.value
    t.match(devBrowser, /^dvb_[0-9A-Za-z]{27}$/)

    // Sign that dev browser in (as Clerk's Account Portal would) and come back.
    await page.goto(`${mockOnLocalhost()}/__mock/sign-in?user_id=${ADA}&__clerk_db_jwt=${devBrowser}&redirect_url=${encodeURIComponent(app)}`)
    const loaded = await loadClerk(page)
    t.equal(loaded.userId, ADA)

    const token = await attempt(page, 'getToken')
    const payload = await verifyToken(token.jwt!, { jwtKey: mock.publicKeyPem, authorizedParties: [app.slice(0, -1)] })
    t.equal(payload.sid, loaded.sessionId)

    t.equal((await attempt(page, 'end')).ok, true)
    t.same(await sessionsSeen(page), { current: null, onClient: [[loaded.sessionId, 'ended']] })

    // After a reset the mock no longer knows the dev browser; clerk-js replaces it on the next load.
    mock.reset()
    await page.reload()
    const again = await loadClerk(page)
    t.equal(again.sessionId, null)
    const replaced = (await page.context().cookies(app)).find((c) => c.name === '__clerk_db_jwt')?.value
    t.match(replaced, /^dvb_/)
    t.not(replaced, devBrowser)
  })
}
