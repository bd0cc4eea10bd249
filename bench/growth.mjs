// `node --expose-gc bench/growth.mjs`: what a long-running mock keeps per client, session and dev
// browser created through the Frontend API, and whether reset() gives it back. Prints one table.
import { createClerkMock } from '../dist/index.js'

const N = Number(process.env.GROWTH_N ?? 20_000)
if (typeof globalThis.gc !== 'function') throw new Error('run with node --expose-gc')
// Answers still on their way out hold their buffers until the timers turn; measure after that.
const heap = async () => {
  await new Promise((resolve) => setTimeout(resolve, 200))
  globalThis.gc()
  globalThis.gc()
  return process.memoryUsage().heapUsed
}
const mock = createClerkMock({ clock: '2030-01-01T00:00:00Z' })
const post = (url, headers = {}) => mock.inject({ method: 'POST', url, headers })
const rows = []
async function measure(name, each) {
  const before = await heap()
  for (let i = 0; i < N; i++) await each(i)
  const after = await heap()
  rows.push([name, ((after - before) / N).toFixed(0)])
}
await measure('dev browser (POST /v1/dev_browser)', () => post('/v1/dev_browser'))
await measure('client (POST /v1/client)', () => post('/v1/client'))
await measure('client + session (createSession)', () => mock.createSession({ userId: 'user_1n5BS00ns3t21GWIXiPJ0KcSe02' }))
const beforeReset = await heap()
mock.reset()
const afterReset = await heap()
console.log(`| what is created (${N.toLocaleString('en')} of each) | bytes each, after GC |\n|---|---|`)
for (const [name, bytes] of rows) console.log(`| ${name} | ${bytes} |`)
console.log(`| reset() frees | ${((beforeReset - afterReset) / 1e6).toFixed(1)} MB |`)
