/**
 * Every example under examples/ runs here, against the built package (examples import it by name,
 * through the package's self-reference), so the README's examples cannot rot.
 */
import { execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import t from 'tap'
import { BIN, ROOT, ensureBuilt } from '../helpers/build.js'

t.setTimeout(180_000)
t.before(ensureBuilt)
// The examples are separate processes that mostly wait on each other's I/O: run them side by side.
// Only the in-process global-setup test changes process.env (CLERK_MOCK_URL, for a moment NODE_OPTIONS);
// the others do not read CLERK_MOCK_URL or get it from the CLI wrapper, and set NODE_OPTIONS themselves.
t.jobs = 5

const ADA = 'user_1n5BS00ns3t21GWIXiPJ0KcSe02'

function run(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

// Each example is its own process, like a user's suite; tap's own environment must not leak in.
const clean = { TAP: '', TAP_CHILD_ID: '', NODE_OPTIONS: '' }

t.test('examples/node-test: node --test', async (t) => {
  const r = await run(process.execPath, ['--test', 'examples/node-test/sessions.test.mjs'], clean)
  t.equal(r.code, 0, 'exits 0', { output: r.stdout + r.stderr })
  t.match(r.stdout, /# pass 3\n# fail 0/)
})

t.test('examples/vitest: vitest run', async (t) => {
  const r = await run(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--root', 'examples/vitest'], { ...clean, CI: '1', NO_COLOR: '1' })
  t.equal(r.code, 0, 'exits 0', { output: r.stdout + r.stderr })
  t.match(r.stdout, /Tests\s+3 passed \(3\)/)
})

t.test('examples/curl.sh: curl only, wrapped by the CLI', async (t) => {
  const r = await run(process.execPath, [BIN, '--port', '0', '--quiet', '--', 'sh', 'examples/curl.sh'], clean)
  t.equal(r.code, 0, 'exits 0', { output: r.stdout + r.stderr })
  t.match(r.stdout, /ok - past expire_at the session is expired\n[\s\S]*ok - the journal holds the 429\n[\s\S]*all good\n$/)
})

t.test('examples/playwright-global-setup: spawns the CLI, reads --json, tears down', async (t) => {
  const setupUrl = pathToFileURL(join(ROOT, 'examples/playwright-global-setup/global-setup.mjs')).href
  const { default: globalSetup } = (await import(setupUrl)) as { default: () => Promise<() => Promise<void>> }
  const { signInUrl } = (await import(pathToFileURL(join(ROOT, 'examples/playwright-global-setup/signed-in.mjs')).href)) as {
    signInUrl: (user: string, redirect: string, mock?: string) => string
  }
  const before = process.env.CLERK_MOCK_URL
  delete process.env.CLERK_MOCK_URL
  // The setup spawns the CLI with this process's environment: without tap's NODE_OPTIONS, as a user's.
  const nodeOptions = process.env.NODE_OPTIONS
  process.env.NODE_OPTIONS = ''
  const teardown = await globalSetup().finally(() => (process.env.NODE_OPTIONS = nodeOptions))
  const url = process.env.CLERK_MOCK_URL!
  t.teardown(() => {
    if (before === undefined) delete process.env.CLERK_MOCK_URL
    else process.env.CLERK_MOCK_URL = before
  })
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
  t.match(process.env.CLERK_MOCK_PUBLISHABLE_KEY, /^pk_test_/)

  // What a test's page.goto(signInUrl(…)) gets: a cookie and a redirect to the app.
  const res = await fetch(signInUrl(ADA, 'http://127.0.0.1:3000/dashboard', url), { redirect: 'manual' })
  t.equal(res.status, 302)
  t.equal(res.headers.get('location'), 'http://127.0.0.1:3000/dashboard')
  const cookie = res.headers.get('set-cookie')!.split(';')[0]
  const client = ((await (await fetch(`${url}/v1/client`, { headers: { cookie } })).json()) as any).response
  t.equal(client.sessions[0].user_id, ADA)

  await teardown()
  t.equal(process.env.CLERK_MOCK_URL, undefined)
  t.ok(await fetch(`${url}/v1/client`).then(() => false, () => true), 'the mock is gone')
})

t.test('examples/playwright-global-setup: under the CLI wrapper it uses the running mock', async (t) => {
  const script = `
    import globalSetup from './examples/playwright-global-setup/global-setup.mjs'
    const url = process.env.CLERK_MOCK_URL
    await fetch(url + '/__mock/clock', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"advance":"1d"}' })
    const teardown = await globalSetup()
    if (process.env.CLERK_MOCK_URL !== url) throw new Error('the setup replaced the wrapper mock')
    const clock = await (await fetch(url + '/__mock/clock')).json()
    console.log('reset', clock.now < Date.now() + 3600000)
    await teardown()
  `
  const child = spawn(process.execPath, [BIN, '--port', '0', '--quiet', '--', process.execPath, '--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { ...process.env, ...clean },
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const code = await new Promise((resolve) => child.on('close', resolve))
  t.equal(code, 0, 'exits 0', { output: out })
  t.match(out, 'reset true')
})
