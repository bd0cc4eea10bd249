/**
 * Clerk's webhooks description (`webhooks_2025-04-15.yml`, OpenAPI 3.0.3 with `x-webhooks`) as Ajv
 * validators, converted by the project's one OpenAPI → JSON Schema converter (`fromOpenApi`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import addFormats from 'ajv-formats'
import { parse } from 'yaml'
import { fromOpenApi, IN_CI, specDir } from './fapi-spec.js'

export const WEBHOOKS_SPEC_FILE = 'webhooks_2025-04-15.yml'
export const webhooksSpecFile = (): string => resolve(specDir(), WEBHOOKS_SPEC_FILE)
// fromOpenApi points local $refs at this id.
const SPEC_ID = 'https://clerk.example/fapi.json'

/** A tap `skip` value, as `skipWithoutSpec()`: skipped outside CI when the file is absent. */
export function skipWithoutWebhooksSpec(): string | false {
  return !existsSync(webhooksSpecFile()) && !IN_CI ? `Clerk's webhooks description ${webhooksSpecFile()} is absent (set CLERK_FAPI_SPEC_DIR); in CI this fails instead` : false
}

interface WebhooksDoc {
  'x-webhooks': Record<string, { post: { requestBody: { content: Record<string, { schema: unknown }> } } }>
  components: { schemas: Record<string, unknown> }
}

export class WebhooksSpec {
  readonly doc: WebhooksDoc
  readonly #ajv: Ajv

  constructor(file = webhooksSpecFile()) {
    this.doc = parse(readFileSync(file, 'utf8')) as WebhooksDoc
    this.#ajv = new Ajv({ strict: false, allErrors: true })
    ;(addFormats as unknown as (a: Ajv) => void)(this.#ajv)
    for (const f of ['int64', 'int32']) if (!this.#ajv.formats[f]) this.#ajv.addFormat(f, true)
    const schemas = Object.fromEntries(Object.entries(this.doc.components.schemas).map(([n, s]) => [n, fromOpenApi(s)]))
    const events = Object.fromEntries(Object.entries(this.doc['x-webhooks']).map(([type, op]) => [type, fromOpenApi(op.post.requestBody.content['application/json'].schema)]))
    this.#ajv.addSchema({ $id: SPEC_ID, components: { schemas }, events })
  }

  /** Event types the description lists. */
  get eventTypes(): string[] {
    return Object.keys(this.doc['x-webhooks'])
  }

  /** The whole body's schema for one event type. */
  event(type: string): ValidateFunction {
    return this.#get(`#/events/${encodeURIComponent(type)}`)
  }

  /** `#/components/schemas/<name>`. */
  schema(name: string): ValidateFunction {
    return this.#get(`#/components/schemas/${encodeURIComponent(name)}`)
  }

  #get(pointer: string): ValidateFunction {
    const v = this.#ajv.getSchema(SPEC_ID + pointer)
    if (!v) throw new Error(`no schema at ${pointer}`)
    return v
  }
}

/** Ajv's errors in one line each, for a test message. */
export const explain = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`).join('; ')
