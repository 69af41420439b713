// The physical limit of a benchmark case: the same bytes fetched by bare SigV4-signed requests (node:http with a
// keep-alive agent; no shell, no SDK), run in its own process by bench/worker.mjs like the packages are.
//
// A plan is data (it crosses a process boundary as JSON), one of:
//   { list: 'many/', delimiter: '/' }             every page of a listing
//   { head: 'big.log' }
//   { get: 'big.log', range?: 'bytes=0-65535', stopAfter?: 1 }
//   { listGet: 'logs/', delimiter?: '/' }         a listing, then every object in it, 16 at a time

import { createHash, createHmac } from 'node:crypto'
import http from 'node:http'

const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
const sha256hex = (s) => createHash('sha256').update(s).digest('hex')
const hmac = (k, s) => createHmac('sha256', k).update(s).digest()

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })

/** One signed request; resolves to { status, body (Buffer, when keep), bytes }. */
export function signedRequest(cfg, method, key, { query = {}, headers: extra = {}, keep = false, stopAfter = Infinity } = {}) {
  const url = new URL(cfg.endpoint)
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  const day = amzDate.slice(0, 8)
  const uri = `/${cfg.bucket}` + (key === null ? '' : '/' + key.split('/').map(enc).join('/'))
  const q = Object.entries(query)
    .map(([k, v]) => [enc(k), enc(String(v))])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&')
  const signedHeaders = { host: url.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD', 'x-amz-date': amzDate }
  const names = Object.keys(signedHeaders).sort()
  const creq = [method, uri, q, names.map((n) => `${n}:${signedHeaders[n]}\n`).join(''), names.join(';'), 'UNSIGNED-PAYLOAD'].join('\n')
  const scope = `${day}/us-east-1/s3/aws4_request`
  const sts = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(creq)].join('\n')
  const kSig = hmac(hmac(hmac(hmac('AWS4' + cfg.secretAccessKey, day), 'us-east-1'), 's3'), 'aws4_request')
  const sig = createHmac('sha256', kSig).update(sts).digest('hex')
  const headers = {
    ...signedHeaders,
    authorization: `AWS4-HMAC-SHA256 Credential=${cfg.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${sig}`,
    ...extra,
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path: uri + (q ? '?' + q : ''), headers, agent },
      (res) => {
        const chunks = []
        let bytes = 0
        let stopped = false
        res.on('data', (c) => {
          if (stopped) return
          bytes += c.length
          if (keep) chunks.push(c)
          if (bytes >= stopAfter) {
            stopped = true
            res.destroy()
            resolve({ status: res.statusCode, bytes })
          }
        })
        res.on('end', () => {
          if (res.statusCode >= 300) reject(new Error(`${method} ${uri}: ${res.statusCode}`))
          else resolve({ status: res.statusCode, bytes, body: keep ? Buffer.concat(chunks) : null })
        })
        res.on('error', (e) => (stopped ? null : reject(e)))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

async function listAll(cfg, prefix, delimiter) {
  const keys = []
  let token = null
  for (;;) {
    const query = { 'list-type': '2', prefix, 'max-keys': '1000' }
    if (delimiter) query.delimiter = delimiter
    if (token) query['continuation-token'] = token
    const body = (await signedRequest(cfg, 'GET', null, { query, keep: true })).body.toString()
    for (const m of body.matchAll(/<Key>([^<]*)<\/Key>/g)) keys.push(m[1])
    const t = body.match(/<NextContinuationToken>([^<]*)<\/NextContinuationToken>/)
    if (!/<IsTruncated>true</.test(body) || !t) break
    token = t[1]
  }
  return keys
}

async function parallel(items, limit, fn) {
  let i = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (i < items.length) await fn(items[i++])
    }),
  )
}

/** Run a plan once. */
export async function runPlan(cfg, plan) {
  if (plan.list !== undefined) return listAll(cfg, plan.list, plan.delimiter)
  if (plan.head) return signedRequest(cfg, 'HEAD', plan.head)
  if (plan.get) {
    return signedRequest(cfg, 'GET', plan.get, { headers: plan.range ? { range: plan.range } : {}, stopAfter: plan.stopAfter ?? Infinity })
  }
  if (plan.listGet !== undefined) {
    const keys = (await listAll(cfg, plan.listGet, plan.delimiter)).filter((k) => !k.endsWith('/'))
    return parallel(keys, 16, (k) => signedRequest(cfg, 'GET', k))
  }
  throw new Error(`unknown plan ${JSON.stringify(plan)}`)
}
