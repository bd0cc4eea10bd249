/**
 * The README's recipes are copies of examples the suite runs: every code block the README marks
 * with `<!-- example: path -->` must equal that file, and those examples run here (each in its own
 * process, against the built package, as a user's project would run them) and must exit by themselves.
 * Files of the framework apps (examples/nextjs, …) are checked verbatim here and run by their own
 * test in test/apps/ (`npm run test:apps`), which builds and drives the app.
 */
import { execFile } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ROOT, ensureBuilt } from '../helpers/build.js'

t.setTimeout(120_000)
t.before(ensureBuilt)

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
const marked = [...readme.matchAll(/<!-- example: (\S+) -->\n```\w*\n([\s\S]*?)\n```/g)].map(([, path, code]) => ({ path, code }))

/** The example folders a test in test/apps/ drives (it names them as `examples/<app>`). */
const appDirs = new Set(
  readdirSync(join(ROOT, 'test', 'apps'))
    .filter((f) => f.endsWith('.test.ts'))
    .flatMap((f) => [...readFileSync(join(ROOT, 'test', 'apps', f), 'utf8').matchAll(/examples\/([\w-]+)/g)].map((m) => `examples/${m[1]}/`)),
)
const isAppFile = (path: string) => [...appDirs].some((dir) => path.startsWith(dir))

t.test('every marked README block is its example file, verbatim', async (t) => {
  t.ok(marked.length >= 3, `marked blocks: ${marked.map((m) => m.path).join(', ')}`)
  t.equal(readme.split('<!-- example: ').length - 1, marked.length, 'every marker is followed by a code block')
  for (const { path, code } of marked) t.equal(code, readFileSync(join(ROOT, path), 'utf8').trimEnd(), path)
})

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const started = Date.now()
  return new Promise((resolve) => {
    // tap's own environment must not leak into a user's process.
    const env = { ...process.env, TAP: '', TAP_CHILD_ID: '', NODE_OPTIONS: '' }
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, ms: Date.now() - started })
    })
  })
}

for (const { path } of marked.filter((m) => !isAppFile(m.path))) {
  t.test(`${path} runs, passes and exits by itself`, async (t) => {
    // A process that never exits (a BroadcastChannel left open) is killed by the timeout: code null.
    const r = await run(path.endsWith('.cjs') ? [path] : ['--test', path])
    t.equal(r.code, 0, `exit code 0 in ${r.ms} ms\n${r.stdout}\n${r.stderr}`)
    if (!path.endsWith('.cjs')) t.match(r.stdout, /# fail 0/)
  })
}
