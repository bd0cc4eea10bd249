/** The examples name only files that exist (a renamed file leaves no stale reference behind). */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import t from 'tap'
import { ROOT } from './helpers/build.js'

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.name === 'node_modules' ? [] : e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  )
}

t.test('every file an example mentions exists', async (t) => {
  const examples = files(join(ROOT, 'examples'))
  t.ok(examples.length > 0)
  for (const file of examples) {
    const text = readFileSync(file, 'utf8')
    // `name.mjs`, `./name.mjs`, `examples/dir/name.sh`; not a bare extension such as `.test.mjs`.
    for (const [name] of text.matchAll(/(?<![\w.-])(?:\.{1,2}\/)?[\w-][\w./-]*\.(?:mjs|cjs|js|sh)\b/g)) {
      const found = existsSync(join(dirname(file), name)) || existsSync(join(ROOT, name))
      t.ok(found, `${relative(ROOT, file)} mentions ${name}`)
    }
  }
})
