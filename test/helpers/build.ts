/**
 * Tests that spawn the bin or pack the package need an up-to-date `dist/`. `ensureBuilt()` runs the
 * build only when `dist/` is behind the sources: some file under src/ (or a tsconfig, or package.json,
 * whose "type" decides the emit) is newer than the oldest of the build outputs of src/, or an output
 * is missing. The outputs' own mtimes are the stamp, so the build that `npm ci` runs (`prepare`) counts
 * and is not repeated. Outputs are matched to sources one by one, so files left in dist/ by sources
 * since deleted do not make it look stale. A lock directory keeps test files that tap runs in
 * parallel from building over each other.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = join(ROOT, 'dist', 'bin.js')
const SRC = join(ROOT, 'src')
const DIST = join(ROOT, 'dist')
// Outside dist/, so the lock never ends up in the packed tarball.
const CACHE = join(ROOT, 'node_modules', '.cache', 'clerk-fapi-mock-tests')
const LOCK = join(CACHE, 'build-lock')
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => join(ROOT, f))

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? files(path) : [path]
  })
}

/** The .js file tsc emits for a source under src/ (null for a declaration file, which emits nothing). */
function output(source: string): string | null {
  if (/\.d\.[cm]?ts$/.test(source)) return null
  const m = /\.([cm]?)ts$/.exec(source)
  if (!m) return null
  return join(DIST, relative(SRC, source).slice(0, -m[0].length) + `.${m[1]}js`)
}

/** Why dist/ needs a build, or null when it is up to date. */
export function staleness(): string | null {
  const sources = files(SRC)
  let newestInput = Math.max(...CONFIGS.filter((f) => existsSync(f)).map((f) => statSync(f).mtimeMs))
  let newestName = 'a tsconfig or package.json'
  let oldestOutput = Infinity
  for (const source of sources) {
    const mtime = statSync(source).mtimeMs
    if (mtime > newestInput) [newestInput, newestName] = [mtime, relative(ROOT, source)]
    const out = output(source)
    if (out === null) continue
    const built = statSync(out, { throwIfNoEntry: false })
    if (!built) return `${relative(ROOT, out)} is missing`
    oldestOutput = Math.min(oldestOutput, built.mtimeMs)
  }
  if (!existsSync(BIN)) return 'dist/bin.js is missing'
  return newestInput > oldestOutput ? `${newestName} is newer than the build` : null
}

export async function ensureBuilt(): Promise<void> {
  mkdirSync(CACHE, { recursive: true })
  for (let waited = 0; staleness() !== null; waited += 200) {
    try {
      mkdirSync(LOCK)
    } catch {
      // Another test file is building; a lock older than a minute is left over from a killed run.
      if (waited > 60_000 || Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 60_000) rmSync(LOCK, { recursive: true, force: true })
      await new Promise((r) => setTimeout(r, 200))
      continue
    }
    try {
      if (staleness() === null) return
      // Type errors elsewhere in a work tree must not hide the CLI tests: tsc still emits, so the exit code is ignored here (typecheck is its own step).
      try {
        execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'pipe' })
      } catch (e) {
        if (!existsSync(BIN)) throw e
      }
      // tsc rewrites every output, so the outputs now postdate the sources; should a source change
      // during the build, the next call builds again.
      return
    } finally {
      rmSync(LOCK, { recursive: true, force: true })
    }
  }
}
