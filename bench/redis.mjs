// Benchmark: two server instances (two Node processes) on one bucket, with and without the shared Redis caches.
//
//   node bench/redis.mjs [--delay MS] [--keys N] [--files N]
//
// Starts s3s-fs (seeded with a prefix of N keys and a folder of small files), a counting proxy in front of it
// (optionally adding MS of latency per request, to look like a remote bucket) and a redis-server (installing the
// Debian package if missing), all on 127.0.0.1. Each configuration starts two fresh worker processes, runs the same
// workload in process A and then in process B, and reports the requests each sent, by kind, and the wall time.
//   ram:   the default in-process caches: B pays again for everything A fetched.
//   redis: index: { type: 'redis' } and cache: new RedisFileCacheStore(...): B is served from Redis.

import { startS3Server, manyKeys } from '../__test__/helpers/s3server.mjs'
import { startCountingProxy } from '../__test__/helpers/proxy.mjs'
import { ensureRedisServer, startRedis } from '../__test__/helpers/redis.mjs'
import { startWorker } from '../__test__/helpers/ws-worker.mjs'

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`)
  return i > 0 ? Number(process.argv[i + 1]) : dflt
}
const DELAY = arg('delay', 0)
const KEYS = arg('keys', 5000)
const FILES = arg('files', 100)

const tree = manyKeys('big/', KEYS)
for (let i = 0; i < FILES; i++) tree[`files/f${String(i).padStart(3, '0')}.txt`] = `file ${i}\n`.repeat(200)

const WORKLOAD = [
  'ls /b/big | wc -l',
  'ls -l /b/big/k0042.txt | wc -l',
  'wc -l /b/files/* | head -n 1',
  'cat /b/files/f0*.txt | wc -c',
  'head -n 1 /b/big/k0042.txt',
]

const why = ensureRedisServer()
if (why) {
  console.error(`bench/redis.mjs: cannot run without redis-server: ${why}`)
  process.exit(1)
}

const s3 = await startS3Server({ tree })
const proxy = await startCountingProxy(s3.port, { delayMs: DELAY })
const redis = await startRedis()

function config(kind) {
  const options =
    kind === 'redis'
      ? { index: { type: 'redis', url: redis.url }, cache: { redisFileCacheStore: { url: redis.url, cacheLimit: '256MB' } } }
      : {}
  return { endpoint: proxy.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, options }
}

async function workload(w) {
  proxy.reset()
  const t0 = performance.now()
  let out = ''
  for (const cmd of WORKLOAD) {
    const r = await w.run(cmd)
    if (r.exitCode !== 0) throw new Error(`${cmd}: exit ${r.exitCode}: ${r.stderr}`)
    out += r.stdout
  }
  // The time is taken before waiting for the proxy to drain (a cancelled ranged GET can keep it busy).
  const ms = performance.now() - t0
  await proxy.idle()
  const st = proxy.stats()
  return { ms, requests: st.requests, byKind: st.byKind, out }
}

const fmtKinds = (k) =>
  Object.entries(k)
    .sort()
    .map(([a, b]) => `${a} ${b}`)
    .join(', ') || '-'

const results = {}
try {
  for (const kind of ['ram', 'redis']) {
    redis.cli('FLUSHALL')
    const [A, B] = await Promise.all([startWorker(config(kind)), startWorker(config(kind))])
    try {
      const a = await workload(A)
      const b = await workload(B)
      if (a.out !== b.out) throw new Error(`outputs differ between processes (${kind})`)
      results[kind] = { a, b }
    } finally {
      await Promise.all([A.stop(), B.stop()])
    }
  }
} finally {
  await proxy.stop()
  await s3.stop()
  await redis.stop()
}

console.log(`two processes, one bucket (${KEYS} keys under big/, ${FILES} files), proxy delay ${DELAY} ms`)
console.log(`workload: ${WORKLOAD.join(' ; ')}\n`)
console.log('caches   process  requests  by kind                          time')
for (const [kind, { a, b }] of Object.entries(results)) {
  for (const [name, r] of [['A', a], ['B', b]]) {
    console.log(`${kind.padEnd(8)} ${name.padEnd(8)} ${String(r.requests).padStart(8)}  ${fmtKinds(r.byKind).padEnd(32)} ${r.ms.toFixed(0).padStart(5)} ms`)
  }
}
const ram = results.ram.a.requests + results.ram.b.requests
const red = results.redis.a.requests + results.redis.b.requests
console.log(`\nrequests for both processes: ram ${ram}, redis ${red}: ${ram - red} saved (${((100 * (ram - red)) / ram).toFixed(0)}%)`)
console.log(`LIST requests: ram ${(results.ram.a.byKind.LIST ?? 0) + (results.ram.b.byKind.LIST ?? 0)}, redis ${(results.redis.a.byKind.LIST ?? 0) + (results.redis.b.byKind.LIST ?? 0)}`)
