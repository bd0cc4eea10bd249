/**
 * The mock's only source of time. Nothing else in the project reads the wall clock, so a test
 * that moves this clock moves every timestamp, id, token and lifecycle rule with it.
 */

/** What the domain core needs from a clock: one method, checked at construction. */
export interface TimeSource {
  now(): number
}

/** `'system'` (real time plus any advance) or a start time for a clock frozen until moved. */
export type ClockSetting = 'system' | string | number

/** A mock clock: real time shifted by an offset, or frozen at one instant. */
export class MockClock implements TimeSource {
  #offset = 0
  #frozenAt: number | null = null
  readonly #wall: () => number

  /**
   * @param setting `'system'` or a start time (ISO string or epoch ms); a start time freezes the clock.
   * @param wall the real clock, injectable so tests of the clock itself never sleep.
   * @example new MockClock('2030-01-01T00:00:00Z').advance('8d')
   */
  constructor(setting: ClockSetting = 'system', wall: () => number = Date.now) {
    this.#wall = wall
    this.restore(setting)
  }

  /** Back to a setting, exactly as if just constructed with it (`reset()` uses this). */
  restore(setting: ClockSetting): number {
    this.#offset = 0
    this.#frozenAt = setting === 'system' ? null : parseInstant(setting, 'clock')
    return this.now()
  }

  now(): number {
    return this.#frozenAt ?? this.#wall() + this.#offset
  }

  get frozen(): boolean {
    return this.#frozenAt !== null
  }

  /** Moves time forward by a duration (ms or `'90s'`, `'15m'`, `'2h'`, `'8d'`). */
  advance(duration: number | string): number {
    const ms = parseDuration(duration, 'advance')
    if (ms < 0) throw new RangeError(`advance takes a duration >= 0, got ${JSON.stringify(duration)}; use set() to go back in time`)
    if (this.now() + ms > MAX_TIME) throw new RangeError(`advance: ${JSON.stringify(duration)} would move the clock past the last date JavaScript can represent`)
    if (this.#frozenAt !== null) this.#frozenAt += ms
    else this.#offset += ms
    return this.now()
  }

  /** Jumps to an instant (ISO string or epoch ms); keeps frozen or running as it was. */
  set(time: string | number): number {
    const at = parseInstant(time, 'set')
    if (this.#frozenAt !== null) this.#frozenAt = at
    else this.#offset = at - this.#wall()
    return this.now()
  }

  /** Stops time where it is now. */
  freeze(): number {
    this.#frozenAt = this.now()
    return this.#frozenAt
  }

  /** Lets time run again from where it stands. */
  resume(): number {
    if (this.#frozenAt !== null) {
      this.#offset = this.#frozenAt - this.#wall()
      this.#frozenAt = null
    }
    return this.now()
  }
}

/** The last instant a JavaScript Date can hold (year 275760); times beyond it would turn into NaN. */
export const MAX_TIME = 8.64e15

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const DURATION = /^([+-]?\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/

/** `1500`, `'90s'`, `'15m'`, `'2h'`, `'8d'`, `'1w'` (a leading sign is allowed) → milliseconds. */
export function parseDuration(value: unknown, what = 'duration'): number {
  let ms: number | null = null
  if (typeof value === 'number') ms = value
  else if (typeof value === 'string') {
    const m = DURATION.exec(value.trim())
    if (m) ms = Number(m[1]) * UNITS[m[2]]
  }
  if (ms !== null && Math.abs(ms) <= MAX_TIME) return Math.round(ms)
  throw new RangeError(`${what}: ${JSON.stringify(value)} is not a duration (use milliseconds or a string like '90s', '15m', '2h', '8d', at most ${MAX_TIME} ms)`)
}

/** Epoch ms or an ISO date string → epoch ms. */
export function parseInstant(value: unknown, what = 'time'): number {
  const ms = typeof value === 'number' ? value : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN
  if (ms >= 0 && ms <= MAX_TIME) return Math.round(ms)
  throw new RangeError(`${what}: ${JSON.stringify(value)} is not a time (use epoch milliseconds from 0 to ${MAX_TIME}, or an ISO date such as '2030-01-01T00:00:00Z')`)
}
