/** The per-request traffic hooks (journal, faults) never leave a request hanging or a rejection unhandled. */
import t from 'tap'
import { MockCore } from '../src/core/mock-core.js'
import { loadSeed } from '../src/fixtures/load.js'
import { buildApp } from '../src/http/app.js'
import { twoClients } from './helpers/mock.js'

t.test('a fault that fails while being answered is a 500, not a hung request or an unhandled rejection', async (t) => {
  const app = buildApp(new MockCore(loadSeed(twoClients())), { strictClients: false, logger: false })
  t.teardown(() => app.close())
  const rejections: unknown[] = []
  const onRejection = (e: unknown) => rejections.push(e)
  process.on('unhandledRejection', onRejection)
  t.teardown(() => void process.off('unhandledRejection', onRejection))

  // A fault whose answer cannot be built (a stand-in for any bug on that path).
  app.core.faults.add({ path: '/v1/client', status: 503 })
  const take = app.core.faults.take.bind(app.core.faults)
  app.core.faults.take = (method, path) => {
    const fault = take(method, path)
    const boom = () => {
      throw new Error('boom')
    }
    if (fault) Object.defineProperty(fault, 'retry_after', { get: boom })
    return fault
  }

  const res = await Promise.race([
    app.inject({ method: 'GET', url: '/v1/client' }),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 2000).unref()),
  ])
  t.ok(res, 'the request is answered')
  t.equal(res?.statusCode, 500)
  t.equal(res?.json().errors[0].code, 'internal_clerk_error')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(rejections, [], 'no unhandled rejection')
  // The mock keeps serving.
  app.core.faults.take = take
  app.core.faults.clear()
  t.equal((await app.inject({ method: 'GET', url: '/v1/client' })).statusCode, 200)
})
