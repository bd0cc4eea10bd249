/** The examples name only files that exist (a renamed file leaves no stale reference behind). */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import t from 'tap'
import { ROOT } from './helpers/build.js'

/**
 * The examples' own files: tracked or new, never what git ignores (an app's node_modules, a Next
 * build), and not lockfiles, whose bin paths name files inside packages.
 */
function files(dir: string): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', dir], { cwd: ROOT, encoding: 'utf8' })
  return listed
    .split('\n')
    .filter((f) => f !== '' && !f.endsWith('package-lock.json') && existsSync(join(ROOT, f)))
    .map((f) => join(ROOT, f))
}

/** Product names that look like file names. */
const PRODUCTS = new Set(['Next.js', 'Node.js'])

t.test('every file an example mentions exists', async (t) => {
  const examples = files(join(ROOT, 'examples'))
  t.ok(examples.length > 0)
  for (const file of examples) {
    const text = readFileSync(file, 'utf8')
    // `name.mjs`, `./name.mjs`, `examples/dir/name.sh`; not a bare extension such as `.test.mjs`.
    for (const [name] of text.matchAll(/(?<![\w.@/:-])(?:\.{1,2}\/)?[\w-][\w./-]*\.(?:mjs|cjs|jsx|js|sh)\b/g)) {
      if (PRODUCTS.has(name)) continue
      const found = existsSync(join(dirname(file), name)) || existsSync(join(ROOT, name))
      t.ok(found, `${relative(ROOT, file)} mentions ${name}`)
    }
  }
})
