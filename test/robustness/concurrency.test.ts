/**
 * Concurrency over real sockets: many simultaneous end/remove/revoke/touch/tokens on the same
 * sessions (Promise.all over fetch to 127.0.0.1). Every outcome must fit some one-at-a-time order of
 * the same requests, and the final state must be consistent: each session in exactly one state,
 * removed ones gone from their client, no session twice on a client.
 *
 * What can interleave: Node runs one handler at a time, and end, remove, revoke, touch and DELETE
 * /v1/client check and change the state without awaiting anything, so many of them at once are
 * serial by construction; those tests prove only that nothing on the HTTP path (hooks, identity,
 * routing) awaits between a check and its change. Token mints do await: `POST …/tokens` checks the
 * session, records the activity, then waits for the RSA signature on the thread pool, so other
 * requests run in the middle of a mint. The end+tokens and remove+tokens tests reach that point and
 * show it from the journal (a mint allowed before the end, answered after it).
 */
import t, { type Test } from 'tap'
import { startClerkMock, type ClerkMock } from '../../src/index.js'
import { ADA, BOB, twoClients } from '../helpers/mock.js'
import { clerkErrorFormatProblems } from '../helpers/clerk-error.js'

interface Answer {
  status: number
  json: any
}

async function hit(mock: ClerkMock, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (token) headers.cookie = `__client=${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(mock.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  return { status: res.status, json: text ? JSON.parse(text) : null }
}

const count = (answers: Answer[], status: number, code?: string) =>
  answers.filter((a) => a.status === status && (code === undefined || a.json?.errors?.[0]?.code === code)).length

/** The error answers that are not Clerk error bodies, with what is wrong (empty when all are). */
const errorBodyProblems = (answers: Answer[]) =>
  answers.filter((a) => a.status >= 400).flatMap((a) => clerkErrorFormatProblems(a.json).map((p) => `${a.status}: ${p}`))

/** The whole state, checked for consistency: every session once, on its client exactly when its status says so. */
async function consistentState(t: Test, mock: ClerkMock) {
  const state = (await hit(mock, 'GET', '/__mock/state')).json
  t.ok(state.clients.length > 0, 'there are clients to check')
  const seen = new Set<string>()
  for (const client of state.clients) {
    const onClient: string[] = client.sessions.filter((s: any) => s.on_client).map((s: any) => s.id)
    for (const s of client.sessions) {
      t.notOk(seen.has(s.id), `${s.id} appears once`)
      seen.add(s.id)
      t.equal(s.on_client, s.status !== 'removed' && s.status !== 'revoked', `${s.id} (${s.status}) on its client exactly when not removed or revoked`)
    }
    // The client as its own cookie reads it: the same sessions, each once, last active one signed in.
    const res = await hit(mock, 'GET', '/v1/client', (await hit(mock, 'GET', `/__mock/clients/${client.id}/token`)).json.client_token)
    const ids: string[] = res.json.response.sessions.map((s: any) => s.id)
    t.same(ids, onClient, `${client.id}: GET /v1/client shows the sessions on the client`)
    t.equal(new Set(ids).size, ids.length, `${client.id}: no duplicates`)
    const last = res.json.response.last_active_session_id
    if (last !== null) {
      const s = res.json.response.sessions.find((x: any) => x.id === last)
      t.ok(s && s.status === 'active', `${client.id}: last_active_session_id ${last} is a signed-in session on the client`)
    }
  }
  return state
}

t.test('concurrency over real sockets', async (t) => {
  const mock = await startClerkMock({ fixtures: twoClients() })
  t.teardown(() => mock.stop())
  const N = 40

  // Serial by construction (see the top): these prove no await sneaks in between check and change.
  t.test(`${N} concurrent ends (synchronous handlers, serial by construction): one 200, the others 400 invalid_action_for_session`, async (t) => {
    const { session, clientToken } = mock.createSession({ userId: ADA })
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) => hit(mock, 'POST', `/v1/client/sessions/${session.id}/end`, i % 2 ? clientToken : undefined)),
    )
    t.equal(count(answers, 200), 1, 'one 200')
    t.equal(count(answers, 400, 'invalid_action_for_session'), N - 1, `${N - 1} × 400`)
    t.same(errorBodyProblems(answers), [], 'every refusal is a Clerk error body')
    const after = await hit(mock, 'GET', '/v1/client', clientToken)
    t.same(
      after.json.response.sessions.map((s: any) => [s.id, s.status]),
      [[session.id, 'ended']],
      'ended, still on the client once',
    )
    t.equal(after.json.response.last_active_session_id, null)
  })

  t.test(`${N} concurrent removes (serial by construction): one 200, the others 404`, async (t) => {
    const { session, clientToken } = mock.createSession({ userId: ADA })
    const answers = await Promise.all(
      Array.from({ length: N }, (_, i) => hit(mock, 'POST', `/v1/client/sessions/${session.id}/remove`, i % 2 ? clientToken : undefined)),
    )
    t.equal(count(answers, 200), 1, 'one 200')
    t.equal(count(answers, 404, 'resource_not_found'), N - 1, `${N - 1} × 404`)
    t.same(errorBodyProblems(answers), [], 'every refusal is a Clerk error body')
    t.same((await hit(mock, 'GET', '/v1/client', clientToken)).json.response.sessions, [], 'gone from the client')
    t.equal((await hit(mock, 'GET', `/v1/client/sessions/${session.id}`)).status, 404)
  })

  t.test(`${N} concurrent revokes (serial by construction): one 200`, async (t) => {
    const { session, clientToken } = mock.createSession({ userId: BOB })
    const answers = await Promise.all(Array.from({ length: N }, () => hit(mock, 'POST', `/v1/me/sessions/${session.id}/revoke`)))
    t.equal(count(answers, 200), 1, 'one 200')
    t.equal(count(answers, 404, 'resource_not_found'), N - 1, `${N - 1} × 404`)
    t.same((await hit(mock, 'GET', '/v1/client', clientToken)).json.response.sessions, [], 'gone from the client')
  })

  // A real interleaving point: each mint is suspended on its signature while other requests run.
  for (const finisher of ['end', 'remove'] as const) {
    const refusedMint = finisher === 'end' ? '401 signed_out' : '404 resource_not_found'
    const refusedFinisher = finisher === 'end' ? '400 invalid_action_for_session' : '404 resource_not_found'
    t.test(
      `${N} concurrent ${finisher} and tokens on one session, mints suspended on their signature while the ${finisher} runs: one ${finisher} succeeds, ` +
        `each mint is 200 (checked before the ${finisher}) or ${refusedMint}, and no mint in flight makes the session the last active one again`,
      async (t) => {
        const ROUNDS = 6
        let overlapped = 0
        for (let round = 0; round < ROUNDS; round++) {
          const { session, clientToken } = mock.createSession({ userId: ADA })
          await hit(mock, 'DELETE', '/__mock/requests')
          // Mints first in each pair, so an end or remove arrives while the mint before it is being signed.
          const actions = Array.from({ length: N }, (_, i) => (i % 2 === 0 ? 'tokens' : finisher))
          const answers = await Promise.all(actions.map((a) => hit(mock, 'POST', `/v1/client/sessions/${session.id}/${a}`, clientToken)))
          const outcome = (a: Answer) => (a.status === 200 ? '200' : `${a.status} ${a.json?.errors?.[0]?.code}`)
          const finishers = answers.filter((_, i) => actions[i] === finisher).map(outcome)
          const mints = answers.filter((_, i) => actions[i] === 'tokens')
          t.equal(finishers.filter((o) => o === '200').length, 1, `round ${round}: one ${finisher} 200`)
          t.equal(finishers.filter((o) => o === refusedFinisher).length, N / 2 - 1, `round ${round}: the other ${finisher}s ${refusedFinisher}`)
          t.same(
            mints.map(outcome).filter((o) => o !== '200' && o !== refusedMint),
            [],
            `round ${round}: every mint 200 or ${refusedMint}`,
          )
          t.same(errorBodyProblems(answers), [], `round ${round}: every refusal is a Clerk error body`)
          // The journal records answers as they leave: the one-at-a-time order the mock followed.
          const journal = mock.requests.filter((r) => r.session_id === session.id).map((r) => `${r.path.split('/').pop()} ${r.status}`)
          t.equal(journal.length, N, `round ${round}: every request journaled`)
          const at = journal.indexOf(`${finisher} 200`)
          t.ok(at >= 0, `round ${round}: the ${finisher} is journaled`)
          const refusedStatus = refusedMint.split(' ')[0]
          t.notOk(journal.slice(0, at).includes(`tokens ${refusedStatus}`), `round ${round}: no mint was refused before the ${finisher} answered`)
          overlapped += journal.slice(at + 1).filter((e) => e === 'tokens 200').length
          // Final state: the mints in flight recorded their activity before the signature, i.e. before the change.
          const after = await hit(mock, 'GET', '/v1/client', clientToken)
          t.equal(after.json.response.last_active_session_id, null, `round ${round}: last_active_session_id stays null`)
          const left = after.json.response.sessions.filter((s: any) => s.id === session.id)
          if (finisher === 'end') t.same(left.map((s: any) => s.status), ['ended'], `round ${round}: ended, on the client once`)
          else t.same(left, [], `round ${round}: removed, gone from the client`)
        }
        // Proof that the interleaving point was reached: a mint that passed its check before the
        // change (it got 200, not a refusal) whose answer left after the change's answer.
        t.ok(overlapped > 0, `${overlapped} mints over ${ROUNDS} rounds were checked before the ${finisher} and answered after it`)
        await consistentState(t, mock)
      },
    )
  }

  t.test(`${N} concurrent end, remove, touch and tokens on one session fit a one-at-a-time order`, async (t) => {
    for (let round = 0; round < 5; round++) {
      const { session, clientToken } = mock.createSession({ userId: ADA })
      const actions = Array.from({ length: N }, (_, i) => ['end', 'remove', 'touch', 'tokens', 'get'][(i * 7 + round) % 5])
      const answers = await Promise.all(
        actions.map((a, i) =>
          a === 'get' ? hit(mock, 'GET', `/v1/client/sessions/${session.id}`) : hit(mock, 'POST', `/v1/client/sessions/${session.id}/${a}`, i % 3 ? clientToken : undefined),
        ),
      )
      checkSerializable(t, actions, answers, `round ${round}`)
    }
    await consistentState(t, mock)
  })

  t.test('a storm over 10 clients × 3 sessions: per-session outcomes serializable, final state consistent', async (t) => {
    const sessions: { id: string; token: string }[] = []
    for (let c = 0; c < 10; c++) {
      const first = mock.createSession({ userId: c % 2 ? ADA : BOB })
      sessions.push({ id: first.session.id, token: first.clientToken })
      for (let k = 0; k < 2; k++) sessions.push({ id: mock.createSession({ userId: ADA, clientId: first.client.id }).session.id, token: first.clientToken })
    }
    // A fixed pseudo-random mix (mulberry32), so a failure replays.
    let x = 12345
    const rand = (n: number) => {
      x = (x + 0x6d2b79f5) | 0
      let r = Math.imul(x ^ (x >>> 15), 1 | x)
      r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
      return Math.floor((((r ^ (r >>> 14)) >>> 0) / 2 ** 32) * n)
    }
    const plan = Array.from({ length: 600 }, () => {
      const i = rand(sessions.length)
      // Every third session is only read and marked active; on the others remove is rarer than end,
      // so sessions finish in every state: active, ended, removed.
      const action = i % 3 === 0 ? ['touch', 'tokens', 'get'][rand(3)] : rand(30) < 2 ? 'remove' : ['touch', 'touch', 'tokens', 'get', 'end'][rand(5)]
      return { s: sessions[i], action, asOwner: rand(2) === 0 }
    })
    const answers = await Promise.all(
      plan.map((p) =>
        p.action === 'get'
          ? hit(mock, 'GET', `/v1/client/sessions/${p.s.id}`, p.asOwner ? p.s.token : undefined)
          : hit(mock, 'POST', `/v1/client/sessions/${p.s.id}/${p.action}`, p.asOwner ? p.s.token : undefined, p.action === 'touch' ? { intent: 'focus' } : undefined),
      ),
    )
    t.equal(answers.filter((a) => a.status >= 500).length, 0, 'no 5xx')
    const final = new Map<string, string>()
    for (const s of sessions) {
      const mine = plan.map((p, i) => [p, answers[i]] as const).filter(([p]) => p.s === s)
      const { ended, removed } = checkSerializable(
        t,
        mine.map(([p]) => p.action),
        mine.map(([, a]) => a),
        s.id,
      )
      final.set(s.id, removed ? 'removed' : ended ? 'ended' : 'active')
    }
    const state = await consistentState(t, mock)
    let compared = 0
    for (const client of state.clients) {
      for (const s of client.sessions) {
        if (!final.has(s.id)) continue
        t.equal(s.status, final.get(s.id), `${s.id}: final status follows from the outcomes`)
        compared++
      }
    }
    t.equal(compared, sessions.length, 'every session of the storm is in the state')
    t.same(new Set(final.values()), new Set(['active', 'ended', 'removed']), 'the storm left sessions in every state')
  })

  t.test(`${N} concurrent POST /v1/client give ${N} distinct clients; ${N} concurrent DELETEs of one client (serial by construction): one 200`, async (t) => {
    const created = await Promise.all(Array.from({ length: N }, () => hit(mock, 'POST', '/v1/client')))
    const ids = created.map((a) => a.json.response.id)
    t.equal(new Set(ids).size, N, 'distinct ids')
    const { clientToken } = mock.createSession({ userId: ADA })
    const deletes = await Promise.all(Array.from({ length: N }, () => hit(mock, 'DELETE', '/v1/client', clientToken)))
    t.equal(count(deletes, 200), 1, 'one 200')
    t.equal(count(deletes, 404, 'resource_not_found'), N - 1, 'the rest find no client')
    t.same((await hit(mock, 'GET', '/v1/client', clientToken)).json, { response: null, client: null })
  })

  t.test(`${N} concurrent sign-ins on one client (POST /__mock/sessions): ${N} sessions, each once`, async (t) => {
    const { client } = mock.createSession({ userId: ADA })
    const answers = await Promise.all(Array.from({ length: N }, () => hit(mock, 'POST', '/__mock/sessions', undefined, { user_id: BOB, client_id: client.id })))
    t.equal(count(answers, 200), N)
    const res = await hit(mock, 'GET', '/v1/client', mock.clientToken(client.id))
    const ids = res.json.response.sessions.map((s: any) => s.id)
    t.equal(ids.length, N + 1)
    t.equal(new Set(ids).size, N + 1, 'no duplicates')
    t.ok(ids.includes(res.json.response.last_active_session_id), 'the last active session is one of them')
    await consistentState(t, mock)
  })
})

/**
 * The outcomes of concurrent requests on one session fit a one-at-a-time order (REFERENCE §4, clock
 * frozen): touch/tokens/get succeed until end or remove; at most one end and one remove succeed; after
 * the end, touch is 400, tokens 401 and end 400; after the remove, everything is 404.
 */
function checkSerializable(t: Test, actions: string[], answers: Answer[], what: string): { ended: boolean; removed: boolean } {
  const of = (action: string) => answers.filter((_, i) => actions[i] === action)
  const ends = of('end')
  const removes = of('remove')
  const ended = count(ends, 200) === 1
  const removed = count(removes, 200) === 1
  const problems: string[] = []
  if (count(ends, 200) > 1) problems.push(`${count(ends, 200)} ends succeeded, at most one may`)
  if (count(removes, 200) !== (removes.length > 0 ? 1 : 0)) problems.push(`${count(removes, 200)} of ${removes.length} removes succeeded: the first always does, only one does`)
  for (const [i, a] of answers.entries()) {
    const action = actions[i]
    const allowed: string[] = []
    if (action === 'remove') allowed.push('200', '404 resource_not_found')
    else {
      // The one successful end is counted above; any other end answers as after it.
      if (action !== 'end' || !ended || a.status === 200) allowed.push('200')
      if (ended && action === 'touch') allowed.push('400 invalid_action_for_session')
      if (ended && action === 'end') allowed.push('400 invalid_action_for_session')
      if (ended && action === 'tokens') allowed.push('401 signed_out')
      if (removed) allowed.push('404 resource_not_found')
    }
    const got = a.status === 200 ? '200' : `${a.status} ${a.json?.errors?.[0]?.code}`
    if (!allowed.includes(got)) problems.push(`${action} → ${got}; allowed ${allowed.join(' | ')}`)
  }
  t.same(problems, [], `${what}: ${actions.length} outcomes fit a one-at-a-time order (${ended ? 'ended' : 'not ended'}, ${removed ? 'removed' : 'not removed'})`)
  return { ended, removed }
}
