/**
 * Every rule about reading a time or a duration, in one place: the `clock` option, a fixture's
 * `clock` and session times, the CLI's `--clock`, `POST /__mock/clock` and `mock.clock` all parse
 * through here, so they accept the same spellings and refuse the same mistakes with the same words.
 */

/** What the domain core needs from a clock: one method, checked at construction. */
export interface TimeSource {
  now(): number
}

/** The last instant a JavaScript Date can hold (year 275760); times beyond it would turn into NaN. */
export const MAX_TIME = 8.64e15

/**
 * Epoch numbers below this are seconds in a fixture (the seed documentation writes them so), and a
 * mistake in the `clock` option, which takes milliseconds: 1e11 ms is March 1973, 1e11 s is year 5138.
 */
export const EPOCH_SECONDS_BELOW = 100_000_000_000

/** Bad time input. `param` names what was being read (`advance`, `--clock`, `$.clock`, …). */
export class TimeInputError extends RangeError {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`)
    this.name = 'TimeInputError'
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const DURATION = /^([+-]?\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/
const DIGITS = /^-?\d+$/

/** A number, or a string of digits as a form field or a command line sends it. */
const numeric = (value: unknown): unknown => (typeof value === 'string' && DIGITS.test(value.trim()) ? Number(value) : value)

const show = (value: unknown) => {
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    return String(value)
  }
}

/** `1500`, `'1500'`, `'90s'`, `'15m'`, `'2h'`, `'8d'`, `'1w'` (a leading sign is allowed) → milliseconds. */
export function parseDuration(value: unknown, param = 'duration'): number {
  const v = numeric(value)
  let ms: number | null = null
  if (typeof v === 'number' && Number.isFinite(v)) ms = v
  else if (typeof v === 'string') {
    const m = DURATION.exec(v.trim())
    if (m) ms = Number(m[1]) * UNITS[m[2]]
  }
  if (ms !== null && Math.abs(ms) <= MAX_TIME) return Math.round(ms)
  throw new TimeInputError(param, `${show(value)} is not a duration (use milliseconds or a string like '90s', '15m', '2h', '8d', at most ${MAX_TIME} ms)`)
}

/** Epoch milliseconds (a number or a string of digits) or an ISO date string → epoch ms. */
export function parseInstant(value: unknown, param = 'time'): number {
  const v = numeric(value)
  const ms = typeof v === 'number' ? v : typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : NaN
  if (ms >= 0 && ms <= MAX_TIME) return Math.round(ms)
  throw new TimeInputError(param, `${show(value)} is not a time (use epoch milliseconds from 0 to ${MAX_TIME}, or an ISO date such as '2030-01-01T00:00:00Z')`)
}

/** `'system'` (real time plus any advance), a start time for a clock frozen until moved, or a time source of your own. */
export type ClockSetting = 'system' | string | number | TimeSource

/** A clock setting, checked: where the clock starts and whether it runs. */
export type ClockStart = { kind: 'system'; source: TimeSource } | { kind: 'frozen'; at: number }

const SYSTEM: TimeSource = { now: () => Date.now() }

/**
 * Reads a clock setting (the `clock` option, a fixture's `clock`, `--clock`). Epoch numbers are
 * milliseconds here, so a seconds-sized one is refused with a hint rather than read as 1970.
 * A time source is checked once, here: it must have a `now()` that returns a time.
 */
export function parseClockSetting(setting: unknown, param = 'clock'): ClockStart {
  if (setting === 'system') return { kind: 'system', source: SYSTEM }
  if (typeof setting === 'object' && setting !== null) {
    const source = setting as Partial<TimeSource>
    if (typeof source.now !== 'function') throw new TimeInputError(param, "a time source must be an object with a now() method returning epoch milliseconds (for example { now: () => Date.now() })")
    const now = source.now()
    if (typeof now !== 'number' || !(now >= 0 && now <= MAX_TIME)) throw new TimeInputError(param, `the time source's now() returned ${show(now)}, not epoch milliseconds`)
    return { kind: 'system', source: source as TimeSource }
  }
  const v = numeric(setting)
  if (typeof v === 'number' && v >= 0 && v < EPOCH_SECONDS_BELOW) {
    throw new TimeInputError(param, `${show(setting)} looks like epoch seconds; the clock takes epoch milliseconds, an ISO date or 'system'`)
  }
  if (typeof v !== 'number' && typeof v !== 'string') throw new TimeInputError(param, `${show(setting)} is not a clock setting (use 'system', an ISO date or epoch milliseconds)`)
  return { kind: 'frozen', at: parseInstant(v, param) }
}

/**
 * A fixture time: an ISO string, epoch milliseconds, epoch seconds (a number below 1e11, as in the
 * seed documentation), or an offset from the clock's start such as `'-2h'` or `'+7d'`.
 */
export function parseFixtureTime(value: string | number, start: number, param: string): number {
  if (typeof value === 'number') return parseInstant(value >= 0 && value < EPOCH_SECONDS_BELOW ? value * 1000 : value, param)
  if (/^[+-]/.test(value)) return parseInstant(start + parseDuration(value, param), param)
  return parseInstant(value, param)
}

/** How far `advance` may move a clock standing at `now`: a duration >= 0 that stays within MAX_TIME. */
export function parseAdvance(duration: unknown, now: number, param = 'advance'): number {
  const ms = parseDuration(duration, param)
  if (ms < 0) throw new TimeInputError(param, `takes a duration >= 0, got ${show(duration)}; set the clock to go back in time`)
  if (now + ms > MAX_TIME) throw new TimeInputError(param, `${show(duration)} would move the clock past the last date JavaScript can represent`)
  return ms
}
