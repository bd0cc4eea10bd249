import t from 'tap'
import { MockClock, parseDuration, parseInstant } from '../src/core/clock.js'

t.test('durations', async (t) => {
  t.equal(parseDuration(1500), 1500)
  t.equal(parseDuration('90s'), 90_000)
  t.equal(parseDuration('15m'), 900_000)
  t.equal(parseDuration('2h'), 7_200_000)
  t.equal(parseDuration('8d'), 691_200_000)
  t.equal(parseDuration('1w'), 604_800_000)
  t.equal(parseDuration('-2h'), -7_200_000)
  t.equal(parseDuration('250ms'), 250)
  for (const bad of ['', '8 days', 'd8', '1y', null, NaN, {}]) {
    t.throws(() => parseDuration(bad), /is not a duration/, `rejects ${JSON.stringify(bad)}`)
  }
})

t.test('instants', async (t) => {
  t.equal(parseInstant('2030-01-01T00:00:00Z'), Date.UTC(2030, 0, 1))
  t.equal(parseInstant(123), 123)
  t.throws(() => parseInstant('tomorrow'), /is not a time/)
  t.throws(() => parseInstant('2030-13-45'), /is not a time/)
})

t.test('a frozen clock moves only when told', async (t) => {
  let wall = 1_000
  const clock = new MockClock('2030-01-01T00:00:00Z', () => wall)
  const t0 = Date.UTC(2030, 0, 1)
  t.equal(clock.now(), t0)
  t.ok(clock.frozen)
  wall += 5_000
  t.equal(clock.now(), t0, 'real time passing does not move it')
  t.equal(clock.advance('1h'), t0 + 3_600_000)
  t.equal(clock.set('2031-01-01T00:00:00Z'), Date.UTC(2031, 0, 1))
  t.ok(clock.frozen, 'set keeps it frozen')
  t.throws(() => clock.advance('-1s'), /use set\(\)/)
})

t.test('a system clock follows real time plus the advances', async (t) => {
  let wall = 50_000
  const clock = new MockClock('system', () => wall)
  t.notOk(clock.frozen)
  t.equal(clock.now(), 50_000)
  clock.advance('10s')
  wall += 1_000
  t.equal(clock.now(), 61_000)
  t.equal(clock.freeze(), 61_000)
  wall += 99_000
  t.equal(clock.now(), 61_000, 'frozen')
  clock.resume()
  t.equal(clock.now(), 61_000, 'resumes where it stood')
  wall += 500
  t.equal(clock.now(), 61_500, 'and runs again')
  clock.set(5)
  t.equal(clock.now(), 5)
  wall += 10
  t.equal(clock.now(), 15)
})

t.test('times stay within what a Date can hold', async (t) => {
  t.throws(() => parseInstant(1e308), /is not a time/)
  t.throws(() => parseInstant(-1), /is not a time/)
  t.throws(() => parseDuration(1e308), /is not a duration/)
  t.throws(() => parseDuration('99999999999999d'), /is not a duration/)
  const clock = new MockClock('2030-01-01T00:00:00Z')
  clock.advance(8e15)
  t.throws(() => clock.advance(8e14), /past the last date/)
  t.ok(Number.isFinite(clock.now()), 'a refused advance leaves the clock as it was')
})

t.test('restore goes back to a setting exactly', async (t) => {
  let wall = 1_000
  const clock = new MockClock('system', () => wall)
  clock.advance('1h')
  t.equal(clock.restore('2030-01-01T00:00:00Z'), Date.UTC(2030, 0, 1))
  t.ok(clock.frozen)
  wall += 50
  t.equal(clock.restore('system'), 1_050)
  t.notOk(clock.frozen)
})
