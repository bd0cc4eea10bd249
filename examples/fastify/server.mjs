// Starts the app in app.mjs on 127.0.0.1 and PORT (default 3000; 0 picks a free port) and prints its URL.
import { buildApp } from './app.mjs'

const app = await buildApp()
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
console.log(`listening on http://localhost:${app.server.address().port}`)
