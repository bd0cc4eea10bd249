/**
 * The emails and text messages the mock would have sent: it sends nothing, and records each code
 * here instead (`mock.messages`, `GET /__mock/messages`), oldest first, bounded like the request
 * journal; `reset()` clears them. No HTTP here.
 */
import { Type, type Static } from '@sinclair/typebox'
import { ksuid } from './ids.js'
import type { TimeSource } from './time.js'

export const MESSAGE_KINDS = ['sign_in_code', 'sign_in_second_factor_code', 'sign_up_code', 'reset_password_code'] as const
export type MessageKind = (typeof MESSAGE_KINDS)[number]

/** One message, as `GET /__mock/messages` and `mock.messages` give it. */
export const MessageJson = Type.Object({
  id: Type.String(),
  /** The email address or phone number it went to. */
  to: Type.String(),
  channel: Type.Union([Type.Literal('email'), Type.Literal('sms')]),
  code: Type.String(),
  kind: Type.Unsafe<MessageKind>({ type: 'string', enum: [...MESSAGE_KINDS] }),
  /** The user it was for (null: a sign-up, whose user does not exist yet). */
  user_id: Type.Union([Type.String(), Type.Null()]),
  /** The email address or phone number id (`idn_…`), when the address belongs to a user. */
  identification_id: Type.Union([Type.String(), Type.Null()]),
  /** Epoch ms on the mock clock. */
  time: Type.Integer(),
})
export type MessageJson = Static<typeof MessageJson>

/** Messages kept; older ones are dropped (a long-running mock must not grow without end). */
export const MAX_MESSAGES = 1000

export type NewMessage = Omit<MessageJson, 'id' | 'time'>

export class Messages {
  #list: MessageJson[] = []

  constructor(
    readonly clock: TimeSource,
    /** Called with each message as it is recorded (the core emits `email.created`/`sms.created`). */
    readonly onRecord: (message: MessageJson) => void = () => {},
  ) {}

  record(input: NewMessage): MessageJson {
    const message: MessageJson = { id: `${input.channel === 'email' ? 'ema' : 'sms'}_${ksuid(this.clock)}`, ...input, time: this.clock.now() }
    this.#list.push(message)
    if (this.#list.length > MAX_MESSAGES) this.#list.splice(0, this.#list.length - MAX_MESSAGES)
    this.onRecord(message)
    return message
  }

  /** Oldest first; copies. */
  list(): MessageJson[] {
    return this.#list.map((m) => ({ ...m }))
  }

  clear(): void {
    this.#list = []
  }
}
