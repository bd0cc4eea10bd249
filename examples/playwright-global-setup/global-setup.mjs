// Playwright global setup: one Clerk mock for the whole run, through the clerk-fapi-mock CLI.
//
// Two ways to use it (see playwright.config.mjs):
//  1. `npx clerk-fapi-mock --port 0 --json -- npx playwright test`: the CLI starts the mock, runs
//     Playwright with CLERK_MOCK_URL and CLERK_MOCK_PUBLISHABLE_KEY set and stops the mock after it.
//     This setup then only checks the mock is there.
//  2. plain `npx playwright test`: this setup spawns the CLI itself, reads the URL from its --json
//     line, and the returned teardown stops it.
// Either way, tests read process.env.CLERK_MOCK_URL (workers inherit the environment).
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'

export default async function globalSetup() {
  if (process.env.CLERK_MOCK_URL) {
    await reset(process.env.CLERK_MOCK_URL)
    return async () => {}
  }

  // The package's own bin, run with this Node: no npx layer between the signals and the mock.
  const require = createRequire(import.meta.url)
  const pkgPath = require.resolve('clerk-fapi-mock/package.json')
  const bin = join(dirname(pkgPath), require(pkgPath).bin['clerk-fapi-mock'])
  const child = spawn(process.execPath, [bin, '--port', '0', '--json', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] })

  const info = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`clerk-fapi-mock exited with code ${code} before it was ready`)))
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)))
  })
  process.env.CLERK_MOCK_URL = info.url
  process.env.CLERK_MOCK_PUBLISHABLE_KEY = info.publishable_key

  return async function globalTeardown() {
    if (child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
    delete process.env.CLERK_MOCK_URL
    delete process.env.CLERK_MOCK_PUBLISHABLE_KEY
  }
}

async function reset(url) {
  const res = await fetch(`${url}/__mock/reset`, { method: 'POST' })
  if (!res.ok) throw new Error(`the Clerk mock at ${url} did not reset: ${res.status} ${await res.text()}`)
}
