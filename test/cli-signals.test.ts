/**
 * The CLI's `--` wrapper and signals, with real processes: a wrapped command that ignores SIGTERM
 * is killed with its process group after a second SIGTERM, never left orphaned; binding the network
 * prints a warning.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import t from 'tap'
import { BIN, ROOT, ensureBuilt } from './helpers/build.js'

t.setTimeout(60_000)
t.before(ensureBuilt)

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
const waitFor = async (check: () => boolean, ms: number) => {
  for (let waited = 0; waited < ms && !check(); waited += 50) await new Promise((r) => setTimeout(r, 50))
  return check()
}

t.test('a second SIGTERM kills a wrapped command that ignores SIGTERM, with its children', async (t) => {
  // The command prints its own pid and a grandchild's, then ignores SIGTERM for good.
  const script = `const { spawn } = require('node:child_process'); const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); process.on('SIGTERM', () => {}); console.log(process.pid + ' ' + g.pid); setInterval(() => {}, 1000)`
  const cli = spawn(process.execPath, [BIN, '--port', '0', '--quiet', '--', process.execPath, '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const [command, grandchild] = (await new Promise<string>((resolve) => createInterface({ input: cli.stdout! }).once('line', resolve))).split(' ').map(Number)
  t.ok(alive(command) && alive(grandchild), 'the command and its child run')
  const exited = new Promise<number | null>((resolve) => cli.once('exit', (code) => resolve(code)))
  cli.kill('SIGTERM')
  await new Promise((r) => setTimeout(r, 300))
  t.ok(alive(command), 'the first SIGTERM is passed on; the command ignores it')
  const second = Date.now()
  cli.kill('SIGTERM')
  t.equal(await exited, 128 + 9, 'the CLI exits with the killed command’s code')
  // Well before COMMAND_GRACE_MS (10 s): the second signal, not the grace period, ended it.
  t.ok(Date.now() - second < 5000, `exited ${Date.now() - second} ms after the second SIGTERM`)
  t.ok(await waitFor(() => !alive(command) && !alive(grandchild), 5000), 'neither the command nor its child is left running')
})

t.test('binding every interface warns that the control API and keys are reachable', async (t) => {
  const cli = spawn(process.execPath, [BIN, '--port', '0', '--host', '0.0.0.0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  cli.stderr!.on('data', (d) => (stderr += d))
  const line = await new Promise<string>((resolve) => createInterface({ input: cli.stdout! }).once('line', resolve))
  // HTTP and TLS on the one port, named by the loopback address a browser can use.
  t.match(line, /^Clerk FAPI mock listening on http:\/\/127\.0\.0\.1:(\d+) and https:\/\/127\.0\.0\.1:\1 \(bound to 0\.0\.0\.0: every network interface\)$/)
  await waitFor(() => stderr.includes('warning'), 2000)
  t.match(stderr, /warning: bound to 0\.0\.0\.0, which is reachable from the network.*control API/)
  const exited = new Promise((resolve) => cli.once('exit', resolve))
  cli.kill('SIGTERM')
  t.equal(await exited, 0)
})
