/**
 * examples/nextjs: a real Next 16.4 App Router app on @clerk/nextjs 7.9, configured only by its
 * environment, built once (cached) and run with `next start -H localhost` against the mock, driven by
 * headless Chromium. The flows of issue 10: a first visit signed out (the handshake round trip), the
 * protected page sending a signed-out visitor to <SignIn/>, signing in through the package's
 * Playwright helper onto the protected page, and three ways out: the mock clock past the session's
 * expire_at, a Backend API revoke, and signing out. And issue 12's route handler
 * (app/api/webhooks/route.ts) verifying the mock's events with its real signature check.
 * Organizations (issue 13): an admin and a member each switch to Acme with <OrganizationSwitcher/>
 * in Chromium; the page gated on `auth().has({ role: 'org:admin' })` shows for the admin only.
 *
 * Mutations tried for the organization test (each went red, then reverted): the v2 `rol` claim kept
 * its `org:` prefix (Grace's page says "org:org:member of acme"; Ada's still passes, since
 * @clerk/shared collapses repeated `org:` prefixes in has()); the user JSON's
 * organization_memberships left empty (the switcher never shows Acme active: both time out);
 * organization_settings.enabled false (no switcher rendered: both time out).
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import t, { type Test } from 'tap'
import { createClerkClient } from '@clerk/backend'
import { startClerkMock, type ClerkMock } from '../../src/index.js'
import { signIn, signOut } from '../../src/playwright.js'
import type { Fixture } from '../../src/fixtures/schema.js'
import { launchChromium, skipBrowser } from '../helpers/browser.js'
import { appEnvironment, BuildCache, EXAMPLES, freePort, installed, newContext, sourceFiles, startApp, timed } from './helpers.js'

const APP = join(EXAMPLES, 'nextjs')
const NEXT = join(APP, 'node_modules', 'next', 'dist', 'bin', 'next')
const STAMP = join(APP, '.next', 'clerk-fapi-mock-build.json')
// The publishable key names the mock's host:port and is inlined at build time, so the mock must come
// back on the same port for a cached build to be usable. This one unless it is taken.
const PREFERRED_PORT = 4011

const ADA = 'user_ada000000000000000000000000'
const GRACE = 'user_grace0000000000000000000000'
// Ada's password, for signing in through the app's own <SignIn/> page.
const ADA_PASSWORD = 'analytical engine 1843'
// The app's CLERK_WEBHOOK_SIGNING_SECRET and the mock's endpoint secret, as .env.example has it.
const WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const ACME = 'org_acme0000000000000000000000'
// The clock follows real time: the app's @clerk/backend checks exp/nbf/iat against the real clock.
const fixture: Fixture = {
  users: [
    { id: ADA, first_name: 'Ada', last_name: 'Lovelace', email_address: 'ada@example.com', password: ADA_PASSWORD },
    { id: GRACE, first_name: 'Grace', last_name: 'Hopper', email_address: 'grace@example.com' },
  ],
  clients: [],
  // Ada is Acme's admin, Grace a member: the /org-admin page (auth().has({ role: 'org:admin' })) is Ada's only.
  organizations: [{ id: ACME, name: 'Acme', members: [{ user_id: ADA, role: 'org:admin' }, { user_id: GRACE, role: 'org:member' }] }],
}

const skip = skipBrowser || (!installed('nextjs') && 'examples/nextjs has no node_modules: run `npm run test:apps`, which installs it')
t.setTimeout(900_000)

/**
 * The previous build's port when it is free (its build stays usable), else 4011, else any free port.
 * Its webhook endpoint is the app's route on `appPort`.
 */
async function startMock(appPort: number): Promise<ClerkMock> {
  const options = { fixtures: fixture, webhooks: [{ url: `http://localhost:${appPort}/api/webhooks`, secret: WEBHOOK_SECRET }] }
  const previous = BuildCache.previous(STAMP)?.port
  const candidates = [...new Set([typeof previous === 'number' ? previous : PREFERRED_PORT, PREFERRED_PORT])]
  for (const port of candidates) {
    try {
      return await startClerkMock({ ...options, port })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error
    }
  }
  return startClerkMock({ ...options, port: await freePort() })
}

/** What the build inlines: NEXT_PUBLIC_* (the key names the mock's port). The rest is read at run time. */
function inlinedEnv(mock: ClerkMock): Record<string, string> {
  return { NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY: mock.publishableKey, NEXT_PUBLIC_CLERK_SIGN_IN_URL: '/sign-in' }
}

/** `next build` unless the last build had the same sources, lock and inlined values. */
function ensureBuilt(t: Test, mock: ClerkMock): void {
  const inlined = inlinedEnv(mock)
  // next-env.d.ts is written by the build; .next is the build.
  const cache = new BuildCache(APP, STAMP, sourceFiles(APP, (rel) => rel === '.next' || rel === 'next-env.d.ts'), inlined)
  if (cache.fresh) {
    t.comment(`next build: cached (${cache.key.slice(0, 12)}, mock port ${new URL(mock.url).port})`)
    return
  }
  cache.invalidate()
  const start = performance.now()
  const r = spawnSync(process.execPath, [NEXT, 'build'], { cwd: APP, env: appEnvironment(inlined), encoding: 'utf8' })
  const seconds = ((performance.now() - start) / 1000).toFixed(1)
  if (r.status !== 0) throw new Error(`next build failed (${r.status ?? r.signal}) after ${seconds} s:\n${r.stdout}\n${r.stderr}`)
  cache.stamp({ port: Number(new URL(mock.url).port) })
  t.comment(`next build: ${seconds} s (mock port ${new URL(mock.url).port})`)
}

/** The environment a user's deployment gives the app (`.env.example`), pointing at this mock. */
function runtimeEnv(mock: ClerkMock, port: number): Record<string, string> {
  return appEnvironment({
    ...inlinedEnv(mock),
    CLERK_SECRET_KEY: mock.secretKey,
    CLERK_API_URL: mock.apiUrl,
    CLERK_WEBHOOK_SIGNING_SECRET: WEBHOOK_SECRET,
    PORT: String(port),
  })
}

/** The text of a data-testid element once it no longer says `loading`. */
async function settled(page: Page, testId: string): Promise<string> {
  const locator = page.getByTestId(testId)
  await locator.filter({ hasNotText: 'loading' }).waitFor({ timeout: 30_000 })
  return (await locator.textContent()) ?? ''
}

t.test('examples/nextjs', { skip }, async (t) => {
  // The app's port first: the mock's webhook endpoint names it.
  const port = await freePort()
  const mock = await startMock(port)
  t.teardown(() => mock.stop())
  ensureBuilt(t, mock)

  const started = await timed(() =>
    startApp(t, { command: process.execPath, args: [NEXT, 'start', '-H', 'localhost', '-p', String(port)], cwd: APP, env: runtimeEnv(mock, port), ready: /Ready in/ }),
  )
  const app = started.value
  t.comment(`next start: ${started.seconds} s`)
  const base = `http://localhost:${port}`

  const browser: Browser = await launchChromium()
  t.teardown(() => browser.close())

  // The app's own view of the Backend API, as a test suite would use it next to the app.
  const clerk = createClerkClient({ apiUrl: mock.apiUrl, secretKey: mock.secretKey })
  t.beforeEach(() => mock.reset())

  t.test('a first visit is signed out, through the handshake', async (t) => {
    const page = await (await newContext(t, browser)).newPage()
    // Every document navigation the browser made, to see the round trip to the mock and back.
    const documents: string[] = []
    page.on('request', (r) => {
      if (r.isNavigationRequest()) documents.push(r.url())
    })
    const res = await page.goto(base + '/')
    t.equal(res?.status(), 200, 'the page answers 200', { output: app.output() })
    t.ok(
      documents.some((u) => u.startsWith(`${mock.httpsUrl}/v1/client/handshake?`)),
      'the browser went to the mock handshake',
      { documents },
    )
    t.equal(new URL(page.url()).origin, base, 'and came back to the app')
    t.equal(await settled(page, 'server-status'), 'server: signed out', 'the server rendered signed out')
    t.equal(await settled(page, 'client-status'), 'client: signed out', 'clerk-js in the page is signed out')
  })

  t.test('the protected page sends a signed-out visitor to /sign-in, which renders <SignIn/>', async (t) => {
    const page = await (await newContext(t, browser)).newPage()
    await page.goto(base + '/protected')
    const url = new URL(page.url())
    t.equal(url.origin + url.pathname, base + '/sign-in', 'auth.protect() redirected to NEXT_PUBLIC_CLERK_SIGN_IN_URL')
    t.equal(new URL(url.searchParams.get('redirect_url') ?? '', base).pathname, '/protected', 'naming the page to come back to')
    await page.locator('.cl-signIn-root').waitFor({ timeout: 30_000 })
    t.ok(await page.locator('input[name=identifier]').isVisible(), '<SignIn/> shows its identifier field')
  })

  /** A new browser signed in as Ada through the helper, on the protected page. */
  async function signedIn(t: Test): Promise<{ page: Page; sessionId: string }> {
    const page = await (await newContext(t, browser)).newPage()
    await page.goto(base + '/')
    const { sessionId } = await signIn(page, { mock, emailAddress: 'ada@example.com' })
    await page.goto(base + '/protected')
    return { page, sessionId }
  }

  /**
   * The next navigation signs the browser out: the server may render that page once more (the
   * `__session` cookie holds a token still valid for up to its 60 s, verified offline, as with Clerk),
   * but clerk-js's `GET /v1/client` on that page load finds the session gone and clears the cookies;
   * the navigation after it is signed out on the server too.
   */
  async function nextNavigationSignsOut(t: Test, page: Page): Promise<void> {
    await page.goto(base + '/protected')
    await page.getByTestId('client-status').filter({ hasText: 'client: signed out' }).waitFor({ timeout: 30_000 })
    t.pass('on the next navigation clerk-js in the page finds itself signed out')
    await page.goto(base + '/protected')
    t.equal(new URL(page.url()).pathname, '/sign-in', 'and the one after it is sent to /sign-in by the server')
    await page.goto(base + '/')
    t.equal(await settled(page, 'server-status'), 'server: signed out', 'the server sees no session')
    t.equal(await settled(page, 'client-status'), 'client: signed out', 'neither does clerk-js')
  }

  t.test('signing in through the helper lands on the protected page showing the email', async (t) => {
    const { page, sessionId } = await signedIn(t)
    t.equal(new URL(page.url()).pathname, '/protected', 'stays on the protected page')
    t.equal(await settled(page, 'email'), 'ada@example.com', 'currentUser() read the email through the Backend API')
    t.equal(await settled(page, 'session'), `${ADA} · ${sessionId}`, 'auth() names the user and the session the helper made')
    t.equal(await settled(page, 'client-status'), 'client: signed in as ada@example.com', 'useUser() in the page agrees')
    await page.locator('.cl-userButtonTrigger').waitFor({ timeout: 30_000 })
    t.pass('<UserButton/> is shown (inside <Show when="signed-in">)')
  })

  t.test("the mock clock past the session's expire_at signs the browser out on the next navigation", async (t) => {
    const { page, sessionId } = await signedIn(t)
    t.equal(await settled(page, 'email'), 'ada@example.com', 'signed in on the protected page')
    const session = await clerk.sessions.getSession(sessionId)
    mock.clock.set(session.expireAt + 1000)
    t.equal((await clerk.sessions.getSession(sessionId)).status, 'expired', 'the mock says expired')
    await nextNavigationSignsOut(t, page)
  })

  t.test('a Backend API revoke signs the browser out on the next navigation', async (t) => {
    const { page, sessionId } = await signedIn(t)
    t.equal(await settled(page, 'email'), 'ada@example.com', 'signed in on the protected page')
    t.equal((await clerk.sessions.revokeSession(sessionId)).status, 'revoked', '@clerk/backend revokes it')
    await nextNavigationSignsOut(t, page)
  })

  t.test('signing out through the helper', async (t) => {
    const { page, sessionId } = await signedIn(t)
    t.equal(await settled(page, 'email'), 'ada@example.com', 'signed in on the protected page')
    await signOut(page)
    // clerk-js signs out with DELETE /v1/client/sessions, which removes every session of the client.
    t.equal((await clerk.sessions.getSession(sessionId)).status, 'removed', 'the mock removed the session')
    await page.goto(base + '/protected')
    t.equal(new URL(page.url()).pathname, '/sign-in', 'the protected page sends the browser to /sign-in at once')
    await page.goto(base + '/')
    t.equal(await settled(page, 'server-status'), 'server: signed out', 'the server sees no session')
    t.equal(await settled(page, 'client-status'), 'client: signed out', 'neither does clerk-js')
    t.ok(await page.getByTestId('sign-in-link').isVisible(), '<Show when="signed-out"> shows the sign-in link')
  })

  t.test("the app's webhook route verifies user.created, session.created and session.ended from the mock", async (t) => {
    const user = await clerk.users.createUser({ emailAddress: ['hedy@example.com'] })
    const { session } = mock.createSession({ userId: user.id })
    t.equal((await fetch(`${mock.url}/v1/client/sessions/${session.id}/end`, { method: 'POST' })).status, 200, 'a Frontend API end')
    await mock.webhooks.settled()
    t.same(
      mock.webhooks.deliveries.map((d) => [d.status, d.attempts.map((a) => `${a.status} ${a.response}`)]),
      [
        ['succeeded', [`200 Webhook received: user.created ${user.id}`]],
        ['succeeded', [`200 Webhook received: session.created ${session.id}`]],
        ['succeeded', [`200 Webhook received: session.ended ${session.id}`]],
      ],
      'each accepted by verifyWebhook at its first attempt, in order',
      { output: app.output() },
    )
  })

  t.test('a delivery signed with another secret is refused by the route (the check is real)', async (t) => {
    const other = await startClerkMock({ fixtures: fixture, webhooks: [{ url: `${base}/api/webhooks`, secret: 'whsec_' + Buffer.alloc(24, 7).toString('base64') }] })
    t.teardown(() => other.stop())
    other.createSession({ userId: ADA })
    await other.webhooks.settled()
    t.same(other.webhooks.deliveries[0].attempts.map((a) => `${a.status} ${a.response}`), ['400 Webhook verification failed'])
  })

  // Issue 11's "done when": a user signs in the way a person does, through the app's own /sign-in.
  // Mutation seen failing: typing another password (the form shows Clerk's error and stays on /sign-in).
  t.test("signing in through the app's own <SignIn/> page (email, then password) lands on the protected page", async (t) => {
    const page = await (await newContext(t, browser)).newPage()
    await page.goto(base + '/protected')
    t.equal(new URL(page.url()).pathname, '/sign-in', 'sent to the sign-in page')
    await page.locator('input[name=identifier]').fill('ada@example.com')
    await page.getByRole('button', { name: 'Continue', exact: true }).click()
    await page.locator('input[name=password]').fill(ADA_PASSWORD)
    await page.getByRole('button', { name: 'Continue', exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/protected', { timeout: 30_000 })
    t.pass('back on /protected, the redirect_url the sign-in page was given')
    t.equal(await settled(page, 'email'), 'ada@example.com', 'currentUser() read the email through the Backend API')
    const session = /^user_\w+ · (sess_\w+)$/.exec(await settled(page, 'session'))
    t.ok(session, 'auth() names a session')
    t.match(await clerk.sessions.getSession(session![1]), { userId: ADA, status: 'active' }, "the mock's session, Ada's, active")
    t.equal(await settled(page, 'client-status'), 'client: signed in as ada@example.com', 'useUser() in the page agrees')
  })

  /** The active organization in the page's `__session` cookie (what the server's auth() reads), once it is `orgId`. */
  async function sessionCookieNames(page: Page, orgId: string): Promise<void> {
    for (let i = 0; i < 300; i++) {
      const cookie = (await page.context().cookies()).find((c) => c.name === '__session')
      const claims = cookie ? JSON.parse(Buffer.from(cookie.value.split('.')[1] ?? '', 'base64url').toString() || '{}') : {}
      if (claims.o?.id === orgId) return
      await page.waitForTimeout(100)
    }
    throw new Error(`the __session cookie never named ${orgId}`)
  }

  t.test("<OrganizationSwitcher/> switches to Acme: the has({ role: 'org:admin' }) page shows for the admin, not for the member", async (t) => {
    for (const [email, expected] of [
      ['ada@example.com', 'admin of acme'],
      ['grace@example.com', 'not an admin: org:member of acme'],
    ] as const) {
      await t.test(email, async (t) => {
        const page = await (await newContext(t, browser)).newPage()
        await page.goto(base + '/')
        await signIn(page, { mock, emailAddress: email })
        await page.goto(base + '/org-admin')
        t.equal(await settled(page, 'org-admin'), 'not an admin: no active organization', 'the personal account first: no organization in the token')
        await page.locator('.cl-organizationSwitcherTrigger').click({ timeout: 30_000 })
        await page.locator('.cl-organizationSwitcherPreviewButton', { hasText: 'Acme' }).click({ timeout: 30_000 })
        await page.locator('.cl-organizationSwitcherTrigger', { hasText: 'Acme' }).waitFor({ timeout: 30_000 })
        t.pass('the switcher shows Acme as the active organization')
        await sessionCookieNames(page, ACME)
        await page.goto(base + '/org-admin')
        t.equal(await settled(page, 'org-admin'), expected, `the server's auth() for ${email}`)
        // What clerk-js and the switcher asked for (touch included): every organization request answered, none a 404 it would retry.
        const asked = mock.requests.filter((r) => /organization|\/touch$/.test(r.path))
        t.comment(`organization requests: ${[...new Set(asked.map((r) => `${r.method} ${r.path.replace(/org_\w+/, 'org_…')} ${r.status}`))].join(', ')}`)
        t.same(asked.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.path} ${r.status}`), [], 'no organization request failed')
        t.ok(asked.some((r) => r.path === '/v1/me/organization_memberships' && r.status === 200), 'the switcher listed the memberships')
      })
    }
  })
})
