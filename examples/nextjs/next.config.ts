import type { NextConfig } from 'next'

const here = import.meta.dirname

const nextConfig: NextConfig = {
  // This folder is the app's root, not the mock's checkout around it (which has its own lockfile).
  turbopack: { root: here },
  outputFileTracingRoot: here,
}

export default nextConfig
