// Starts the app in app.mjs on 127.0.0.1 and PORT (default 3000; 0 picks a free port) and prints its URL.
import { app } from './app.mjs'

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://localhost:${server.address().port}`)
})
