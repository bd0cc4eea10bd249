/**
 * Schema compilers shared by every app in the process, compiled on first use. Fastify's defaults
 * build a fresh Ajv and compile every route's validators and fast-json-stringify serialisers each
 * time an app is built (~130 ms per mock); test suites start many mocks from the same schema
 * objects, and most routes of a given mock are never called.
 */
import { createRequire } from 'node:module'
import type AjvCompiler from '@fastify/ajv-compiler'
import type { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifyServerOptions } from 'fastify'

// Fastify's own compiler packages, resolved from Fastify itself (they are its dependencies, not
// ours), and loaded on the first compile, not at import: Ajv and fast-json-stringify take ~50 ms to
// load, which a spawned CLI would otherwise pay before it can print its URL.
const require = createRequire(createRequire(import.meta.url).resolve('fastify'))

type Compile<T> = (route: { schema: unknown }) => T
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Validate = ((data: unknown, context?: any) => unknown) & { errors?: unknown; schemaEnv?: unknown }
type Serialize = (data: unknown) => string

/**
 * One compiled function per schema object and compiler options, built the first time it runs.
 * Fastify hands compilers the route's own schema objects, which here are module-level constants.
 */
function memoized<T>(pool: Map<string, WeakMap<object, T>>, key: string, compile: () => Compile<T>, lazy: (build: () => T) => T): Compile<T> {
  let cache = pool.get(key)
  if (cache === undefined) pool.set(key, (cache = new WeakMap()))
  let compiler: Compile<T> | null = null
  return (route) => {
    // A boolean schema (`true`/`false`) cannot key a WeakMap, and is trivial to compile.
    if (typeof route.schema !== 'object' || route.schema === null) return (compiler ??= compile())(route)
    let fn = cache.get(route.schema)
    if (fn === undefined) {
      let built: T | null = null
      fn = lazy(() => (built ??= (compiler ??= compile())(route)))
      cache.set(route.schema, fn)
    }
    return fn
  }
}

const validators = new Map<string, WeakMap<object, Validate>>()
const serializers = new Map<string, WeakMap<object, Serialize>>()
let ajvPool: ReturnType<typeof AjvCompiler> | null = null
let serializerFactory: ReturnType<typeof SerializerSelector> | null = null
type SerializerFactory = ReturnType<typeof SerializerSelector>

/** Fastify's `schemaController` option: the default compilers (Ajv, fast-json-stringify), shared and lazy. */
export const sharedCompilers: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildValidator(externalSchemas: Parameters<ReturnType<typeof AjvCompiler>>[0], ajvOptions: Parameters<ReturnType<typeof AjvCompiler>>[1]) {
      return memoized<Validate>(
        validators,
        JSON.stringify([externalSchemas, ajvOptions]),
        () => (ajvPool ??= (require('@fastify/ajv-compiler') as typeof AjvCompiler)())(externalSchemas, ajvOptions) as Compile<Validate>,
        (build) => {
          // Behaves as the Ajv function it stands for: Fastify passes the parent context when a
          // validator has `schemaEnv` (every Ajv one does) and reads `errors` right after a call.
          const validate: Validate = (data, context) => {
            const real = build()
            const ok = real(data, context)
            validate.errors = real.errors
            return ok
          }
          Object.defineProperty(validate, 'schemaEnv', { get: () => build().schemaEnv })
          return validate
        },
      ) as unknown as ReturnType<ReturnType<typeof AjvCompiler>>
    },
    buildSerializer(externalSchemas: unknown, serializerOptions: Parameters<SerializerFactory>[1]) {
      return memoized<Serialize>(
        serializers,
        JSON.stringify([externalSchemas, serializerOptions]),
        () => {
          serializerFactory ??= (require('@fastify/fast-json-stringify-compiler') as { SerializerSelector: typeof SerializerSelector }).SerializerSelector()
          const compile = serializerFactory(externalSchemas, serializerOptions) as Compile<Serialize>
          return (route) => compile({ ...route, schema: nullableAsTypeList(route.schema) })
        },
        (build) => (data) => build()(data),
      ) as ReturnType<SerializerFactory>
    },
  },
}

const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples'])

/**
 * The schema with every `anyOf: [X, { type: 'null' }]` (TypeBox's nullable) rewritten as X with
 * `type: [X.type, 'null']`, for the serialiser only. fast-json-stringify picks an `anyOf` branch by
 * running Ajv on the value (for `client: Nullable(ClientJson)`, the whole client with its sessions
 * on every answer); for a type list it checks `=== null`. Same output for every value that fits the
 * schema. A copy: the route's own schema (validation, conformance) is left alone.
 */
export function nullableAsTypeList(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(nullableAsTypeList)
  if (typeof schema !== 'object' || schema === null) return schema
  const node = schema as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(node)) out[key] = DATA_KEYWORDS.has(key) ? value : nullableAsTypeList(value)
  const options = out.anyOf
  if (!Array.isArray(options) || options.length !== 2) return out
  const isNull = (o: unknown) => typeof o === 'object' && o !== null && Object.keys(o).length === 1 && (o as { type?: unknown }).type === 'null'
  const other = (isNull(options[1]) ? options[0] : isNull(options[0]) ? options[1] : null) as Record<string, unknown> | null
  if (other === null || typeof other.type !== 'string' || other.type === 'null') return out
  if (['anyOf', 'oneOf', 'allOf', '$ref', 'const', 'enum', 'nullable'].some((k) => k in other)) return out
  const { anyOf: _, ...siblings } = out
  return { ...siblings, ...other, type: [other.type, 'null'] }
}
