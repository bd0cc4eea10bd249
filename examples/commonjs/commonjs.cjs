// CommonJS: require() gets async factories (the package itself is ESM). Run: node examples/commonjs/commonjs.cjs
const assert = require('node:assert/strict')
const { startClerkMock } = require('clerk-fapi-mock')

async function main() {
  const mock = await startClerkMock({ clock: '2030-01-01T00:00:00Z' })
  try {
    const { session } = mock.createSession({ userId: 'user_1n5BS00ns3t21GWIXiPJ0KcSe02' })
    const res = await fetch(`${mock.url}/v1/client/sessions/${session.id}`)
    assert.equal((await res.json()).response.status, 'active')
  } finally {
    await mock.stop()
  }
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 1
})
