/**
 * The real clerk-js (6.40, plain Node, no DOM) against a running mock, with the package's
 * `withNativeClient` helper; its tokens verified by the real @clerk/backend (3.25).
 */
import t from 'tap'
import { claimsOf, rejection } from '../helpers/assertions.js'
import { createClerkClient, verifyToken } from '@clerk/backend'
import { isClerkAPIResponseError } from '@clerk/shared/error'
import { startClerkMock, type ClerkMock } from '../../src/index.js'
import { loadNodeClerk, nativeClientToken, type ClerkInstance } from '../helpers/clerk-node.js'

const ADA = 'user_1n5BS00ns3t21GWIXiPJ0KcSe02'


let mock: ClerkMock
t.before(async () => {
  mock = await startClerkMock({ defaultAzp: 'http://localhost:3000' })
})
t.teardown(() => mock.stop())
t.beforeEach(() => mock.reset())

async function signedIn(): Promise<{ clerk: ClerkInstance; sessionId: string; clientId: string; clientToken: string }> {
  const { session, client, clientToken } = mock.createSession({ userId: ADA })
  const clerk = await loadNodeClerk(mock, clientToken)
  return { clerk, sessionId: session.id, clientId: client.id, clientToken }
}

t.test('load sees the session the test created; without the helper clerk-js would load signed out', async (t) => {
  const { clerk, sessionId, clientId } = await signedIn()
  t.equal(clerk.loaded, true)
  t.equal(clerk.session?.id, sessionId)
  t.equal(clerk.client?.id, clientId)
  t.equal(clerk.user?.id, ADA)
  t.equal(clerk.user?.firstName, 'Ada')
  t.equal(clerk.session?.status, 'active')
})

t.test('a native client without a token starts with no client and keeps the one the mock hands out', async (t) => {
  const clerk = await loadNodeClerk(mock)
  t.equal(clerk.session, null)
  t.equal(nativeClientToken(clerk), null)
  // clerk-js creates a client on demand (here, explicitly): the token comes back in `Authorization`.
  await (clerk.client as any).create()
  const token = nativeClientToken(clerk)
  t.type(token, 'string')
  const clientId = clerk.client!.id as string
  t.match(clientId, /^client_/)
  t.equal(token, mock.clientToken(clientId))
  // The kept token names that client on the next request.
  mock.createSession({ userId: ADA, clientId })
  await clerk.client!.reload()
  t.equal(clerk.client!.sessions.length, 1)
})

t.test('getToken gives a JWT that @clerk/backend accepts three ways', async (t) => {
  const { clerk, sessionId } = await signedIn()
  const jwt = (await clerk.session!.getToken({ skipCache: true }))!
  t.type(jwt, 'string')
  const claims = claimsOf(jwt)
  t.equal(claims.sub, ADA)
  t.equal(claims.sid, sessionId)
  t.equal(claims.iss, mock.httpsUrl, 'https://<publishable key host>')
  t.equal(claims.azp, 'http://localhost:3000', 'defaultAzp, since clerk-js in Node sends no Origin')
  t.equal(claims.v, 2)

  t.test('jwtKey (no network)', async (t) => {
    const payload = await verifyToken(jwt, { jwtKey: mock.publicKeyPem, authorizedParties: ['http://localhost:3000'] })
    t.equal(payload.sid, sessionId)
  })

  t.test('secretKey + apiUrl: the JWKS comes from the mock', async (t) => {
    const payload = await verifyToken(jwt, { secretKey: 'sk_test_x', apiUrl: mock.url, skipJwksCache: true })
    t.equal(payload.sub, ADA)
  })

  t.test('authenticateRequest with a Bearer header', async (t) => {
    const backend = createClerkClient({ publishableKey: mock.publishableKey, secretKey: 'sk_test_x', jwtKey: mock.publicKeyPem, telemetry: { disabled: true } })
    const request = new Request('http://localhost:3000/api/me', { headers: { authorization: `Bearer ${jwt}` } })
    const state = await backend.authenticateRequest(request, { jwtKey: mock.publicKeyPem, authorizedParties: ['http://localhost:3000'] })
    t.equal(state.isSignedIn, true, state.message ?? '')
    const auth = state.toAuth() as { userId: string | null; sessionId: string | null }
    t.equal(auth.userId, ADA)
    t.equal(auth.sessionId, sessionId)
  })

  t.test('a token from another mock (another key) is rejected', async (t) => {
    await using other = await startClerkMock()
    await t.rejects(verifyToken(jwt, { jwtKey: other.publicKeyPem }))
  })
})

t.test('touch, end, remove and their errors', async (t) => {
  t.test('touch marks activity', async (t) => {
    const { clerk, sessionId } = await signedIn()
    const before = clerk.session!.lastActiveAt.getTime()
    mock.clock.advance('1m')
    await clerk.session!.touch()
    t.equal(clerk.session?.id, sessionId)
    t.ok(clerk.session!.lastActiveAt.getTime() >= before + 60_000)
  })

  t.test('end: clerk.session becomes null, the session stays on the client as ended', async (t) => {
    const { clerk, sessionId } = await signedIn()
    const session = clerk.session!
    await session.end()
    t.equal(clerk.session, null)
    t.same(
      clerk.client!.sessions.map((s) => [s.id, s.status]),
      [[sessionId, 'ended']],
    )
    // Ending it again is Clerk's 400, as a ClerkAPIResponseError.
    const e = await rejection(session.end())
    t.ok(isClerkAPIResponseError(e), 'isClerkAPIResponseError')
    t.equal(e.status, 400)
    t.equal(e.errors[0].code, 'invalid_action_for_session')
    t.equal(e.errors[0].longMessage, `Unable to end session ${sessionId}`)
  })

  t.test('remove: the session is gone from the client; later calls are 404', async (t) => {
    const { clerk } = await signedIn()
    const session = clerk.session!
    await session.remove()
    t.equal(clerk.session, null)
    t.same(clerk.client!.sessions, [])
    const e = await rejection(session.touch())
    t.ok(isClerkAPIResponseError(e))
    t.equal(e.status, 404)
    t.equal(e.errors[0].code, 'resource_not_found')
  })

  t.test('a session the mock never had is 404 resource_not_found', async (t) => {
    const { clerk } = await signedIn()
    const session = clerk.session!
    // Same resource, an id this client does not own: what a stale or foreign id looks like to clerk-js.
    ;(session as any).id = 'sess_2xNotAnywhere0000000000000'
    const e = await rejection(session.end())
    t.ok(isClerkAPIResponseError(e))
    t.equal(e.status, 404)
    t.equal(e.errors[0].code, 'resource_not_found')
  })

  t.test('tokens for a signed-out session are 401 signed_out', async (t) => {
    const { clerk, sessionId } = await signedIn()
    const session = clerk.session!
    const res = await fetch(`${mock.url}/v1/client/sessions/${sessionId}/end?_is_native=1`, {
      method: 'POST',
      headers: { authorization: nativeClientToken(clerk)! },
    })
    t.equal(res.status, 200)
    const e = await rejection(session.getToken({ skipCache: true }))
    t.ok(isClerkAPIResponseError(e), String(e))
    t.equal(e.status, 401)
    t.equal(e.errors[0].code, 'signed_out')
  })
})

t.test('signOut removes every session and keeps the client', async (t) => {
  const { clerk, clientId } = await signedIn()
  // clerk-js 6.40 finishes signOut's request and state update, then touches `window` (REFERENCE §8).
  await clerk.signOut().catch((e: Error) => {
    if (!(e instanceof ReferenceError)) throw e
  })
  t.equal(clerk.session, null)
  t.equal(clerk.client?.id, clientId)
  t.same(clerk.client?.sessions, [])
  const state = await fetch(`${mock.url}/v1/client?_is_native=1`, { headers: { authorization: nativeClientToken(clerk)! } })
  const body = (await state.json()) as { response: { id: string; sessions: unknown[] } }
  t.equal(body.response.id, clientId)
  t.same(body.response.sessions, [])
})

t.test('time: the mock clock drives expiry and token times', async (t) => {
  t.test('after advancing past expire_at, the next client fetch shows the session expired', async (t) => {
    const { clerk, sessionId } = await signedIn()
    const expireAt = clerk.session!.expireAt.getTime()
    mock.clock.set(expireAt)
    // The next token request is 401; clerk-js answers any 401 by fetching the client again.
    const e = await rejection(clerk.session!.getToken({ skipCache: true }))
    t.equal(e?.status, 401)
    t.equal(clerk.session, null, 'no signed-in session any more')
    t.same(
      clerk.client!.sessions.map((s) => [s.id, s.status]),
      [[sessionId, 'expired']],
    )
  })

  t.test('…and so does a plain reload of the resources', async (t) => {
    const { clerk, sessionId } = await signedIn()
    mock.clock.advance('8d')
    await (clerk as any).__internal_reloadInitialResources()
    t.equal(clerk.session, null)
    t.same(
      clerk.client!.sessions.map((s) => [s.id, s.status]),
      [[sessionId, 'expired']],
    )
  })

  t.test('tokens minted after an advance carry the advanced iat; verifiers must be told', async (t) => {
    const { clerk } = await signedIn()
    const advance = 60 * 60_000
    const at = mock.clock.advance(advance)
    const jwt = (await clerk.session!.getToken({ skipCache: true }))!
    const claims = claimsOf(jwt)
    t.equal(claims.iat, Math.floor(at / 1000))
    t.equal(claims.exp - claims.iat, 60)
    // @clerk/backend checks nbf/exp against the real clock: an hour ahead the token is "not active yet"…
    const early = await rejection(verifyToken(jwt, { jwtKey: mock.publicKeyPem }))
    t.equal(early.reason, 'token-not-active-yet')
    // …unless the verifier's tolerance covers the distance between the two clocks.
    const payload = await verifyToken(jwt, { jwtKey: mock.publicKeyPem, clockSkewInMs: advance + 5_000 })
    t.equal(payload.iat, claims.iat)
  })
})
