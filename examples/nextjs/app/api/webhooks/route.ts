// Clerk's webhook route, as an app has it: the real signature check, nothing changed for tests.
// verifyWebhook reads CLERK_WEBHOOK_SIGNING_SECRET (the mock prints the secret of each endpoint).
import { verifyWebhook } from '@clerk/nextjs/webhooks'
import type { NextRequest } from 'next/server'

export async function POST(req: NextRequest) {
  try {
    const evt = await verifyWebhook(req)
    // The app's own work goes here (evt.type, evt.data).
    return new Response(`Webhook received: ${evt.type} ${evt.data.id}`, { status: 200 })
  } catch {
    return new Response('Webhook verification failed', { status: 400 })
  }
}
