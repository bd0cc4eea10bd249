/**
 * What every server-SDK example must do against the mock, run by test/apps/express.test.ts and
 * test/apps/fastify.test.ts on their own app: Bearer tokens minted by the mock (signed in, forged,
 * revoked, ended, clock moves as @clerk/backend really treats them), then cookies through the
 * handshake in headless Chromium. Each app serves `/` (public), `/api/me` (401 JSON or the user
 * from the Backend API) and, when `protectedPage`, `/protected` behind requireAuth().
 */
import { createClerkClient } from '@clerk/backend'
import type { Browser } from 'playwright-core'
import type { Test } from 'tap'
import { startClerkMock } from '../../src/index.js'
import { launchChromium, skipBrowser } from '../helpers/browser.js'
import { ADA, GRACE, SERVER_APP_FIXTURE as fixture, bearerGet as get, handshakeBrowser, mintRaw, mintToken, newContext, startServerExample } from './helpers.js'

export function serverAppContract(t: Test, SERVER: string, { protectedPage }: { protectedPage: boolean }): void {
  t.test('Bearer tokens', async (t) => {
    const mock = await startClerkMock({ fixtures: fixture })
    t.teardown(() => mock.stop())
    const app = await startServerExample(t, mock, SERVER)
    const backend = createClerkClient({ secretKey: mock.secretKey, apiUrl: mock.apiUrl })

    const { session, clientToken } = mock.createSession({ userId: ADA })
    const jwt = await mintToken(mock, session.id, clientToken)

    t.test('no token: signed out, the API route answers 401 JSON', async (t) => {
      t.match(await get(`${app}/`), { status: 200, body: { page: 'public', userId: null }, auth: 'signed-out | dev-browser-missing' })
      t.match(await get(`${app}/api/me`), { status: 401, body: { error: 'Unauthenticated' } })
      // Not a document request (no Accept: text/html): no handshake, straight to CLERK_SIGN_IN_URL or `/`.
      if (protectedPage) t.match(await get(`${app}/protected`), { status: 302, location: '/' })
    })

    t.test('a token the mock minted: signed in as its user, and getUser reads the email from the Backend API', async (t) => {
      t.same((await get(`${app}/`, jwt)).body, { page: 'public', userId: ADA })
      if (protectedPage) t.same((await get(`${app}/protected`, jwt)).body, { page: 'protected', userId: ADA })
      t.same((await get(`${app}/api/me`, jwt)).body, { userId: ADA, sessionId: session.id, email: 'ada@example.com' })
      const grace = mock.createSession({ userId: GRACE })
      const graceJwt = await mintToken(mock, grace.session.id, grace.clientToken)
      t.same((await get(`${app}/api/me`, graceJwt)).body, { userId: GRACE, sessionId: grace.session.id, email: 'grace@example.com' })
    })

    t.test('a token whose claims were changed is signed out', async (t) => {
      const [header, payload, signature] = jwt.split('.')
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString())
      const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: GRACE })).toString('base64url')}.${signature}`
      t.match(await get(`${app}/api/me`, forged), { status: 401, auth: /^signed-out \| token-invalid-signature/ })
    })

    // Session tokens are stateless JWTs: the app checks their signature and exp and never asks the mock,
    // as with Clerk. A revoked or ended session's token works until its exp (60 s); no new one is minted.
    t.test('a session revoked through the Backend API: its last token still works, the mock mints no new one', async (t) => {
      const s = mock.createSession({ userId: ADA })
      const token = await mintToken(mock, s.session.id, s.clientToken)
      t.equal((await backend.sessions.revokeSession(s.session.id)).status, 'revoked')
      t.equal((await get(`${app}/`, token)).body.userId, ADA)
      const again = await mintRaw(mock, s.session.id, s.clientToken)
      t.equal(again.status, 404, 'a revoked session leaves its client')
    })

    t.test('a session ended (signed out) on the mock: the same', async (t) => {
      const s = mock.createSession({ userId: ADA })
      const token = await mintToken(mock, s.session.id, s.clientToken)
      const end = await fetch(`${mock.url}/v1/client/sessions/${s.session.id}/end`, { method: 'POST', headers: { cookie: `__client=${s.clientToken}` } })
      t.equal(end.status, 200)
      t.equal((await get(`${app}/`, token)).body.userId, ADA)
      const again = await mintRaw(mock, s.session.id, s.clientToken)
      t.equal(again.status, 401)
      t.equal(((await again.json()) as any).errors[0].code, 'signed_out')
    })

    // Last: these move the mock clock.
    t.test('the mock clock moved: the app checks tokens against its own (real) clock', async (t) => {
      const s = mock.createSession({ userId: ADA })
      const before = await mintToken(mock, s.session.id, s.clientToken)

      mock.clock.advance('1h')
      const ahead = await mintToken(mock, s.session.id, s.clientToken)
      t.match(await get(`${app}/`, ahead), { body: { userId: null }, auth: /^signed-out \| session-token-nbf/ }, 'a token issued an hour ahead of the real clock is not valid yet')

      mock.clock.advance('7d')
      const expired = await mintRaw(mock, s.session.id, s.clientToken)
      t.equal(expired.status, 401, 'past expire_at the mock mints no token')
      t.equal(((await expired.json()) as any).errors[0].code, 'signed_out')
      t.equal((await get(`${app}/`, before)).body.userId, ADA, 'a token minted before is valid until its own exp on the real clock')
    })
  })

  t.test('cookies through the handshake, in headless Chromium', { skip: skipBrowser }, async (t) => {
    const mock = await startClerkMock({ fixtures: fixture })
    t.teardown(() => mock.stop())
    const app = await startServerExample(t, mock, SERVER)
    const backend = createClerkClient({ secretKey: mock.secretKey, apiUrl: mock.apiUrl })
    const browser: Browser = await launchChromium()
    t.teardown(() => browser.close())
    const { visit, roundTrips, sessionCookie, dropSessionCookies, signedInBrowser } = handshakeBrowser(browser, mock, app)

    t.test('a fresh browser is sent to the mock handshake and comes back signed out; then no more round trips', async (t) => {
      const context = await newContext(t, browser)
      const first = await visit(context, `${app}/`)
      t.same(first.body, { page: 'public', userId: null })
      t.equal(roundTrips(first), 1, 'went through the handshake once', { documents: first.documents })
      t.equal(first.final, `${app}/`, 'and back to the page it asked for, the handshake parameter gone')
      const cookies = Object.fromEntries((await context.cookies(app)).map((c) => [c.name, c.value]))
      t.match(cookies, { __clerk_db_jwt: /^dvb_/, __client_uat: '0' }, 'a dev browser, and signed out')
      const again = await visit(context, `${app}/`)
      t.same(again.documents, [`${app}/`], 'the dev browser cookie stops the round trips')
      t.same(again.body, { page: 'public', userId: null })
      if (protectedPage) {
        const page = await visit(context, `${app}/protected`)
        t.equal(page.final, `${app}/`, 'requireAuth() sends a signed-out browser to CLERK_SIGN_IN_URL or /')
      }
    })

    t.test('a browser signed in on the mock comes back from the handshake signed in', async (t) => {
      const { context, first } = await signedInBrowser(t, ADA)
      t.equal(roundTrips(first), 1, 'went through the handshake once', { documents: first.documents })
      t.same(first.body, { page: 'public', userId: ADA })
      const token = await sessionCookie(context)
      t.equal(token?.sub, ADA, 'the app holds a session cookie for the user')
      if (protectedPage) t.same((await visit(context, `${app}/protected`)).body, { page: 'protected', userId: ADA }, 'requireAuth() lets it in')
      t.same((await visit(context, `${app}/api/me`)).body, { userId: ADA, sessionId: token?.sid, email: 'ada@example.com' }, 'getUser() through the Backend API')
    })

    t.test('a Backend API revoke signs the browser out at its next handshake', async (t) => {
      const { context } = await signedInBrowser(t, GRACE)
      const token = (await sessionCookie(context))!
      t.equal((await backend.sessions.revokeSession(token.sid)).status, 'revoked')
      const before = await visit(context, `${app}/`)
      t.same(before.body, { page: 'public', userId: GRACE }, 'the cookie token is still valid: no handshake yet')
      t.same(before.documents, [`${app}/`])
      await dropSessionCookies(context)
      const after = await visit(context, `${app}/`)
      t.equal(roundTrips(after), 1, 'the next handshake', { documents: after.documents })
      t.same(after.body, { page: 'public', userId: null }, 'signs it out')
      t.equal(await sessionCookie(context), null)
    })

    // Last: moves the mock clock.
    t.test("the mock clock past the session's expire_at signs the browser out at its next handshake", async (t) => {
      const { context } = await signedInBrowser(t, ADA)
      t.ok(await sessionCookie(context))
      mock.clock.advance('8d')
      t.same((await visit(context, `${app}/`)).body, { page: 'public', userId: ADA }, 'the cookie token is valid on the real clock until its exp')
      await dropSessionCookies(context)
      const after = await visit(context, `${app}/`)
      t.equal(roundTrips(after), 1, 'the next handshake', { documents: after.documents })
      t.same(after.body, { page: 'public', userId: null }, 'signs it out')
    })
  })
}
