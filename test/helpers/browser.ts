/**
 * Headless Debian Chromium (driven by playwright-core) loading clerk-js's browser bundle from a tiny
 * page server, for the same-site (cookie) and cross-site (dev browser) tests.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { createRequire } from 'node:module'
import { dirname, join, normalize } from 'node:path'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

/** Why the browser tests cannot run here, or false when they can. CI installs Chromium, so there it must be false. */
export const skipBrowser: string | false = existsSync(CHROMIUM) ? false : `no ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) to run the browser tests`

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  })
}

// The package exports no ./package.json; its CommonJS entry sits in dist/.
const CLERK_DIST = dirname(createRequire(import.meta.url).resolve('@clerk/clerk-js'))

/** The page an app would serve: clerk-js's browser bundle, configured by its data attributes. */
export function appPage(publishableKey: string, proxyUrl: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>app</title></head>
<body>
<script async crossorigin="anonymous" data-clerk-publishable-key="${publishableKey}" data-clerk-proxy-url="${proxyUrl}" src="/clerk/clerk.browser.js"></script>
</body></html>`
}

export interface PageServer {
  port: number
  /** Sets the HTML served at `/`. */
  page(html: string): void
  close(): Promise<void>
}

/** Serves `/` (the page) and `/clerk/*` (clerk-js's dist, whose chunks load relative to the bundle) on 127.0.0.1. */
export async function startPageServer(): Promise<PageServer> {
  let html = '<!doctype html><p>no page yet</p>'
  const server: Server = createServer(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html)
      return
    }
    if (path.startsWith('/clerk/')) {
      const file = normalize(join(CLERK_DIST, path.slice('/clerk/'.length)))
      if (file.startsWith(CLERK_DIST) && file.endsWith('.js')) {
        try {
          const body = await readFile(file)
          res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'access-control-allow-origin': '*' }).end(body)
          return
        } catch {
          // fall through to 404
        }
      }
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    page(next) {
      html = next
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
