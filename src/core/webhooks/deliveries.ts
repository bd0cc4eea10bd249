/**
 * Webhook delivery, as Svix does it for Clerk: one message per event (its `svix-id`), one delivery
 * per endpoint that wants it, attempts on Svix's retry schedule, a bounded journal. Time is the
 * mock's: a retry is due when the mock clock reaches it, so a test moves the clock instead of
 * waiting hours. Delivery never runs inside the operation that caused the event: `emit()` queues
 * and returns, and the receiver is called over the network afterwards.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { Type, type Static } from '@sinclair/typebox'
import { ClerkError } from '../errors.js'
import { ksuid } from '../ids.js'
import type { TimeSource } from '../time.js'
import { Nullable } from '../wire.js'
import { createEndpoint, sign, type WebhookEndpoint, type WebhookEndpointSpec } from './endpoints.js'
import { NO_HTTP_REQUEST, type EmittedEventType, type EventData, type HttpRequestAttributes, type WebhookEvent } from './events.js'

/**
 * Svix's schedule (docs.svix.com/retries): the first attempt at once, then each wait after the
 * failure of the one before: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. Eight attempts in all.
 */
export const RETRY_SCHEDULE_MS = [0, 5_000, 5 * 60_000, 30 * 60_000, 2 * 3_600_000, 5 * 3_600_000, 10 * 3_600_000, 10 * 3_600_000] as const
/** How long Svix waits for an answer (its "reasonable time-frame" for a 2xx); then the attempt failed. Real time. */
export const ATTEMPT_TIMEOUT_MS = 15_000
/** How many deliveries the journal keeps; older ones are dropped first (their pending retries still run). */
export const DELIVERY_LIMIT = 1000
/** How much of a receiver's answer an attempt keeps: enough for `verifyWebhook`'s error message. */
export const RESPONSE_LIMIT = 1024
const USER_AGENT = 'clerk-fapi-mock (Svix-compatible webhooks)'

const Ms = Type.Integer({ description: 'epoch milliseconds on the mock clock' })

/** One try at delivering a message to an endpoint. */
export const WebhookAttemptJson = Type.Object({
  time: Type.Integer({ description: 'mock-clock epoch milliseconds when it was sent' }),
  status: Nullable(Type.Integer({ description: "the receiver's HTTP status; null when no answer came (network error, timeout)" })),
  error: Nullable(Type.String({ description: 'why no answer came, else null' })),
  response: Nullable(Type.String({ description: `the first ${RESPONSE_LIMIT} characters of the answer's body` })),
  trigger: Type.Union([Type.Literal('scheduled'), Type.Literal('replay')], { description: "'scheduled' (the first attempt and Svix's retries) or 'replay'" }),
})
export type WebhookAttemptJson = Static<typeof WebhookAttemptJson>

/** One event's delivery to one endpoint, as `GET /__mock/webhooks` and `mock.webhooks.deliveries` show it. */
export const WebhookDeliveryJson = Type.Object({
  id: Type.String({ description: '`whd_…`: what replay takes' }),
  svix_id: Type.String({ description: 'the `svix-id` header: the message id, the same for every endpoint and every attempt' }),
  type: Type.String({ description: 'the event type, e.g. `session.created`' }),
  endpoint_id: Type.String(),
  url: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')], {
    description: "'pending' while an attempt is due or scheduled, else how the last attempt went ('succeeded' on a 2xx)",
  }),
  attempts: Type.Array(WebhookAttemptJson, { description: 'oldest first' }),
  next_attempt_at: Nullable(Ms),
  created_at: Ms,
  event: Type.Unknown({ description: 'the body sent: the event envelope' }),
})
export type WebhookDeliveryJson = Static<typeof WebhookDeliveryJson>

/** An endpoint as the handle and the control API show it (with its secret: the app under test needs it). */
export const WebhookEndpointJson = Type.Object({
  id: Type.String(),
  url: Type.String(),
  secret: Type.String({ description: 'the `whsec_…` signing secret: `CLERK_WEBHOOK_SIGNING_SECRET` for the app' }),
  events: Nullable(Type.Array(Type.String(), { description: 'the filter as given; null: every event' })),
})
export type WebhookEndpointJson = Static<typeof WebhookEndpointJson>

interface Delivery {
  id: string
  svixId: string
  type: string
  endpoint: WebhookEndpoint
  body: string
  status: WebhookDeliveryJson['status']
  attempts: WebhookAttemptJson[]
  nextAttemptAt: number | null
  createdAt: number
}

/** An attempt waiting in an endpoint's queue. */
interface Work {
  delivery: Delivery
  due: number
  seq: number
  trigger: WebhookAttemptJson['trigger']
}

interface Queue {
  endpoint: WebhookEndpoint
  work: Work[]
  /** An attempt is on the wire; `drained` settles when the queue has nothing due. */
  busy: boolean
  drained: Promise<void>
}

export interface WebhooksOptions {
  /** The mock clock: when events happen and when retries are due. `frozen` (a MockClock's) says whether time runs by itself. */
  clock: TimeSource & { readonly frozen?: boolean }
  /**
   * Real time, for `svix-timestamp` only: receivers (`svix`, `standardwebhooks`, `verifyWebhook`)
   * refuse a timestamp more than 5 minutes from their own wall clock, and the app under test reads
   * the real one whatever the mock's clock says.
   */
  wallClock: TimeSource
  /** `instance_id` of every event (the instance key's `ins_…`); a function to read it only when an event is sent (the key is made on first need). */
  instanceId: string | (() => string)
  endpoints?: WebhookEndpointSpec[]
  /** Journal bound (default DELIVERY_LIMIT). */
  limit?: number
  /** Option name for errors (`webhooks`, `$.webhooks`, `--webhook`). */
  param?: string
}

/** A mock's webhook endpoints, its queued attempts and its delivery journal. */
export class Webhooks {
  readonly endpoints: readonly WebhookEndpoint[]
  readonly limit: number
  readonly #clock: WebhooksOptions['clock']
  readonly #wall: TimeSource
  readonly #instanceId: () => string
  readonly #queues: Queue[]
  readonly #inFlight = new Set<AbortController>()
  /** Who is asking, for the events emitted while a request is handled (see withRequest). */
  readonly #request = new AsyncLocalStorage<HttpRequestAttributes>()
  #deliveries: Delivery[] = []
  #seq = 0
  /** Bumped by clear(): an attempt that returns into a newer generation is not recorded. */
  #generation = 0
  #timer: NodeJS.Timeout | null = null
  #timerDue = Infinity
  #closed = false

  constructor(options: WebhooksOptions) {
    const param = options.param ?? 'webhooks'
    const limit = options.limit ?? DELIVERY_LIMIT
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`webhook journal limit must be a positive integer, got ${limit}`)
    this.limit = limit
    this.#clock = options.clock
    this.#wall = options.wallClock
    const instanceId = options.instanceId
    this.#instanceId = typeof instanceId === 'function' ? instanceId : () => instanceId
    const specs = options.endpoints ?? []
    if (!Array.isArray(specs)) throw new TypeError(`${param}: must be a list of endpoints [{ url, secret?, events? }], got ${JSON.stringify(specs)}`)
    this.endpoints = specs.map((spec, i) => createEndpoint(spec, `ep_${ksuid(this.#clock)}`, `${param}[${i}]`))
    this.#queues = this.endpoints.map((endpoint) => ({ endpoint, work: [], busy: false, drained: Promise.resolve() }))
  }

  /** Whether any endpoint wants this event type (callers skip building data nobody receives). */
  wants(type: string): boolean {
    return !this.#closed && this.endpoints.some((e) => e.wants(type))
  }

  /**
   * Runs `fn` with `request` as the cause of every event it emits (`event_attributes.http_request`),
   * so the core's operations need no HTTP parameter: the HTTP layer wraps each request in it.
   * @example app.addHook('onRequest', (req, _reply, done) => hooks.withRequest({ client_ip: req.ip, user_agent: req.headers['user-agent'] ?? '' }, done))
   */
  withRequest<T>(request: HttpRequestAttributes, fn: () => T): T {
    return this.#request.run(request, fn)
  }

  /**
   * Queues an event for every endpoint that wants it and returns at once; the first attempts go out
   * after the caller's operation, in the order events were emitted. `request`: who caused it
   * (default: the one `withRequest` names, else empty strings).
   * @returns the event sent, or null when no endpoint wants it
   */
  emit<T extends EmittedEventType>(type: T, data: EventData[T], request: HttpRequestAttributes = this.#request.getStore() ?? NO_HTTP_REQUEST): WebhookEvent<T, EventData[T]> | null {
    const queues = this.#queues.filter((q) => q.endpoint.wants(type))
    if (this.#closed || queues.length === 0) return null
    const now = this.#clock.now()
    const event: WebhookEvent<T, EventData[T]> = {
      data,
      object: 'event',
      type,
      timestamp: now,
      instance_id: this.#instanceId(),
      event_attributes: { http_request: { client_ip: request.client_ip, user_agent: request.user_agent } },
    }
    // Serialised now: later changes to the records must not change what this event says.
    const body = JSON.stringify(event)
    const svixId = `msg_${ksuid(this.#clock)}`
    for (const q of queues) {
      const delivery: Delivery = {
        id: `whd_${ksuid(this.#clock)}`,
        svixId,
        type,
        endpoint: q.endpoint,
        body,
        status: 'pending',
        attempts: [],
        nextAttemptAt: now,
        createdAt: now,
      }
      this.#record(delivery)
      q.work.push({ delivery, due: now, seq: this.#seq++, trigger: 'scheduled' })
    }
    // Not started here: the operation that emitted (a request handler) finishes first.
    setImmediate(() => this.checkDue())
    return JSON.parse(body) as WebhookEvent<T, EventData[T]>
  }

  /**
   * Starts every attempt now due on the mock clock. The owner calls this whenever the clock moves;
   * a running clock also gets a timer for the next retry.
   */
  checkDue(): void {
    if (this.#closed) return
    const now = this.#clock.now()
    for (const q of this.#queues) if (!q.busy && q.work.some((w) => w.due <= now)) this.#drain(q)
    this.#arm()
  }

  /**
   * Resolves once no attempt is on the wire and none is due on the mock clock: every delivery so
   * far has succeeded, failed for good, or waits for a retry later on the mock clock (move the
   * clock, then await this again, to run it).
   * @example mock.clock.advance('5s'); await mock.webhooks.settled()
   */
  async settled(): Promise<void> {
    for (;;) {
      this.checkDue()
      const busy = this.#queues.filter((q) => q.busy)
      if (busy.length === 0) return
      await Promise.all(busy.map((q) => q.drained))
    }
  }

  /** Sends a delivery again now (new timestamp and signature, same `svix-id`, as Svix's resend), after what its endpoint has due. */
  replay(id: string): WebhookDeliveryJson {
    const delivery = this.#visible().find((d) => d.id === id)
    if (delivery === undefined) throw new ClerkError(404, 'resource_not_found', 'Webhook delivery not found', `No webhook delivery was found with id ${id} (the journal keeps the last ${this.limit}).`)
    if (this.#closed) throw new ClerkError(409, 'webhooks_closed', 'Webhooks stopped', 'This mock has been stopped; its webhooks are no longer sent.')
    const q = this.#queues.find((x) => x.endpoint === delivery.endpoint)!
    const now = this.#clock.now()
    q.work.push({ delivery, due: now, seq: this.#seq++, trigger: 'replay' })
    delivery.status = 'pending'
    setImmediate(() => this.checkDue())
    return toJson(delivery)
  }

  /** The journal, oldest first (the last `limit` deliveries); a copy. */
  deliveries(): WebhookDeliveryJson[] {
    return this.#visible().map(toJson)
  }

  /** The endpoints with their secrets. */
  endpointsJson(): WebhookEndpointJson[] {
    return this.endpoints.map((e) => ({ id: e.id, url: e.url, secret: e.secret, events: e.events === null ? null : [...e.events] }))
  }

  /** Drops every queued attempt and the journal (reset); attempts on the wire are abandoned. Endpoints stay. */
  clear(): void {
    this.#generation++
    for (const c of this.#inFlight) c.abort(new Error('the mock was reset'))
    this.#inFlight.clear()
    for (const q of this.#queues) q.work = []
    this.#deliveries = []
    this.#disarm()
  }

  /** Stops for good (the mock stopped): nothing more is sent; the journal stays readable. */
  close(): void {
    const journal = this.#deliveries
    this.clear()
    this.#deliveries = journal
    this.#closed = true
  }

  #visible(): Delivery[] {
    return this.#deliveries.slice(-this.limit)
  }

  #record(delivery: Delivery): void {
    this.#deliveries.push(delivery)
    // Trimmed in batches, as the request journal is: one shift per event would move the whole list each time.
    if (this.#deliveries.length >= 2 * this.limit) this.#deliveries.splice(0, this.#deliveries.length - this.limit)
  }

  /** One endpoint's attempts, one at a time, earliest due first (ties: the order they were queued). */
  #drain(q: Queue): void {
    q.busy = true
    q.drained = (async () => {
      for (;;) {
        const now = this.#clock.now()
        let next: Work | undefined
        for (const w of q.work) if (w.due <= now && (next === undefined || w.due < next.due || (w.due === next.due && w.seq < next.seq))) next = w
        if (next === undefined || this.#closed) break
        q.work.splice(q.work.indexOf(next), 1)
        await this.#attempt(q, next)
      }
      q.busy = false
      this.#arm()
    })()
  }

  async #attempt(q: Queue, work: Work): Promise<void> {
    const { delivery } = work
    const generation = this.#generation
    const sentAt = this.#clock.now()
    const timestamp = Math.floor(this.#wall.now() / 1000)
    const controller = new AbortController()
    this.#inFlight.add(controller)
    const timeout = setTimeout(() => controller.abort(new Error(`no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`)), ATTEMPT_TIMEOUT_MS)
    timeout.unref()
    let status: number | null = null
    let error: string | null = null
    let response: string | null = null
    let abortMessage = false
    try {
      const res = await fetch(delivery.endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': USER_AGENT,
          'svix-id': delivery.svixId,
          'svix-timestamp': String(timestamp),
          'svix-signature': sign(delivery.endpoint.secret, delivery.svixId, timestamp, delivery.body),
        },
        body: delivery.body,
        // Svix counts a 3xx as a failure and never follows it.
        redirect: 'manual',
        signal: controller.signal,
      })
      status = res.status
      abortMessage = res.headers.get('webhook-delivery') === 'abort-message'
      response = await readStart(res, RESPONSE_LIMIT)
    } catch (e) {
      error = describe(controller.signal.aborted ? controller.signal.reason : e)
    } finally {
      clearTimeout(timeout)
      this.#inFlight.delete(controller)
    }
    if (generation !== this.#generation) return
    delivery.attempts.push({ time: sentAt, status, error, response, trigger: work.trigger })
    const ok = status !== null && status >= 200 && status < 300
    const scheduled = q.work.find((w) => w.delivery === delivery && w.trigger === 'scheduled')
    if (ok) {
      if (scheduled) q.work.splice(q.work.indexOf(scheduled), 1)
      delivery.status = 'succeeded'
      delivery.nextAttemptAt = null
      return
    }
    if (work.trigger === 'scheduled') {
      const tries = delivery.attempts.filter((a) => a.trigger === 'scheduled').length
      // `webhook-delivery: abort-message` is Svix's way for a receiver to say "never retry this one".
      if (!abortMessage && tries < RETRY_SCHEDULE_MS.length) {
        const due = this.#clock.now() + RETRY_SCHEDULE_MS[tries]
        q.work.push({ delivery, due, seq: this.#seq++, trigger: 'scheduled' })
        delivery.status = 'pending'
        delivery.nextAttemptAt = due
        return
      }
      delivery.nextAttemptAt = null
    }
    delivery.status = scheduled || q.work.some((w) => w.delivery === delivery) ? 'pending' : 'failed'
  }

  /** A real timer for the next retry, when the clock runs by itself; a frozen clock only moves when told (and the owner then calls checkDue). */
  #arm(): void {
    if (this.#closed || this.#clock.frozen === true) return this.#disarm()
    let due = Infinity
    for (const q of this.#queues) if (!q.busy) for (const w of q.work) due = Math.min(due, w.due)
    if (due === Infinity) return this.#disarm()
    if (this.#timer !== null && due === this.#timerDue) return
    this.#disarm()
    this.#timerDue = due
    // setTimeout holds at most 2^31-1 ms (about 24.8 days); a later retry is re-armed when that fires.
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.#timerDue = Infinity
      this.checkDue()
    }, Math.min(Math.max(0, due - this.#clock.now()), 2 ** 31 - 1))
    // A pending retry never keeps a process alive (a test runner, a CLI told to exit).
    this.#timer.unref()
  }

  #disarm(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#timerDue = Infinity
  }
}

function toJson(d: Delivery): WebhookDeliveryJson {
  return {
    id: d.id,
    svix_id: d.svixId,
    type: d.type,
    endpoint_id: d.endpoint.id,
    url: d.endpoint.url,
    status: d.status,
    attempts: d.attempts.map((a) => ({ ...a })),
    next_attempt_at: d.nextAttemptAt,
    created_at: d.createdAt,
    event: JSON.parse(d.body),
  }
}

/** The first `limit` characters of an answer's body, without reading the rest (a receiver may stream without end). */
async function readStart(res: Response, limit: number): Promise<string> {
  if (res.body === null) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  while (size < limit) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.length
  }
  await reader.cancel().catch(() => undefined)
  return Buffer.concat(chunks).toString('utf8').slice(0, limit)
}

/** A network error in words: undici hides the reason (ECONNREFUSED, …) in `cause`. */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const cause = (e as { cause?: unknown }).cause
  const why = cause instanceof Error ? `${(cause as { code?: string }).code ?? cause.name}: ${cause.message}` : null
  return why && !e.message.includes(why) ? `${e.message} (${why})` : e.message
}
