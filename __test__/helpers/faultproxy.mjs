// A fault-injecting HTTP proxy for the tests, in the manner of a flaky Backblaze B2: it sits on 127.0.0.1 between the
// addon and the local S3 server (s3s-fs) and, from a seeded PRNG, answers a chosen share of requests with
//   - 503 SlowDown (with and without `Retry-After: 1`),  - 500 InternalError,
//   - a reset connection (destroyed before any response byte),
//   - a body cut halfway (the upstream's real status and headers, Content-Length included, then the socket is destroyed),
//   - a delay before forwarding.
// It never faults one request identity (method + path + query + Range) more than `maxConsecutive` times in a row (3 by
// default), so a client making 5 attempts always gets through and "every output is correct" is a deterministic claim.
// A B2 header firewall answers 400 InvalidArgument, as B2 does, to any request carrying x-amz-checksum-*,
// x-amz-sdk-checksum-algorithm, x-amz-checksum-mode, x-amz-tagging, `Transfer-Encoding: chunked` or
// `Content-Encoding: aws-chunked`, and counts it.
//
//   const proxy = await startFaultProxy({ upstream: s3.endpoint, seed: 42, rate: 0.2 })
//   new BackblazeResource({ ..., endpoint: proxy.endpoint })
//   proxy.stats()    // { requests, faults, byKind, firewall, ... }
//   await proxy.stop()
//
// Faults are decided BEFORE the request reaches the server (503/500/reset), except a cut, which needs the real answer:
// cuts are only applied to GET answers with a body (a write that reached the server and then lost its answer is
// ambiguous by nature; here a write either reached the server or it did not). The proxy stops itself after
// `lifetimeMs` (default 15 min) and never keeps the process alive (its server and timers are unref'd).
//
// Like B2, a HEAD or GET of a key that does not exist answers 404, also when s3s-fs has a folder by that name (s3s-fs
// answers 500 there; pass its data dir as `s3sFsDataDir` to get B2's answer).
//
// Test hooks: `configure({ rate, seed, kinds, delayAllMs, injectListing, script, onRequest })`:
//   - `delayAllMs`: hold every request that long before forwarding (a slow server); a client that gives up meanwhile is
//     counted in `clientAborts` and the request is never forwarded;
//   - `injectListing`: extra keys to add to every ListObjectsV2 answer (as Contents or CommonPrefixes, as S3 would group
//     them), e.g. keys with `..` segments that a real bucket may hold;
//   - `script`: [{ match(info) -> bool, kind, times }] deterministic faults, checked before the random ones;
//   - `onRequest(info)`: awaited before forwarding (e.g. to change an object between a cut and its resume).

import http from 'node:http'
import { statSync } from 'node:fs'
import path from 'node:path'

const FIREWALL = [
  (name) => name.startsWith('x-amz-checksum-'),
  (name) => name === 'x-amz-sdk-checksum-algorithm',
  (name) => name === 'x-amz-checksum-mode',
  (name) => name === 'x-amz-tagging',
]

/** Fault kinds and their default weights (the share among faulted requests). */
export const DEFAULT_KINDS = {
  slowdown: 25,
  'slowdown-retry-after': 10,
  internal: 15,
  reset: 15,
  cut: 25,
  delay: 10,
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const xmlEscape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function errorXml(code, message) {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/** Split `/bucket/a/b?x=y` into the bucket, the decoded key (or null) and the query params. */
export function parseTarget(url) {
  const [rawPath, rawQuery = ''] = url.split('?', 2)
  const segs = rawPath.split('/').slice(1)
  const bucket = decodeURIComponent(segs[0] ?? '')
  const keyRaw = segs.slice(1).join('/')
  const key = segs.length > 1 ? decodeURIComponent(keyRaw) : null
  return { bucket, key, rawPath, query: new URLSearchParams(rawQuery) }
}

/**
 * Start the proxy. Options: upstream ('http://127.0.0.1:PORT', required), seed, rate (share of requests faulted, 0..1),
 * kinds (weights), maxConsecutive (3), delayRangeMs ([100, 600] for the `delay` kind), lifetimeMs, logLimit.
 */
export async function startFaultProxy({
  upstream,
  seed = 1,
  rate = 0,
  kinds = DEFAULT_KINDS,
  maxConsecutive = 3,
  delayRangeMs = [100, 600],
  lifetimeMs = 15 * 60_000,
  logLimit = 50_000,
  s3sFsDataDir = null,
} = {}) {
  const up = new URL(upstream)
  if (up.hostname !== '127.0.0.1') throw new Error('the fault proxy only forwards to 127.0.0.1')
  const agent = new http.Agent({ keepAlive: true, maxSockets: 128 })
  const cfg = { seed, rate, kinds, delayAllMs: 0, injectListing: null, script: [], onRequest: null }
  let rand = prng(seed)
  const consecutive = new Map()
  let stats
  const log = []
  const resetStats = () => {
    stats = {
      requests: 0,
      forwarded: 0,
      faults: 0,
      byKind: {},
      firewall: 0,
      firewallHeaders: [],
      writesWithoutMd5: 0,
      inFlight: 0,
      peakInFlight: 0,
      clientAborts: 0,
      maxConsecutiveSeen: 0,
    }
    log.length = 0
  }
  resetStats()

  function pickKind() {
    const entries = Object.entries(cfg.kinds).filter(([, w]) => w > 0)
    const total = entries.reduce((s, [, w]) => s + w, 0)
    let x = rand() * total
    for (const [k, w] of entries) {
      if ((x -= w) < 0) return k
    }
    return entries[entries.length - 1][0]
  }

  function decide(info, identity) {
    for (const s of cfg.script) {
      if (s.times > 0 && s.match(info)) {
        s.times--
        return s.kind
      }
    }
    if (cfg.rate <= 0) return null
    // Draw for every request, so the sequence of decisions depends on the seed and the request order only.
    const faulted = rand() < cfg.rate
    const kind = faulted ? pickKind() : null
    if ((consecutive.get(identity) ?? 0) >= maxConsecutive) return null
    return kind
  }

  /** Forward to the upstream; resolves to { status, headers, body } or rejects on a connection error. */
  function forward(req, body) {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers }
      delete headers.connection
      const r = http.request(
        { host: up.hostname, port: up.port, method: req.method, path: req.url, headers, agent },
        (res) => {
          const chunks = []
          res.on('data', (c) => chunks.push(c))
          res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
          res.on('error', reject)
        },
      )
      r.on('error', reject)
      r.end(body)
    })
  }

  function injectList(info, up) {
    const keys = cfg.injectListing
    if (!keys?.length || info.method !== 'GET' || info.key !== null || info.query.get('list-type') !== '2') return up
    if (up.status !== 200) return up
    const prefix = info.query.get('prefix') ?? ''
    const delimiter = info.query.get('delimiter')
    const contents = []
    const prefixes = new Set()
    for (const k of keys) {
      if (!k.startsWith(prefix)) continue
      const rest = k.slice(prefix.length)
      const at = delimiter ? rest.indexOf(delimiter) : -1
      if (at >= 0) prefixes.add(prefix + rest.slice(0, at + delimiter.length))
      else contents.push(k)
    }
    let xml = up.body.toString('utf8')
    const extra =
      contents
        .map(
          (k) =>
            `<Contents><Key>${xmlEscape(k)}</Key><LastModified>2024-01-01T00:00:00.000Z</LastModified>` +
            `<ETag>"00000000000000000000000000000000"</ETag><Size>17</Size><StorageClass>STANDARD</StorageClass></Contents>`,
        )
        .join('') + [...prefixes].map((p) => `<CommonPrefixes><Prefix>${xmlEscape(p)}</Prefix></CommonPrefixes>`).join('')
    xml = xml.replace('</ListBucketResult>', `${extra}</ListBucketResult>`)
    return { ...up, body: Buffer.from(xml, 'utf8') }
  }

  /** s3s-fs answers 500 for a key that is a folder on its disk; B2 (and S3) answer 404 NoSuchKey. */
  function b2NotFound(info, up) {
    if (!s3sFsDataDir || up.status !== 500 || info.key === null || !['GET', 'HEAD'].includes(info.method)) return up
    let isDir = false
    try {
      isDir = statSync(path.join(s3sFsDataDir, info.bucket, info.key)).isDirectory()
    } catch {}
    if (!isDir) return up
    const body = info.method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(errorXml('NoSuchKey', 'The specified key does not exist.'))
    return { status: 404, headers: { 'content-type': 'application/xml', 'content-length': String(body.length) }, body }
  }

  function sendXml(res, status, code, message, extra = {}) {
    const body = Buffer.from(errorXml(code, message))
    res.writeHead(status, { 'content-type': 'application/xml', 'content-length': body.length, ...extra })
    res.end(body)
  }

  function reply(res, method, up) {
    const headers = { ...up.headers }
    for (const h of ['connection', 'keep-alive', 'transfer-encoding']) delete headers[h]
    if (method !== 'HEAD') headers['content-length'] = String(up.body.length)
    res.writeHead(up.status, headers)
    res.end(method === 'HEAD' ? undefined : up.body)
  }

  const server = http.createServer(async (req, res) => {
    stats.requests++
    stats.inFlight++
    stats.peakInFlight = Math.max(stats.peakInFlight, stats.inFlight)
    let done = false
    const finish = () => {
      if (!done) {
        done = true
        stats.inFlight--
      }
    }
    let clientGone = false
    let closedByUs = false
    res.on('close', () => {
      if (!res.writableFinished && !clientGone && !closedByUs) {
        clientGone = true
        stats.clientAborts++
      }
      finish()
    })
    const chunks = []
    try {
      for await (const c of req) chunks.push(c)
    } catch {
      return // the client went away while sending
    }
    const body = Buffer.concat(chunks)
    const target = parseTarget(req.url)
    const info = {
      method: req.method,
      url: req.url,
      bucket: target.bucket,
      key: target.key,
      query: target.query,
      range: req.headers.range ?? null,
      ifMatch: req.headers['if-match'] ?? null,
      headers: req.headers,
    }
    const entry = {
      method: req.method,
      url: req.url,
      key: target.key,
      prefix: target.query.get('prefix'),
      range: info.range,
      ifMatch: info.ifMatch,
      headerNames: Object.keys(req.headers),
      fault: null,
      status: null,
    }
    if (log.length < logLimit) log.push(entry)

    // The B2 firewall comes first: B2 refuses these whatever else happens.
    const names = Object.keys(req.headers)
    const bad = names.filter((n) => FIREWALL.some((f) => f(n)))
    if (/chunked/i.test(req.headers['transfer-encoding'] ?? '')) bad.push('transfer-encoding: chunked')
    if (/aws-chunked/i.test(req.headers['content-encoding'] ?? '')) bad.push('content-encoding: aws-chunked')
    if (bad.length) {
      stats.firewall++
      stats.firewallHeaders.push(...bad)
      entry.status = 400
      return sendXml(res, 400, 'InvalidArgument', `Unsupported header '${bad[0]}' received for this API call.`)
    }
    // PutObject and UploadPart bodies must carry Content-MD5 (the server then rejects a corrupted upload).
    if (req.method === 'PUT' && body.length > 0 && !req.headers['content-md5']) stats.writesWithoutMd5++

    const identity = `${req.method} ${req.url} ${info.range ?? ''}`
    let kind = decide(info, identity)
    if (kind === 'cut' && req.method !== 'GET') kind = 'reset'
    entry.fault = kind
    const count = (k) => {
      stats.faults++
      stats.byKind[k] = (stats.byKind[k] ?? 0) + 1
      const n = (consecutive.get(identity) ?? 0) + 1
      consecutive.set(identity, n)
      stats.maxConsecutiveSeen = Math.max(stats.maxConsecutiveSeen, n)
    }

    const waitOrGone = async (ms) => {
      if (ms <= 0) return clientGone
      await new Promise((resolve) => {
        const t = setTimeout(resolve, ms)
        t.unref?.()
        res.once('close', () => {
          clearTimeout(t)
          resolve()
        })
      })
      return clientGone || res.destroyed
    }

    try {
      if (cfg.delayAllMs > 0 && (await waitOrGone(cfg.delayAllMs))) return
      switch (kind) {
        case 'slowdown':
          count(kind)
          entry.status = 503
          return sendXml(res, 503, 'SlowDown', 'Please reduce your request rate.')
        case 'slowdown-retry-after':
          count(kind)
          entry.status = 503
          return sendXml(res, 503, 'SlowDown', 'Please reduce your request rate.', { 'retry-after': '1' })
        case 'internal':
          count(kind)
          entry.status = 500
          return sendXml(res, 500, 'InternalError', 'An internal error occurred. Please retry your upload.')
        case 'reset':
          count(kind)
          entry.status = 'reset'
          closedByUs = true
          req.socket.resetAndDestroy ? req.socket.resetAndDestroy() : req.socket.destroy()
          return
        case 'delay': {
          // A slow answer, not a failure: it does not count towards the consecutive cap.
          stats.byKind.delay = (stats.byKind.delay ?? 0) + 1
          stats.faults++
          const [lo, hi] = delayRangeMs
          if (await waitOrGone(lo + Math.floor(rand() * (hi - lo)))) return
          break
        }
        default:
          break
      }
      if (cfg.onRequest) await cfg.onRequest(info)
      if (clientGone) return
      stats.forwarded++
      let answer = await forward(req, body)
      answer = b2NotFound(info, injectList(info, answer))
      entry.status = answer.status
      if (kind === 'cut' && answer.body.length >= 2) {
        count(kind)
        const headers = { ...answer.headers }
        for (const h of ['connection', 'keep-alive', 'transfer-encoding']) delete headers[h]
        headers['content-length'] = String(answer.body.length)
        res.writeHead(answer.status, headers)
        closedByUs = true
        res.write(answer.body.subarray(0, Math.floor(answer.body.length / 2)), () => req.socket.destroy())
        entry.status = `cut ${answer.status}`
        return
      }
      if (answer.status < 500) consecutive.delete(identity)
      reply(res, req.method, answer)
    } catch (e) {
      entry.status = 'upstream error'
      if (!res.headersSent) sendXml(res, 502, 'BadGateway', 'upstream failed')
      else {
        closedByUs = true
        req.socket.destroy()
      }
    }
  })
  server.keepAliveTimeout = 5000 // B2 sends `Keep-Alive: timeout=5`

  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  server.unref()
  const { port } = server.address()
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    clearTimeout(lifetime)
    server.closeAllConnections?.()
    await new Promise((r) => server.close(() => r()))
    agent.destroy()
  }
  const lifetime = setTimeout(stop, lifetimeMs)
  lifetime.unref()

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    /** Change the fault plan; a new `seed` restarts the PRNG and forgets the consecutive-fault counts. */
    configure(opts = {}) {
      for (const k of ['rate', 'kinds', 'delayAllMs', 'injectListing', 'script', 'onRequest']) if (k in opts) cfg[k] = opts[k]
      if ('seed' in opts) {
        cfg.seed = opts.seed
        rand = prng(opts.seed)
        consecutive.clear()
      }
    },
    stats: () => ({ ...stats, byKind: { ...stats.byKind }, firewallHeaders: [...stats.firewallHeaders] }),
    /** Every request seen since the last reset: method, url, decoded key, list prefix, range, header names, fault, status. */
    log: () => log.slice(),
    resetStats,
    stop,
  }
}
