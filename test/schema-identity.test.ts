/**
 * The shared compilers (src/http/compilers.ts) cache validators and serialisers by schema object:
 * every route of every app must use the same, module-level schema objects, or each new mock
 * compiles its own copies again.
 */
import t from 'tap'
import { MockCore } from '../src/core/mock-core.js'
import { loadSeed } from '../src/fixtures/load.js'
import { buildApp } from '../src/http/app.js'
import { twoClients } from './helpers/mock.js'

async function routeSchemas() {
  const app = buildApp(new MockCore(loadSeed(twoClients())), { strictClients: false, logger: false })
  const schemas = new Map<string, unknown>()
  app.addHook('onRoute', (route) => {
    const schema = (route.schema ?? {}) as Record<string, unknown>
    const key = `${([] as string[]).concat(route.method).join(',')} ${route.url}`
    for (const part of ['body', 'querystring', 'params', 'headers'] as const) {
      if (schema[part] !== undefined) schemas.set(`${key} ${part}`, schema[part])
    }
    for (const [code, response] of Object.entries((schema.response ?? {}) as Record<string, unknown>)) schemas.set(`${key} response ${code}`, response)
  })
  await app.ready()
  await app.close()
  return schemas
}

t.test('two apps build their routes from the very same schema objects', async (t) => {
  const first = await routeSchemas()
  const second = await routeSchemas()
  t.ok(first.size > 20, `schemas seen: ${first.size}`)
  t.same([...second.keys()].sort(), [...first.keys()].sort(), 'the same routes and schema parts')
  const fresh = [...first].filter(([key, schema]) => second.get(key) !== schema).map(([key]) => key)
  t.same(fresh, [], 'no schema is created per app')
})

t.test('routes that ignore their body share one schema for it', async (t) => {
  const schemas = await routeSchemas()
  const environment = schemas.get('PATCH /v1/environment body')
  t.ok(environment, 'PATCH /v1/environment has a body schema')
  t.equal(schemas.get('POST /v1/dev_browser body'), environment, 'POST /v1/dev_browser uses the same object')
})
