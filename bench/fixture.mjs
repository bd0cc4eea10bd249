// Generated fixtures for the scale rows: `clients` clients with `perClient` sessions each.
import { writeFileSync } from 'node:fs'

const pad = (n) => String(n).padStart(8, '0')

export function scaleFixture(clients, perClient) {
  const userCount = Math.max(1, Math.ceil((clients * perClient) / 10))
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: `user_bench${pad(i)}`,
    first_name: 'Bench',
    last_name: `User${i}`,
    email_address: `user${i}@example.com`,
  }))
  let n = 0
  const statuses = ['active', 'active', 'active', 'ended', 'active', 'pending', 'active', 'expired', 'active', 'abandoned']
  return {
    clock: '2030-01-01T00:00:00Z',
    settings: { session_lifetime: '7d', abandon_after: '30d', inactivity_timeout: null, token_lifetime: '60s' },
    users,
    clients: Array.from({ length: clients }, (_, c) => ({
      id: `client_bench${pad(c)}`,
      created_at: '-2d',
      sessions: Array.from({ length: perClient }, (_, s) => {
        const i = n++
        return {
          id: `sess_bench${pad(i)}`,
          user_id: users[i % userCount].id,
          // The first session of each client is active, so GET and touch always succeed on it.
          status: s === 0 ? 'active' : statuses[i % statuses.length],
          created_at: '-1d',
          last_active_at: '-5m',
        }
      }),
    })),
  }
}

export function writeScaleFixture(file, clients, perClient) {
  writeFileSync(file, JSON.stringify(scaleFixture(clients, perClient)))
  return file
}
