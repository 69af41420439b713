// Request economy and caching, counted: every request between the addon and the S3 server (s3s-fs on 127.0.0.1)
// goes through a counting proxy, so these tests lock in how many requests and bytes each command costs, and that
// the caches never serve stale data after a write made through the workspace. Outputs are compared with GNU.
// No timings are asserted.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { writeFileSync } from 'node:fs'
import path from 'node:path'

import { startS3Server } from './helpers/s3server.mjs'
import { startCountingProxy } from './helpers/proxy.mjs'
import { makeGnu } from './helpers/gnu.mjs'

const require = createRequire(import.meta.url)
const { Workspace, BackblazeResource, ConsistencyPolicy } = require('../index.js')

// A log of about 17 MB (over the default 16 MiB per-object limit of the byte cache) with ERROR lines.
function bigLog() {
  const lines = []
  let size = 0
  for (let i = 0; size < 17_000_000; i++) {
    const l = `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z ${i % 13 === 0 ? 'ERROR' : 'INFO'} request ${i} served in ${i % 997} ms\n`
    lines.push(l)
    size += l.length
  }
  return lines.join('')
}

const BIG = bigLog()
const TREE = {
  'big.log': BIG,
  'dir/a.txt': 'alpha\n',
  'dir/b.txt': 'beta\nbeta\n',
  'rw/x.txt': 'one\n',
  'c/lazy.txt': 'v1\n',
  'c/ttl.txt': 'v1\n',
  'c/always.txt': 'v1\n',
  'c/nocache.txt': 'v1\n',
}
for (let i = 1; i <= 8; i++) TREE[`p/${String(i).padStart(2, '0')}.log`] = `file ${i}\n`.repeat(i * 1000)

let s3
let proxy
let slow
let gnu

function workspace(options = {}, endpoint = proxy.endpoint) {
  const b = new BackblazeResource({
    bucket: s3.bucket,
    region: 'us-east-1',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    endpoint,
  })
  return new Workspace({ '/b/': b }, { mode: 'write', ...options })
}

/** Run one command and return its result with the requests it made (through `via`, the proxy by default). */
async function counted(ws, cmd, via = proxy) {
  via.reset()
  const r = await ws.execute(cmd)
  await via.idle()
  return { out: r.stdoutText, err: r.stderrText, code: r.exitCode, st: via.stats() }
}

function assertGnu(res, cmd) {
  const g = gnu.run(cmd)
  assert.equal(res.out, g.stdout.toString(), `stdout of ${cmd}`)
  assert.equal(res.err, g.stderr.toString(), `stderr of ${cmd}`)
  assert.equal(res.code, g.exitCode, `exit code of ${cmd}`)
}

const describeS = (st) => st.log.map((e) => `${e.kind} ${e.path} ${e.range ?? ''} -> ${e.status} ${e.bytes}B`).join('\n')

before(async () => {
  s3 = await startS3Server({ tree: TREE })
  proxy = await startCountingProxy(s3.port)
  slow = await startCountingProxy(s3.port, { delayMs: 150 })
  gnu = await makeGnu({ '/b': TREE })
})

after(async () => {
  await proxy?.stop()
  await slow?.stop()
  await s3?.stop()
  gnu?.cleanup()
})

describe('head, wc -c, stat and ls read no more than they need', () => {
  it('head -n 5 big issues ranged GETs only, a few KiB', async () => {
    const ws = workspace()
    const res = await counted(ws, 'head -n 5 /b/big.log')
    assertGnu(res, 'head -n 5 /b/big.log')
    const gets = res.st.log.filter((e) => e.kind === 'GET')
    assert.equal(gets.length, 1, describeS(res.st))
    assert.ok(gets.every((e) => e.range), `every GET carries a Range:\n${describeS(res.st)}`)
    assert.ok(res.st.bytes <= 64 * 1024, `${res.st.bytes} bytes:\n${describeS(res.st)}`)
    assert.equal(res.st.requests, 1, describeS(res.st))
  })

  it('head -n grows its ranges only as far as the answer needs', async () => {
    const ws = workspace()
    // 3000 lines are about 150 KB: 64 KiB, then 128 KiB.
    const res = await counted(ws, 'head -n 3000 /b/big.log')
    assertGnu(res, 'head -n 3000 /b/big.log')
    const gets = res.st.log.filter((e) => e.kind === 'GET')
    assert.deepEqual(gets.map((e) => e.range), ['bytes=0-65535', 'bytes=65536-196607'], describeS(res.st))
    assert.ok(res.st.bytes <= 3 * 64 * 1024, `${res.st.bytes} bytes`)
  })

  it('head -c N is one ranged GET of N bytes; head -c -N sizes with a HEAD first', async () => {
    const ws = workspace()
    const res = await counted(ws, 'head -c 100 /b/big.log')
    assertGnu(res, 'head -c 100 /b/big.log')
    assert.deepEqual(
      res.st.log.map((e) => [e.kind, e.range]),
      [['GET', 'bytes=0-99']],
    )
    const neg = await counted(ws, 'head -c -16999900 /b/big.log | wc -c')
    assertGnu(neg, 'head -c -16999900 /b/big.log | wc -c')
    assert.ok(neg.st.log.every((e) => e.kind !== 'GET' || e.range), describeS(neg.st))
    assert.ok(neg.st.bytes < 200_000, `${neg.st.bytes} bytes`)
  })

  it('head on several files, a directory and a missing file prints as GNU does', async () => {
    const ws = workspace()
    for (const cmd of [
      'head -n 1 /b/dir/a.txt /b/dir/b.txt',
      'head -n 1 /b/nope /b/dir/a.txt',
      'head -v -c 3 /b/dir/a.txt',
      'head -n 1 /b/dir /b/dir/a.txt',
      'head -n 0 /b/dir/a.txt /b/nope',
      'head -n -1 /b/dir/b.txt',
      'head -c 0 /b/dir/b.txt',
    ]) {
      assertGnu(await counted(ws, cmd), cmd)
    }
  })

  it('tail -n 5 big and tail -c 100 big are one suffix GET each, with no HEAD', async () => {
    const ws = workspace()
    for (const [cmd, range] of [
      ['tail -n 5 /b/big.log', 'bytes=-65536'],
      ['tail -c 100 /b/big.log', 'bytes=-100'],
    ]) {
      const res = await counted(ws, cmd)
      assertGnu(res, cmd)
      assert.deepEqual(res.st.log.map((e) => `${e.kind} ${e.range}`), [`GET ${range}`], describeS(res.st))
    }
    // More lines than the first 64 KiB hold: more suffix GETs, each twice as long, still no HEAD.
    const many = await counted(ws, 'tail -n 3000 /b/big.log | md5sum')
    assertGnu(many, 'tail -n 3000 /b/big.log | md5sum')
    assert.deepEqual(many.st.log.map((e) => e.range), ['bytes=-65536', 'bytes=-131072', 'bytes=-262144'], describeS(many.st))
    for (const cmd of [
      'tail -n 1 /b/dir/a.txt /b/dir/b.txt',
      'tail -n 1 /b/nope /b/dir/a.txt',
      'tail -n 1 /b/dir /b/dir/a.txt',
      'tail -c 3 /b/dir/b.txt',
      'tail -v -n 0 /b/dir/a.txt',
      'tail -n 0 /b/nope',
      'tail -n +0 /b/nope',
    ]) {
      assertGnu(await counted(ws, cmd), cmd)
    }
    // A missing file is known from the failed GET and its probe: no stat after them.
    const missing = await counted(workspace(), 'tail -n 1 /b/nope')
    assertGnu(missing, 'tail -n 1 /b/nope')
    assert.deepEqual(missing.st.log.map((e) => e.kind), ['GET', 'LIST'], describeS(missing.st))
  })

  it('grep -c on one file is one GET; grep -r is one flat LIST and one GET per file', async () => {
    const ws = workspace()
    const one = await counted(ws, 'grep -c ERROR /b/big.log')
    assertGnu(one, 'grep -c ERROR /b/big.log')
    assert.deepEqual(one.st.log.map((e) => e.kind), ['GET'], describeS(one.st))
    // GNU walks in directory order: compare sorted.
    const rec = await counted(workspace(), 'grep -rc 1 /b/p/ | sort')
    assertGnu(rec, 'grep -rc 1 /b/p/ | sort')
    assert.deepEqual(rec.st.byKind, { LIST: 1, GET: 8 }, describeS(rec.st))
    for (const cmd of ['grep -c a /b/dir', 'grep a /b/nope /b/dir/a.txt', 'grep -H a /b/dir/a.txt /b/dir /b/dir/b.txt', 'grep -r a /b/dir/a.txt']) {
      assertGnu(await counted(ws, cmd), cmd)
    }
    // A -r operand that is a file or missing is known from the listing's failure (its probe included): no stat after it.
    for (const [cmd, kinds] of [
      ['grep -r a /b/dir/a.txt', ['LIST', 'HEAD', 'GET']],
      ['grep -r a /b/nope', ['LIST', 'HEAD', 'LIST']],
    ]) {
      const res = await counted(workspace(), cmd)
      assertGnu(res, cmd)
      assert.deepEqual(res.st.log.map((e) => e.kind), kinds, describeS(res.st))
    }
  })

  it('wc -c big issues no GET, only one HEAD; wc -l big no HEAD', async () => {
    const ws = workspace()
    const res = await counted(ws, 'wc -c /b/big.log')
    assertGnu(res, 'wc -c /b/big.log')
    assert.deepEqual(res.st.log.map((e) => e.kind), ['HEAD'], describeS(res.st))
    // One file, one count other than -c: printed at width 1, so no HEAD for the size.
    const lines = await counted(ws, 'wc -l /b/big.log')
    assertGnu(lines, 'wc -l /b/big.log')
    assert.deepEqual(lines.st.log.map((e) => e.kind), ['GET'], describeS(lines.st))
    for (const cmd of ['wc -l /b/dir', 'wc -l /b/nope', 'wc /b/dir', 'wc -w /b/dir/b.txt']) assertGnu(await counted(ws, cmd), cmd)
    const two = await counted(ws, 'wc -c /b/dir/a.txt /b/big.log')
    assertGnu(two, 'wc -c /b/dir/a.txt /b/big.log')
    assert.equal(two.st.byKind.GET ?? 0, 0, describeS(two.st))
  })

  it('stat, ls -l and test use listings and HEAD only, and a listed directory answers without requests', async () => {
    const ws = workspace()
    for (const cmd of ['ls -l /b/big.log', 'ls -l /b/dir', 'test -f /b/big.log && echo file', 'test -d /b/dir && echo dir']) {
      const res = await counted(ws, cmd)
      assert.equal(res.code, 0, `${cmd}: ${res.err}`)
      assert.equal(res.st.byKind.GET ?? 0, 0, `${cmd}:\n${describeS(res.st)}`)
    }
    const st = await ws.fs.stat('/b/dir/b.txt')
    assert.equal(st.size, 10)

    const fresh = workspace()
    await counted(fresh, 'ls /b/dir')
    for (const cmd of ['wc -c /b/dir/a.txt', 'test -f /b/dir/b.txt && echo yes', 'cat /b/dir/missing.txt', 'ls -l /b/dir/nope']) {
      const res = await counted(fresh, cmd)
      assert.equal(res.st.requests, 0, `${cmd} after ls:\n${describeS(res.st)}`)
      if (!cmd.startsWith('ls')) assertGnu(res, cmd)
    }
  })
})

describe('ls: one listing per 1000 keys', () => {
  it('ls DIR sends only its LIST pages (no HEAD, no probe), and ls of 1,500 keys two pages', async () => {
    const keys = {}
    for (let i = 0; i < 1500; i++) keys[`many/k${String(i).padStart(4, '0')}.txt`] = 'x\n'
    await s3.seed(keys)
    const ws = workspace()
    const small = await counted(ws, 'ls /b/dir')
    assert.equal(small.out, 'a.txt\nb.txt\n')
    assert.equal(small.st.requests, 1, describeS(small.st))
    const many = await counted(workspace(), 'ls /b/many | wc -l')
    assert.equal(many.out, '1500\n')
    assert.equal(many.st.requests, 2, describeS(many.st))
  })
})

describe('streams: cancelled downloads, parallel fetches in order', () => {
  it('cat big | head -n 1 stops the download', async () => {
    const ws = workspace()
    const res = await counted(ws, 'cat /b/big.log | head -n 1')
    assertGnu(res, 'cat /b/big.log | head -n 1')
    assert.equal(res.st.byKind.GET, 1, describeS(res.st))
    assert.ok(res.st.bytes < BIG.length / 4, `${res.st.bytes} of ${BIG.length} bytes fetched`)
  })

  it('cat big | wc -l is one GET, no HEAD', async () => {
    const ws = workspace()
    const res = await counted(ws, 'cat /b/big.log | wc -l')
    assertGnu(res, 'cat /b/big.log | wc -l')
    assert.deepEqual(res.st.log.map((e) => e.kind), ['GET'], describeS(res.st))
  })

  it('cat a b c fetches ahead in parallel and prints in order', async () => {
    const ws = workspace({}, slow.endpoint)
    const files = Object.keys(TREE).filter((k) => k.startsWith('p/')).map((k) => `/b/${k}`)
    const cmd = `cat ${files.join(' ')}`
    const res = await counted(ws, cmd, slow)
    assertGnu(res, cmd)
    assert.ok(res.st.maxInflight >= 2, `at most ${res.st.maxInflight} request(s) at once`)
    assert.equal(res.st.byKind.GET, files.length)
    const mixed = `cat /b/p/01.log /b/nope.log /b/p/02.log /b/dir /b/p/03.log`
    assertGnu(await counted(ws, mixed, slow), mixed)
  })

  it('wc -l over several files counts them in parallel and prints in order', async () => {
    const ws = workspace({}, slow.endpoint)
    const cmd = 'wc -l /b/p/*.log'
    const res = await counted(ws, cmd, slow)
    assertGnu(res, cmd)
    assert.ok(res.st.maxInflight >= 2, `at most ${res.st.maxInflight} request(s) at once`)
    const mixed = 'wc /b/p/01.log /b/nope /b/dir /b/p/02.log'
    assertGnu(await counted(ws, mixed, slow), mixed)
  })
  it('grep and md5sum over several files fetch in parallel; parallelReads: 1 reads one at a time', async () => {
    const files = Object.keys(TREE).filter((k) => k.startsWith('p/')).map((k) => `/b/${k}`)
    for (const cmd of [`grep -c 1 ${files.join(' ')}`, `md5sum ${files.join(' ')}`]) {
      const res = await counted(workspace({}, slow.endpoint), cmd, slow)
      assertGnu(res, cmd)
      assert.ok(res.st.maxInflight >= 2, `${cmd}: at most ${res.st.maxInflight} request(s) at once`)
      const one = await counted(workspace({ parallelReads: 1 }, slow.endpoint), cmd, slow)
      assertGnu(one, cmd)
      assert.equal(one.st.maxInflight, 1, `${cmd} with parallelReads: 1`)
    }
    // Reads made ahead of their turn still count in the command's own figures.
    for (const cmd of [`cat ${files.join(' ')}`, `grep -c 1 ${files.join(' ')}`]) {
      const r = await workspace().execute(cmd)
      assert.equal(r.stats.get, files.length, `${cmd}: ${JSON.stringify(r.stats)}`)
      assert.equal(r.stats.bytesDown, files.reduce((n, f) => n + TREE[f.slice(3)].length, 0))
    }
    const tee = await workspace().execute('echo hi | tee /b/tee.txt')
    assert.equal(tee.stdoutText, 'hi\n')
    assert.equal(tee.stats.put, 1, JSON.stringify(tee.stats))
    assert.throws(() => workspace({ parallelReads: 0 }), /parallelReads must be an integer from 1 to 256, got 0/)
  })
})

describe('caches', () => {
  it('a second read is served from the byte cache; a listing does not make it stale', async () => {
    const ws = workspace()
    const first = await counted(ws, 'cat /b/dir/a.txt')
    assert.equal(first.out, 'alpha\n')
    assert.equal(first.st.byKind.GET, 1)
    const again = await counted(ws, 'cat /b/dir/a.txt; head -c 3 /b/dir/a.txt; ls /b/dir >/dev/null')
    assert.equal(again.out, 'alpha\nalp')
    assert.equal(again.st.byKind.GET ?? 0, 0, describeS(again.st))
    // The listing carries the same ETag as the cached bytes: still no GET.
    const third = await counted(ws, 'cat /b/dir/a.txt')
    assert.equal(third.st.requests, 0, describeS(third.st))
  })

  it('a read after a write through the workspace sees the write', async () => {
    const ws = workspace()
    assert.equal((await counted(ws, 'cat /b/rw/x.txt')).out, 'one\n')
    assert.equal((await counted(ws, 'ls /b/rw')).out, 'x.txt\n')
    assert.equal((await counted(ws, 'echo two > /b/rw/x.txt; cat /b/rw/x.txt; wc -c /b/rw/x.txt')).out, 'two\n4 /b/rw/x.txt\n')
    assert.equal((await counted(ws, 'echo more >> /b/rw/x.txt; cat /b/rw/x.txt')).out, 'two\nmore\n')
    assert.equal((await counted(ws, 'echo n > /b/rw/new.txt; ls /b/rw; cat /b/rw/new.txt')).out, 'new.txt\nx.txt\nn\n')
    await ws.fs.unlink('/b/rw/new.txt')
    const gone = await counted(ws, 'ls /b/rw; cat /b/rw/new.txt')
    assert.equal(gone.out, 'x.txt\n')
    assert.equal(gone.err, 'cat: /b/rw/new.txt: No such file or directory\n')
    await ws.fs.rename('/b/rw/x.txt', '/b/rw/y.txt')
    const moved = await counted(ws, 'ls /b/rw; cat /b/rw/y.txt; cat /b/rw/x.txt')
    assert.equal(moved.out, 'y.txt\ntwo\nmore\n')
    assert.equal(moved.err, 'cat: /b/rw/x.txt: No such file or directory\n')
    await ws.fs.mkdir('/b/rw/sub')
    await ws.fs.writeFile('/b/rw/sub/z.txt', 'zz\n')
    assert.equal((await counted(ws, 'ls /b/rw/sub; cat /b/rw/sub/z.txt')).out, 'z.txt\nzz\n')
  })

  it('LAZY serves the cached bytes after an external change until the TTL; ALWAYS revalidates', async () => {
    const lazy = workspace()
    assert.equal((await counted(lazy, 'cat /b/c/lazy.txt')).out, 'v1\n')
    writeFileSync(path.join(s3.bucketDir, 'c/lazy.txt'), 'v2 changed outside\n')
    const stale = await counted(lazy, 'cat /b/c/lazy.txt')
    assert.equal(stale.out, 'v1\n')
    assert.equal(stale.st.requests, 0, describeS(stale.st))

    const short = workspace({ index: { ttl: 1 } })
    assert.equal((await counted(short, 'cat /b/c/ttl.txt')).out, 'v1\n')
    writeFileSync(path.join(s3.bucketDir, 'c/ttl.txt'), 'v2 changed outside\n')
    assert.equal((await counted(short, 'cat /b/c/ttl.txt')).out, 'v1\n')
    await new Promise((r) => setTimeout(r, 1200))
    const expired = await counted(short, 'cat /b/c/ttl.txt')
    assert.equal(expired.out, 'v2 changed outside\n')
    assert.deepEqual(expired.st.log.map((e) => e.kind), ['HEAD', 'GET'], describeS(expired.st))

    const always = workspace({ consistency: ConsistencyPolicy.ALWAYS })
    assert.equal(ConsistencyPolicy.ALWAYS, 'always')
    assert.equal((await counted(always, 'cat /b/c/always.txt')).out, 'v1\n')
    const checked = await counted(always, 'cat /b/c/always.txt')
    assert.equal(checked.out, 'v1\n')
    assert.deepEqual(checked.st.log.map((e) => e.kind), ['HEAD'], describeS(checked.st))
    writeFileSync(path.join(s3.bucketDir, 'c/always.txt'), 'v2 changed outside\n')
    const fresh = await counted(always, 'cat /b/c/always.txt')
    assert.equal(fresh.out, 'v2 changed outside\n')
    assert.deepEqual(fresh.st.log.map((e) => e.kind), ['HEAD', 'GET'], describeS(fresh.st))
  })

  it('cacheLimit 0 turns the byte cache off; bad options are refused', async () => {
    const ws = workspace({ cacheLimit: 0 })
    await counted(ws, 'cat /b/c/nocache.txt')
    assert.equal((await counted(ws, 'cat /b/c/nocache.txt')).st.byKind.GET, 1)
    const small = workspace({ cacheLimit: '1KB', index: { ttl: 600 } })
    await counted(small, 'cat /b/p/08.log >/dev/null')
    assert.equal((await counted(small, 'cat /b/p/08.log >/dev/null')).st.byKind.GET, 1, 'over the limit: not kept')
    assert.throws(() => workspace({ cacheLimit: 'lots' }), /cacheLimit: invalid size 'lots'/)
    assert.throws(() => workspace({ index: { type: 'memcached' } }), /index.type 'memcached' is not supported/)
    assert.throws(() => workspace({ consistency: 'sometimes' }))
  })
})
