/**
 * Validators for schemas of Clerk's FAPI OpenAPI file. OpenAPI 3.0's `nullable: true` is not JSON
 * Schema, so it is rewritten into a `null` type (and `null` in any `enum`) before Ajv compiles it.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { parse } from 'yaml'

const SPEC_PATH = fileURLToPath(new URL('../../../shared/fapi/fapi_2026-05-12.yml', import.meta.url))
const SPEC_ID = 'https://clerk.example/fapi.json'

function fromOpenApi(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fromOpenApi)
  if (typeof node !== 'object' || node === null) return node
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(node)) {
    if (k === 'nullable' || k === 'example' || k === 'deprecated' || k === 'discriminator' || k === 'xml') continue
    out[k] = fromOpenApi(v)
  }
  if ((node as { nullable?: boolean }).nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null']
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null]
    // `nullable` next to allOf/$ref: allow null explicitly.
    if (out.type === undefined) return { anyOf: [out, { type: 'null' }] }
    if (out.allOf) return { anyOf: [{ type: 'null' }, out] }
  }
  return out
}

let ajv: Ajv | null = null

/** The Ajv validator of `#/components/schemas/<name>`, e.g. `Client.Environment`. */
export function specValidator(name: string): ValidateFunction {
  if (ajv === null) {
    const spec = parse(readFileSync(SPEC_PATH, 'utf8')) as { components: unknown }
    ajv = new Ajv({ strict: false, allErrors: true })
    ;(addFormats as unknown as (a: Ajv) => void)(ajv)
    ajv.addSchema({ $id: SPEC_ID, components: fromOpenApi(spec.components) })
  }
  const validate = ajv.getSchema(`${SPEC_ID}#/components/schemas/${name}`)
  if (!validate) throw new Error(`no schema ${name} in the FAPI spec`)
  return validate
}

/** Whether the spec file is present (it lives outside the package, next to the repository). */
export function specAvailable(): boolean {
  try {
    readFileSync(SPEC_PATH)
    return true
  } catch {
    return false
  }
}
