// The server side of @struktoai/mirage-browser's presigned-URL flow, with mirage-native instead of the AWS SDK.
// Same shape as the Backblaze B2 docs' Express example: POST /presign/b2 { path, op, opts } -> { url }.
//
//   B2_BUCKET=... B2_REGION=us-west-004 B2_ACCESS_KEY_ID=... B2_SECRET_ACCESS_KEY=... \
//   PRESIGN_TOKEN=some-long-random-string node examples/express-presign/server.mjs
//
// Optional: B2_ENDPOINT (any S3-compatible server instead of https://s3.<region>.backblazeb2.com),
// HOST (default 127.0.0.1), PORT (default 3000; 0 picks a free port), PRESIGN_ALLOW_OPS (default
// GET,HEAD,LIST,PUT,DELETE,COPY here: this example's app edits files), PRESIGN_PREFIX (keys must be under it).
//
// In your app, import from 'mirage-native' instead of the relative path.

import express from 'express'
import { BackblazeResource, createPresignHandler } from '../../main.js'

const need = ['B2_BUCKET', 'B2_REGION', 'B2_ACCESS_KEY_ID', 'B2_SECRET_ACCESS_KEY', 'PRESIGN_TOKEN']
const missing = need.filter((k) => !process.env[k])
if (missing.length) {
  console.error(`missing environment variables: ${missing.join(', ')}`)
  process.exit(2)
}

const b2 = new BackblazeResource({
  bucket: process.env.B2_BUCKET,
  region: process.env.B2_REGION,
  accessKeyId: process.env.B2_ACCESS_KEY_ID,
  secretAccessKey: process.env.B2_SECRET_ACCESS_KEY,
  ...(process.env.B2_ENDPOINT ? { endpoint: process.env.B2_ENDPOINT } : {}),
})

const app = express()
app.disable('x-powered-by')

// 1. Who may ask for URLs: the library cannot know, so the app decides. Here a shared bearer token; use your
//    session or auth middleware instead. Never sign for anonymous callers.
function requireUser(req, res, next) {
  if (req.get('authorization') !== `Bearer ${process.env.PRESIGN_TOKEN}`) {
    res.status(401).json({ error: 'unauthorized' })
    return
  }
  next()
}

// 2. How often: a small fixed-window limit per client address (use a shared store behind a load balancer).
const WINDOW_MS = 60_000
const MAX_PER_WINDOW = 600
const seen = new Map()
function rateLimit(req, res, next) {
  const now = Date.now()
  const key = req.ip ?? 'unknown'
  const slot = seen.get(key)
  if (!slot || now - slot.start >= WINDOW_MS) {
    if (seen.size > 10_000) seen.clear()
    seen.set(key, { start: now, count: 1 })
  } else if (++slot.count > MAX_PER_WINDOW) {
    res.status(429).json({ error: 'too many requests' })
    return
  }
  next()
}

// 3. What: the handler signs only these ops, under this prefix, for at most maxTtlSec seconds.
const allowOps = (process.env.PRESIGN_ALLOW_OPS ?? 'GET,HEAD,LIST,PUT,DELETE,COPY').split(',').map((s) => s.trim())
app.post(
  '/presign/b2',
  requireUser,
  rateLimit,
  express.json({ limit: '16kb' }),
  createPresignHandler(b2, {
    allowOps,
    ...(process.env.PRESIGN_PREFIX ? { prefix: process.env.PRESIGN_PREFIX } : {}),
    maxTtlSec: 3600,
  }),
)

// Malformed JSON caught by express.json(): answer JSON too (and never a stack trace).
app.use((err, req, res, next) => {
  if (res.headersSent) return next(err)
  const status = err && typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500
  res.status(status).json({ error: status === 500 ? 'internal error' : 'malformed request' })
})

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address()
  console.log(`presign server listening on http://${address}:${port}/presign/b2`)
})
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    server.close(() => process.exit(0))
    server.closeAllConnections()
  })
}
