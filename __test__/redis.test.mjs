// Several server instances, one bucket, one Redis: `index: { type: 'redis', … }` and
// `cache: new RedisFileCacheStore(…)`, tested with real parts. Two workspaces live in two separate Node processes
// (child_process.fork), both on the local s3s-fs through a counting proxy on 127.0.0.1 and on the same real
// redis-server (127.0.0.1, random port, no persistence; the Debian package is installed here when missing).
// Every command's output is compared with GNU bash on a local copy of the bucket, to which the same writes are
// applied. No timings are asserted except one generous bound on a stalled Redis.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'

import { startS3Server, manyKeys, secretsOf } from './helpers/s3server.mjs'
import { startCountingProxy } from './helpers/proxy.mjs'
import { makeGnu } from './helpers/gnu.mjs'
import { ensureRedisServer, startRedis } from './helpers/redis.mjs'
import { startWorker } from './helpers/ws-worker.mjs'

const TREE = {
  ...manyKeys('big/', 5000),
  'dir/a.txt': 'alpha\n',
  'dir/b.txt': 'beta\nbeta\n',
  'logs/x.log': 'one\ntwo\nthree\n',
}

const WARNING = /^mirage: redis unavailable \([^)\n]+\); using the bucket directly$/gm

const skipReason = ensureRedisServer()
if (skipReason) console.log(`# redis tests skipped: ${skipReason}`)

describe('Redis index and byte cache shared by two processes', { skip: skipReason ?? false }, () => {
  let s3
  let proxy
  let redis
  let gnu
  let A
  let B
  let hasCp = false

  const config = () => ({
    endpoint: proxy.endpoint,
    bucket: s3.bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    options: {
      index: { type: 'redis', url: redis.url, ttl: 600, timeoutMs: 200 },
      cache: { redisFileCacheStore: { url: redis.url, cacheLimit: '64MB', timeoutMs: 200 } },
    },
  })

  /** Run `cmd` in a worker and with GNU; compare; return the result and the requests it made. */
  async function run(w, cmd, { warning = false } = {}) {
    proxy.reset()
    const r = await w.run(cmd)
    await proxy.idle()
    const st = proxy.stats()
    const g = gnu.run(cmd)
    assert.equal(r.stdout, g.stdout.toString(), `stdout of ${cmd}`)
    assert.equal(r.exitCode, g.exitCode, `exit code of ${cmd}`)
    const warnings = r.stderr.match(WARNING) ?? []
    if (!warning) assert.equal(warnings.length, 0, `no warning expected from ${cmd}: ${r.stderr}`)
    assert.equal(r.stderr.replace(WARNING, '').replace(/^\n/gm, ''), g.stderr.toString(), `stderr of ${cmd}`)
    return { ...r, st, warnings: warnings.length }
  }

  before(async () => {
    s3 = await startS3Server({ tree: TREE })
    proxy = await startCountingProxy(s3.port)
    redis = await startRedis()
    gnu = await makeGnu({ '/b': TREE })
    ;[A, B] = await Promise.all([startWorker(config()), startWorker(config())])
    hasCp = (await A.run('cp /b/dir/a.txt /b/dir/a.txt 2>/dev/null; echo $?')).stdout.trim() !== '127'
  })

  after(async () => {
    await Promise.all([A?.stop(), B?.stop()])
    await proxy?.stop()
    await s3?.stop()
    await redis?.stop()
    gnu?.cleanup()
  })

  it("the other process's ls of a 5,000-key prefix sends no LIST, and cached bytes are shared", async () => {
    const a = await run(A, 'ls /b/big | wc -l')
    assert.equal(a.stdout, '5000\n')
    assert.ok((a.st.byKind.LIST ?? 0) >= 5, `first ls pages through LIST: ${JSON.stringify(a.st.byKind)}`)
    const b = await run(B, 'ls /b/big | wc -l')
    assert.equal(b.st.byKind.LIST ?? 0, 0, 'no LIST from the second process')
    assert.equal(b.st.requests, 0, `no request at all: ${JSON.stringify(b.st.byKind)}`)
    const h = await run(B, 'ls /b/big | head -n 3; ls -l /b/big/k4999.txt | wc -l')
    assert.equal(h.st.requests, 0)
    // Bytes: read once in B, then served from Redis in A.
    const c1 = await run(B, 'cat /b/big/k4999.txt /b/dir/b.txt')
    assert.equal(c1.st.byKind.GET, 2)
    const c2 = await run(A, 'cat /b/big/k4999.txt /b/dir/b.txt; head -n 1 /b/big/k4999.txt')
    assert.equal(c2.st.requests, 0, `bytes from Redis: ${JSON.stringify(c2.st.byKind)}`)
    // A file stat'ed (HEAD) in one process is known to the other.
    const w1 = await run(A, 'wc -c /b/dir/b.txt')
    assert.equal(w1.st.byKind.HEAD, 1)
    assert.equal(w1.st.byKind.GET ?? 0, 0)
    const w2 = await run(B, 'wc -c /b/dir/b.txt')
    assert.equal(w2.st.requests, 0)
  })

  it('a copy, overwrite, move and delete in one process are seen by ls and cat in the other at once', async () => {
    // Warm both processes' view of dir/ (listing, metadata and bytes in Redis).
    await run(A, 'ls /b/dir; cat /b/dir/a.txt')
    const warm = await run(B, 'ls /b/dir; cat /b/dir/a.txt')
    assert.equal(warm.st.requests, 0)

    // cp (the command when this build has it; else the same server-side copy through ws.fs.rename below).
    if (hasCp) {
      await run(A, 'cp /b/dir/a.txt /b/dir/c.txt')
    } else {
      await run(A, 'cat /b/dir/a.txt > /b/dir/c.txt')
    }
    const seen = await run(B, 'ls /b/dir; cat /b/dir/c.txt')
    assert.match(seen.stdout, /^a\.txt\nb\.txt\nc\.txt\nalpha\n$/)

    await run(A, 'echo changed > /b/dir/a.txt')
    const changed = await run(B, 'cat /b/dir/a.txt; wc -c /b/dir/a.txt')
    assert.equal(changed.stdout, 'changed\n8 /b/dir/a.txt\n')

    // Move (server-side copy, then delete) through ws.fs, as `mv` does.
    await A.fs('rename', '/b/dir/c.txt', '/b/dir/d.txt')
    gnu.run('mv /b/dir/c.txt /b/dir/d.txt')
    const moved = await run(B, 'ls /b/dir; cat /b/dir/d.txt; cat /b/dir/c.txt')
    assert.equal(moved.exitCode, 1)
    assert.match(moved.stdout, /^a\.txt\nb\.txt\nd\.txt\nalpha\n$/)

    await B.fs('unlink', '/b/dir/d.txt')
    gnu.run('rm /b/dir/d.txt')
    const gone = await run(A, 'ls /b/dir; cat /b/dir/d.txt')
    assert.equal(gone.stdout, 'a.txt\nb.txt\n')
    // New files under a prefix the other process has cached.
    await run(B, 'echo new > /b/big/zz-new.txt')
    const big = await run(A, 'ls /b/big | wc -l; ls /b/big/zz-new.txt; cat /b/big/zz-new.txt')
    assert.equal(big.stdout, '5001\n/b/big/zz-new.txt\nnew\n')
  })

  it('Redis stopped mid-run: every output stays correct, the warning comes once per workspace, then recovery', async () => {
    const port = redis.port
    await redis.stop()
    const warnings = { A: 0, B: 0 }
    const cmds = [
      [A, 'A', 'ls /b/dir'],
      [B, 'B', 'cat /b/dir/a.txt /b/dir/b.txt'],
      [A, 'A', 'echo during > /b/dir/e.txt'],
      [B, 'B', 'ls /b/dir; cat /b/dir/e.txt'],
      [B, 'B', 'ls /b/big | wc -l'],
      [A, 'A', 'cat /b/dir/e.txt /b/logs/x.log; ls /b/nope'],
      [A, 'A', 'echo again > /b/dir/e.txt; cat /b/dir/e.txt'],
      [B, 'B', 'cat /b/dir/e.txt; wc -l /b/logs/x.log'],
    ]
    let listDuringOutage = 0
    for (const [w, name, cmd] of cmds) {
      const r = await run(w, cmd, { warning: true })
      warnings[name] += r.warnings
      if (cmd === 'ls /b/big | wc -l') listDuringOutage = r.st.byKind.LIST ?? 0
    }
    assert.deepEqual(warnings, { A: 1, B: 1 }, 'one warning per workspace')
    assert.ok(listDuringOutage >= 5, 'without Redis the listing comes from the bucket')

    // Redis back (empty, as after a restart without persistence), on the same port.
    redis = await startRedis({ port })
    await new Promise((r) => setTimeout(r, 1300))
    await run(A, 'ls /b/dir; cat /b/dir/e.txt')
    const b = await run(B, 'ls /b/dir; cat /b/dir/e.txt')
    assert.equal(b.st.requests, 0, `served from Redis again: ${JSON.stringify(b.st.byKind)}`)
    assert.equal(b.stdout, 'a.txt\nb.txt\ne.txt\nagain\n')
    assert.equal(b.warnings, 0)
  })

  it('a stalled Redis (SIGSTOP) costs a timeout, not an outage', async () => {
    process.kill(redis.pid, 'SIGSTOP')
    try {
      const t0 = Date.now()
      const r = await run(A, 'cat /b/dir/a.txt; ls /b/dir; echo stalled > /b/dir/f.txt; cat /b/dir/f.txt', { warning: true })
      const ms = Date.now() - t0
      assert.equal(r.warnings, 0, 'already warned in this workspace')
      assert.ok(ms < 5000, `took ${ms} ms`)
    } finally {
      process.kill(redis.pid, 'SIGCONT')
    }
    await new Promise((r) => setTimeout(r, 1300))
    // B never saw the stall; A's write invalidated what B had cached (queued in A, replayed, or applied late).
    await run(A, 'ls /b/dir')
    const b = await run(B, 'ls /b/dir; cat /b/dir/f.txt')
    assert.equal(b.stdout, 'a.txt\nb.txt\ne.txt\nf.txt\nstalled\n')
  })

  it('no secret in Redis: neither in keys nor in values', async () => {
    const keys = redis.cli('--scan').toString().split('\n').filter(Boolean)
    assert.ok(keys.length > 0, 'Redis holds entries')
    const needles = secretsOf(s3)
    const bad = keys.filter((k) => needles.some((n) => k.includes(n)))
    assert.deepEqual(bad, [], 'keys with a secret')
    for (const k of keys) {
      assert.ok(k.startsWith('mirage:index:') || k.startsWith('mirage:cache:'), `namespaced key: ${k}`)
      const type = redis.cli('TYPE', k).toString().trim()
      const dump =
        type === 'string' ? redis.cli('GET', k) : type === 'hash' ? redis.cli('HGETALL', k) : type === 'zset' ? redis.cli('ZRANGE', k, '0', '-1') : Buffer.alloc(0)
      const found = needles.filter((n) => dump.includes(n))
      assert.deepEqual(found, [], `value of ${k} holds a secret`)
      assert.ok(!dump.includes('X-Amz-Signature') && !dump.includes('X-Amz-Credential'), `value of ${k} holds a signed URL`)
    }
    // The endpoint and bucket are named by a hash only.
    assert.ok(!keys.some((k) => k.includes('127.0.0.1') || k.includes(s3.bucket)))
  })
})

describe('Redis options', () => {
  it('are validated without echoing the URL (it may hold a password)', async () => {
    const { createRequire } = await import('node:module')
    const require = createRequire(import.meta.url)
    const { Workspace, RAMResource, RedisFileCacheStore } = require('../index.js')
    for (const url of ['http://:hunter2pw@cache:6379', 'redis://:hunter2pw@[bad']) {
      assert.throws(() => new RedisFileCacheStore({ url }), (e) => /invalid Redis URL/.test(e.message) && !e.message.includes('hunter2pw'))
      assert.throws(
        () => new Workspace({ '/r/': new RAMResource() }, { index: { type: 'redis', url } }),
        (e) => /index: invalid Redis URL/.test(e.message) && !e.message.includes('hunter2pw'),
      )
    }
    assert.throws(() => new RedisFileCacheStore({ cacheLimit: 'lots' }), /cacheLimit: invalid size 'lots'/)
    const store = new RedisFileCacheStore({ url: 'redis://127.0.0.1:1/0', cacheLimit: '64MB' })
    assert.equal(store.cacheLimit, 64 * 1024 * 1024)
    assert.equal(store.keyPrefix, 'mirage:cache:')
    assert.equal(new RedisFileCacheStore().cacheLimit, 512 * 1024 * 1024)
    // Nothing listens on port 1: the store answers "not held" instead of failing.
    assert.equal(await store.size(), null)
  })
})
