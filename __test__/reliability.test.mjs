// Reliability and security with real parts: the real addon, a real signature-checking S3 server (s3s-fs) and, between
// them, a fault-injecting HTTP proxy (helpers/faultproxy.mjs) that behaves like a flaky Backblaze B2: 503 SlowDown
// (with and without Retry-After), 500 InternalError, reset connections, bodies cut halfway and slow answers, from a
// seeded PRNG, never more than 3 faults in a row for one request, and a B2 header firewall.
//
// What is checked:
//   1. reads under 20 % faults give output identical to the fault-free run (which itself equals GNU), over 3 seeds;
//   2. writes under faults: every completed write reads back byte-identical (checked on the server's disk), every failed
//      one reports failure and leaves the old content or nothing; no request ever trips the B2 firewall, every PUT body
//      carries Content-MD5;
//   3. a read cut mid-body resumes; a read whose object changed before the resume fails with EIO, never splices;
//   4. the per-execute timeout and an AbortSignal stop a slow request promptly;
//   5. 100 concurrent `execute` calls on one workspace each get their own output;
//   6. paths stay inside the VFS and inside a keyPrefix, keys with dot segments listed by the server are never fetched;
//   7. no secret in any stdout, stderr, error, util.inspect or JSON.stringify collected across the run.
// The figures (faults injected, commands run, mismatches) are printed as test diagnostics.

import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import util from 'node:util'

import { manyKeys, secretsIn, startS3Server } from './helpers/s3server.mjs'
import { makeGnu } from './helpers/gnu.mjs'
import { DEFAULT_KINDS, prng, startFaultProxy } from './helpers/faultproxy.mjs'

// These tests watch the wire: no cache may answer a read in place of the (faulted) bucket.
const WIRE = { cacheLimit: 0, index: { ttl: 0 } }

const require = createRequire(import.meta.url)
const { Workspace, BackblazeResource, S3Resource, RAMResource, MountMode } = require('../main.js')

const SEEDS = [11, 23, 42]
const FAULT_RATE = 0.2

// ---------------------------------------------------------------------------------------------------------------
// The corpus: generated from a fixed seed, so every run reads the same bytes.

function corpus() {
  const r = prng(20240101)
  const pick = (xs) => xs[Math.floor(r() * xs.length)]
  const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'disk', 'net', 'user', 'request', 'cache', 'queue', 'shard', 'token']
  const LEVELS = ['INFO', 'INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG']
  const logLine = (i) =>
    `2024-01-01T${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z ${pick(LEVELS)} ` +
    `${pick(WORDS)} ${pick(WORDS)} took ${Math.floor(r() * 5000)}ms${r() < 0.1 ? ' timeout' : ''}`
  const tree = {}
  for (let d = 1; d <= 4; d++) {
    const n = 100 + Math.floor(r() * 200)
    tree[`logs/app-2024-01-0${d}.log`] = Array.from({ length: n }, (_, i) => logLine(i)).join('\n') + '\n'
  }
  // ~1.2 MiB: big enough that a cut lands mid-stream and the read resumes by range.
  const big = []
  let size = 0
  for (let i = 0; size < 1_200_000; i++) {
    const l = `${String(i).padStart(7, '0')} ${logLine(i)}\n`
    big.push(l)
    size += l.length
  }
  tree['big/big.log'] = big.join('')
  tree['data/config.json'] = JSON.stringify({ name: 'mirage', version: 3, tags: ['a', 'b'], nested: { on: true } }, null, 2) + '\n'
  tree['data/records.jsonl'] =
    Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: i, name: pick(WORDS), score: Math.floor(r() * 100) })).join('\n') + '\n'
  tree['data/notes.txt'] = Array.from({ length: 40 }, () => `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}`).join('\n') + '\n'
  tree['nested/a/top.txt'] = 'top of a\n'
  tree['nested/a/b/c/deep.txt'] = 'deep file\nsecond line\n'
  tree['with space/ünï cødé.txt'] = 'a key with a space and unicode\n'
  tree['empty.txt'] = ''
  Object.assign(tree, manyKeys('many/', 1100))
  for (let j = 0; j < 10; j++) for (let k = 0; k < 10; k++) tree[`conc/d${j}/f${k}.txt`] = `d${j}/f${k}\n`
  tree['tenantA/visible.txt'] = 'tenant A file\n'
  tree['tenantA/sub/inner.txt'] = 'tenant A inner\n'
  tree['tenantB/secret.txt'] = 'TENANT-B-SECRET\n'
  return tree
}
const TREE = corpus()

// Read commands from the always-present set (ls, cat, head, wc, echo, cd, pwd, test, pipes, loops, globs).
// `gnu: false` for `ls -l` (dates come from the server, the GNU copy has other mtimes).
const BASE_CASES = [
  { cmd: 'ls /bucket/' },
  { cmd: 'ls -l /bucket/logs', gnu: false },
  { cmd: 'ls -la /bucket/data', gnu: false },
  { cmd: 'ls -R /bucket/nested' },
  { cmd: 'ls /bucket/many | wc -l' },
  { cmd: 'ls /bucket/many | head -n 5' },
  { cmd: 'ls -1 /bucket/logs/*.log' },
  { cmd: 'ls -d /bucket/*/' },
  { cmd: 'cat /bucket/data/config.json' },
  { cmd: 'cat /bucket/logs/app-2024-01-01.log' },
  { cmd: 'cat /bucket/big/big.log | wc -l' },
  { cmd: 'cat /bucket/big/big.log | wc -c' },
  { cmd: 'wc /bucket/big/big.log' },
  { cmd: 'cat /bucket/big/big.log | cat | wc -w' },
  { cmd: 'head -n 20 /bucket/big/big.log' },
  { cmd: 'head -c 1000 /bucket/big/big.log' },
  { cmd: 'head -n -5 /bucket/logs/app-2024-01-02.log' },
  { cmd: 'cat /bucket/big/big.log | head -n 1000 | wc -c' },
  { cmd: 'wc -l /bucket/logs/*.log' },
  { cmd: 'wc -w /bucket/data/records.jsonl' },
  { cmd: 'cat /bucket/logs/*.log | wc -l' },
  { cmd: 'for f in /bucket/logs/*.log; do echo "$f"; head -n 2 "$f"; done' },
  { cmd: 'for f in /bucket/many/k000*.txt; do cat "$f"; done | wc -l' },
  { cmd: 'cat "/bucket/with space/ünï cødé.txt"' },
  { cmd: 'cat /bucket/missing.txt; echo "status $?"' },
  { cmd: 'ls /bucket/nope 2>&1; echo $?' },
  { cmd: 'cat /bucket/nested/a/b/c/deep.txt /bucket/empty.txt /bucket/data/config.json' },
  { cmd: 'head -n 3 /bucket/data/records.jsonl /bucket/logs/app-2024-01-03.log' },
  { cmd: 'cd /bucket/nested/a && ls -R && cat b/c/deep.txt' },
  { cmd: 'n=0; for f in /bucket/data/*; do n=$((n+1)); done; echo $n' },
  { cmd: 'if [ -e /bucket/data/config.json ]; then echo yes; fi; [ -d /bucket/logs ] && echo dir' },
  { cmd: 'wc -c /bucket/big/big.log /bucket/empty.txt' },
  { cmd: 'echo /bucket/logs/*.log | wc -w' },
  { cmd: 'cat /bucket/big/big.log > /dev/null && echo read-all' },
  { cmd: 'cat /bucket/data/notes.txt | head -n 7 | wc -m' },
  { cmd: 'cat /bucket/big/big.log /bucket/big/big.log | wc -l', note: 'two full reads of 1.2 MiB' },
]

// Extra cases for commands other engineers are adding; each is used only if the build has the command.
const OPTIONAL_CASES = {
  tail: ['tail -n 5 /bucket/big/big.log', 'tail -c 100 /bucket/logs/app-2024-01-01.log'],
  grep: ['grep -r ERROR /bucket/logs | wc -l', 'grep -c timeout /bucket/big/big.log'],
  find: ["find /bucket/nested -name '*.txt'", 'find /bucket/data -type f'],
  jq: ["jq -r '.name' /bucket/data/config.json", "jq -c 'select(.id < 3)' /bucket/data/records.jsonl"],
  sort: ['cat /bucket/data/notes.txt | sort | head -n 5'],
  md5sum: ['md5sum /bucket/big/big.log'],
}

// ---------------------------------------------------------------------------------------------------------------
// Everything a user could see, for the secret scan at the end.

const COLLECTED = []
const collect = (what, text) => COLLECTED.push({ what, text: typeof text === 'string' ? text : Buffer.from(text ?? []).toString('utf8') })
const collectError = (what, e) => {
  collect(`${what}: message`, String(e?.message ?? e))
  collect(`${what}: stack`, String(e?.stack ?? ''))
  collect(`${what}: inspect`, util.inspect(e, { depth: Infinity, showHidden: true }))
  collect(`${what}: JSON`, JSON.stringify(e) ?? '')
}
const FIGURES = { commandsRun: 0, faultsInjected: 0, requests: 0, mismatches: 0, resumes: 0 }

async function run(ws, cmd, opts) {
  const r = await ws.execute(cmd, opts)
  FIGURES.commandsRun++
  const out = { stdout: Buffer.from(r.stdout).toString('utf8'), stderr: Buffer.from(r.stderr).toString('utf8'), exitCode: r.exitCode }
  collect(`stdout of ${cmd}`, out.stdout)
  collect(`stderr of ${cmd}`, out.stderr)
  collect(`result JSON of ${cmd}`, JSON.stringify(r))
  return out
}

// ---------------------------------------------------------------------------------------------------------------

let s3
let proxy
let gnu
const resources = []

function b2(over = {}) {
  const r = new BackblazeResource({
    bucket: s3.bucket,
    region: 'us-east-1',
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    endpoint: proxy.endpoint,
    timeoutMs: 10_000,
    ...over,
  })
  resources.push(r)
  return r
}

const onDisk = (key) => {
  const p = path.join(s3.bucketDir, key)
  return existsSync(p) ? readFileSync(p) : null
}

function log(...args) {
  console.log(...args)
}

before(async () => {
  s3 = await startS3Server({ tree: TREE })
  proxy = await startFaultProxy({ upstream: s3.endpoint, seed: 1, rate: 0, s3sFsDataDir: s3.dataDir })
  gnu = await makeGnu({ '/bucket': TREE })
})

after(async () => {
  await proxy?.stop()
  await s3?.stop()
  gnu?.cleanup()
  log(
    `figures: ${FIGURES.commandsRun} commands run, ${FIGURES.requests} requests through the fault proxy, ` +
      `${FIGURES.faultsInjected} faults injected, ${FIGURES.mismatches} mismatches`,
  )
})

describe('reads under faults', () => {
  let ws
  const cases = []
  const baseline = new Map()
  const present = []

  before(async () => {
    ws = new Workspace({ '/bucket/': b2() }, { ...WIRE, mode: MountMode.READ })
    cases.push(...BASE_CASES)
    for (const [name, cmds] of Object.entries(OPTIONAL_CASES)) {
      const r = await run(ws, `command -v ${name}`)
      if (r.exitCode === 0) {
        present.push(name)
        for (const cmd of cmds) cases.push({ cmd, gnu: false })
      }
    }
    log(`read cases: ${cases.length}; commands used: ls cat head wc echo cd pwd test [ for if${present.length ? ' ' + present.join(' ') : ''}`)
  })

  after(async () => ws?.close())

  it('the fault-free run equals GNU bash/coreutils', async () => {
    assert.ok(cases.length >= 30, `${cases.length} cases`)
    proxy.configure({ rate: 0, seed: 1 })
    proxy.resetStats()
    const differ = []
    for (const c of cases) {
      const got = await run(ws, c.cmd)
      baseline.set(c.cmd, got)
      if (c.gnu === false) continue
      const g = gnu.run(c.cmd)
      const want = { stdout: g.stdout.toString('utf8'), stderr: g.stderr.toString('utf8'), exitCode: g.exitCode }
      if (!util.isDeepStrictEqual(got, want)) differ.push({ cmd: c.cmd, got, want })
    }
    const st = proxy.stats()
    FIGURES.requests += st.requests
    log(`fault-free: ${cases.length} commands, ${st.requests} requests`)
    assert.deepEqual(differ, [])
    assert.equal(st.faults, 0)
    // The baseline is not trivial: the big file was read whole.
    assert.equal(baseline.get('cat /bucket/big/big.log | wc -c').stdout.trim(), String(Buffer.byteLength(TREE['big/big.log'])))
  })

  for (const seed of SEEDS) {
    it(`with ${FAULT_RATE * 100}% of requests faulted (seed ${seed}) every output is identical to the fault-free run`, async () => {
      proxy.configure({ rate: FAULT_RATE, seed })
      proxy.resetStats()
      const mismatches = []
      const t0 = Date.now()
      for (const c of cases) {
        const got = await run(ws, c.cmd)
        if (!util.isDeepStrictEqual(got, baseline.get(c.cmd))) {
          mismatches.push({ cmd: c.cmd, got: { ...got, stdout: got.stdout.slice(0, 300) }, want: { ...baseline.get(c.cmd), stdout: baseline.get(c.cmd).stdout.slice(0, 300) } })
        }
      }
      const st = proxy.stats()
      const resumes = proxy.log().filter((e) => e.ifMatch).length
      FIGURES.requests += st.requests
      FIGURES.faultsInjected += st.faults
      FIGURES.mismatches += mismatches.length
      FIGURES.resumes += resumes
      log(
        `seed ${seed}: ${cases.length} commands, ${st.requests} requests, ${st.faults} faults injected ` +
          `${JSON.stringify(st.byKind)}, ${resumes} ranged resumes, ${mismatches.length} mismatches, ${Date.now() - t0} ms`,
      )
      assert.deepEqual(mismatches, [])
      assert.ok(st.faults >= st.requests * 0.08, `faults were injected (${st.faults} of ${st.requests})`)
      // Whether a cut needs a resume depends on where the seed lands (a cut LIST is retried whole; `head`
      // may have its lines before the cut): resumes are checked over all seeds below.
      assert.ok(st.byKind.cut > 0, 'bodies were cut')
      assert.ok(st.maxConsecutiveSeen <= 3)
      assert.equal(st.firewall, 0, `B2 would refuse: ${st.firewallHeaders}`)
    })
  }

  it('the seeded runs resumed cut bodies by range (If-Match) at least once', () => {
    assert.ok(FIGURES.resumes > 0, `${FIGURES.resumes} ranged resumes over seeds ${SEEDS.join(', ')}`)
  })
})

describe('resumed reads', () => {
  it('a read cut halfway resumes from the next byte with If-Match and the same ETag', async () => {
    const ws = new Workspace({ '/bucket/': b2() }, WIRE)
    proxy.configure({ rate: 0, seed: 5, script: [{ match: (i) => i.method === 'GET' && i.key === 'big/big.log' && !i.range, kind: 'cut', times: 1 }] })
    proxy.resetStats()
    const r = await run(ws, 'cat /bucket/big/big.log | wc -c')
    assert.deepEqual(r, { stdout: `${Buffer.byteLength(TREE['big/big.log'])}\n`, stderr: '', exitCode: 0 })
    const gets = proxy.log().filter((e) => e.method === 'GET' && e.key === 'big/big.log')
    assert.equal(gets.length, 2, JSON.stringify(gets))
    const half = Math.floor(Buffer.byteLength(TREE['big/big.log']) / 2)
    assert.equal(gets[1].range, `bytes=${half}-${Buffer.byteLength(TREE['big/big.log']) - 1}`)
    assert.match(gets[1].ifMatch, /^"[0-9a-f]{32}"$/)
    proxy.configure({ script: [] })
    await ws.close()
  })

  it('an object changed between the cut and the resume is an Input/output error, never a splice', async () => {
    const ws = new Workspace({ '/bucket/': b2() }, WIRE)
    const key = 'changing/object.txt'
    const v1 = 'version one\n'.repeat(2000)
    const v2 = 'VERSION TWO\n'.repeat(2000)
    await s3.seed({ [key]: v1 })
    proxy.configure({
      rate: 0,
      script: [{ match: (i) => i.method === 'GET' && i.key === key && !i.range, kind: 'cut', times: 1 }],
      // The object is replaced on the server just before the resume reaches it.
      onRequest: async (i) => {
        if (i.key === key && i.ifMatch) writeFileSync(path.join(s3.bucketDir, key), v2)
      },
    })
    const r = await run(ws, `cat /bucket/${key}`)
    proxy.configure({ script: [], onRequest: null })
    assert.equal(r.exitCode, 1)
    assert.equal(r.stderr, `cat: /bucket/${key}: Input/output error (object changed during read)\n`)
    assert.ok(v1.startsWith(r.stdout) && r.stdout.length > 0, 'what was printed is a prefix of version one')
    assert.ok(!r.stdout.includes('VERSION TWO'), 'no byte of version two')
    await ws.close()
  })
})

describe('writes under faults', () => {
  // Each op: { describe, before() -> state, run() -> { ok, report }, check(state, ok) }
  async function writeRound(ws, mount, n, tag, haveCp, haveMv) {
    const r = prng(n * 7919 + tag.length)
    const sizes = [0, 1, 100, 33 * 1024, 300 * 1024]
    const tally = { ok: 0, failed: 0, wrong: [], failures: [] }
    // The folder exists first: like bash, `echo > dir/f` into a missing dir fails with ENOENT.
    await s3.seed({ [`writes/${tag}/.keep`]: '' })
    for (let i = 0; i < n; i++) {
      const kind = ['echo', 'writeFile', 'rename', 'cp', 'mv'][i % 5]
      const slot = i % 6
      if (kind === 'echo') {
        const key = `writes/${tag}/e${slot}.txt`
        const old = onDisk(key)
        const text = `echo ${tag} ${i} ${Math.floor(r() * 1e9)}`
        const res = await run(ws, `echo '${text}' > ${mount}${key}`)
        const now = onDisk(key)
        if (res.exitCode === 0) {
          tally.ok++
          if (!now?.equals(Buffer.from(text + '\n'))) tally.wrong.push({ i, kind, key, why: 'completed write reads back different' })
        } else {
          tally.failed++
          tally.failures.push({ i, kind, stderr: res.stderr })
          if (!res.stderr) tally.wrong.push({ i, kind, why: 'failure without a message' })
          if (!(old === null ? now === null : now?.equals(old))) tally.wrong.push({ i, kind, key, why: 'failed write changed the object' })
        }
      } else if (kind === 'writeFile') {
        const key = `writes/${tag}/w${slot}.bin`
        const old = onDisk(key)
        const data = Buffer.alloc(sizes[Math.floor(r() * sizes.length)])
        for (let j = 0; j < data.length; j++) data[j] = Math.floor(r() * 256)
        let ok = true
        try {
          await ws.fs.writeFile(`${mount}${key}`, data)
        } catch (e) {
          ok = false
          tally.failures.push({ i, kind, error: e.message })
          collectError('writeFile', e)
          if (!/^EIO: /.test(e.message)) tally.wrong.push({ i, kind, why: `unexpected error ${e.message}` })
        }
        const now = onDisk(key)
        if (ok) {
          tally.ok++
          if (!now?.equals(data)) tally.wrong.push({ i, kind, key, why: 'completed write reads back different' })
        } else {
          tally.failed++
          if (!(old === null ? now === null : now?.equals(old))) tally.wrong.push({ i, kind, key, why: 'failed write changed the object' })
        }
      } else {
        // rename / cp / mv of a fresh source; cp and mv only when the build has them, else ws.fs.rename again.
        const src = `writes/${tag}/s${i}.txt`
        const dst = `writes/${tag}/d${i}.txt`
        const content = Buffer.from(`source ${tag} ${i} ${Math.floor(r() * 1e9)}\n`.repeat(1 + (i % 50)))
        await s3.seed({ [src]: content })
        let ok = true
        let how = kind
        if (kind === 'cp' && haveCp) {
          const res = await run(ws, `cp ${mount}${src} ${mount}${dst}`)
          ok = res.exitCode === 0
          if (!ok) tally.failures.push({ i, how, stderr: res.stderr })
        } else if (kind === 'mv' && haveMv) {
          const res = await run(ws, `mv ${mount}${src} ${mount}${dst}`)
          ok = res.exitCode === 0
          if (!ok) tally.failures.push({ i, how, stderr: res.stderr })
        } else {
          how = 'rename'
          try {
            await ws.fs.rename(`${mount}${src}`, `${mount}${dst}`)
          } catch (e) {
            ok = false
            tally.failures.push({ i, how, error: e.message })
            collectError('rename', e)
          }
        }
        const [s, d] = [onDisk(src), onDisk(dst)]
        if (ok) {
          tally.ok++
          if (!d?.equals(content)) tally.wrong.push({ i, how, why: 'destination differs from the source' })
          if (how !== 'cp' && s !== null) tally.wrong.push({ i, how, why: 'source still there after a completed move' })
          if (how === 'cp' && !s?.equals(content)) tally.wrong.push({ i, how, why: 'cp changed its source' })
        } else {
          tally.failed++
          if (!s?.equals(content)) tally.wrong.push({ i, how, why: 'failed move lost the source' })
          if (d !== null && !d.equals(content)) tally.wrong.push({ i, how, why: 'failed move left a wrong destination' })
        }
      }
    }
    return tally
  }

  let haveCp = false
  let haveMv = false
  before(async () => {
    const probe = new Workspace({ '/r/': new RAMResource() })
    haveCp = (await run(probe, 'command -v cp')).exitCode === 0
    haveMv = (await run(probe, 'command -v mv')).exitCode === 0
    log(`write ops: echo >, ws.fs.writeFile, ws.fs.rename${haveCp ? ', cp' : ''}${haveMv ? ', mv' : ''}`)
  })

  it('with 20% faults and 5 attempts every write completes and reads back byte-identical', async () => {
    const ws = new Workspace({ '/w/': b2() }, { ...WIRE, mode: MountMode.WRITE })
    proxy.configure({ rate: FAULT_RATE, seed: 101 })
    proxy.resetStats()
    const tally = await writeRound(ws, '/w/', 40, 'five', haveCp, haveMv)
    const st = proxy.stats()
    FIGURES.requests += st.requests
    FIGURES.faultsInjected += st.faults
    FIGURES.mismatches += tally.wrong.length
    log(`writes, 5 attempts: ${tally.ok} completed, ${tally.failed} failed, ${st.requests} requests, ${st.faults} faults ${JSON.stringify(st.byKind)}`)
    assert.deepEqual(tally.wrong, [])
    assert.deepEqual(tally.failures, [], 'with at most 3 faults in a row, 5 attempts always get through')
    assert.ok(st.faults > 0)
    assert.equal(st.firewall, 0, `B2 would refuse: ${st.firewallHeaders}`)
    assert.equal(st.writesWithoutMd5, 0, 'every PUT body carries Content-MD5')
    await ws.close()
  })

  it('with 30% faults and a single attempt, failed writes say so and leave the old content or nothing', async () => {
    const ws = new Workspace({ '/w/': b2({ maxAttempts: 1 }) }, { ...WIRE, mode: MountMode.WRITE })
    proxy.configure({ rate: 0.3, seed: 202, kinds: { slowdown: 30, internal: 30, reset: 40 } })
    proxy.resetStats()
    const tally = await writeRound(ws, '/w/', 40, 'one', haveCp, haveMv)
    const st = proxy.stats()
    proxy.configure({ kinds: DEFAULT_KINDS })
    FIGURES.requests += st.requests
    FIGURES.faultsInjected += st.faults
    FIGURES.mismatches += tally.wrong.length
    log(`writes, 1 attempt: ${tally.ok} completed, ${tally.failed} failed, ${st.requests} requests, ${st.faults} faults ${JSON.stringify(st.byKind)}`)
    const reasons = [...new Set(tally.failures.map((f) => (f.stderr ?? f.error).replace(/\/w\/\S+/g, 'P').trim()))]
    log(`  failures reported as: ${JSON.stringify(reasons)}`)
    // Failures are I/O errors from the faults, never a wrong path or a misuse.
    assert.ok(reasons.every((m) => /Input\/output error|EIO/.test(m)), JSON.stringify(reasons))
    assert.deepEqual(tally.wrong, [])
    assert.ok(tally.failed > 0 && tally.ok > 0, 'both outcomes were exercised')
    assert.equal(st.firewall, 0)
    assert.equal(st.writesWithoutMd5, 0)
    await ws.close()
  })
})

describe('deadlines and aborts', () => {
  it('timeoutMs ends a slow request within about a second of the deadline (exit 124)', async () => {
    const ws = new Workspace({ '/bucket/': b2() }, WIRE)
    proxy.configure({ rate: 0, delayAllMs: 8000 })
    proxy.resetStats()
    try {
      const t0 = Date.now()
      const r = await run(ws, 'cat /bucket/data/config.json', { timeoutMs: 1000 })
      const took = Date.now() - t0
      assert.deepEqual(r, { stdout: '', stderr: 'mirage: command timed out after 1s\n', exitCode: 124 })
      assert.ok(took >= 1000 && took < 2000, `took ${took} ms`)
      // The held request was dropped by the client, and never reached the server.
      for (let i = 0; i < 40 && proxy.stats().clientAborts < 1; i++) await new Promise((res) => setTimeout(res, 25))
      assert.equal(proxy.stats().clientAborts, 1)
      assert.equal(proxy.stats().forwarded, 0)

      // The workspace default, overridden per call.
      const ws2 = new Workspace({ '/bucket/': b2() }, { ...WIRE, timeoutMs: 700 })
      const t1 = Date.now()
      const r2 = await run(ws2, 'cat /bucket/data/config.json')
      assert.equal(r2.exitCode, 124)
      assert.equal(r2.stderr, 'mirage: command timed out after 0.7s\n')
      assert.ok(Date.now() - t1 < 1700)
      proxy.configure({ delayAllMs: 0 })
      const r3 = await run(ws2, 'cat /bucket/data/config.json', { timeoutMs: 0 })
      assert.deepEqual(r3, { stdout: TREE['data/config.json'], stderr: '', exitCode: 0 })
      assert.throws(() => ws2.execute('true', { timeoutMs: -1 }), /timeoutMs/)
      await ws2.close()
    } finally {
      proxy.configure({ delayAllMs: 0 })
    }
    await ws.close()
  })

  it('an AbortSignal fired mid-request stops it', async () => {
    const ws = new Workspace({ '/bucket/': b2() }, WIRE)
    proxy.configure({ rate: 0, delayAllMs: 8000 })
    proxy.resetStats()
    try {
      const ac = new AbortController()
      const t0 = Date.now()
      const p = ws.execute('cat /bucket/big/big.log | wc -l', { signal: ac.signal })
      setTimeout(() => ac.abort(), 300)
      await assert.rejects(p, (e) => {
        collectError('abort', e)
        return e.name === 'AbortError' && e.code === 'Cancelled'
      })
      assert.ok(Date.now() - t0 < 1300, `took ${Date.now() - t0} ms`)
      for (let i = 0; i < 40 && proxy.stats().clientAborts < 1; i++) await new Promise((res) => setTimeout(res, 25))
      assert.equal(proxy.stats().clientAborts, 1, 'the in-flight request was closed by the client')
      assert.equal(proxy.stats().forwarded, 0)
    } finally {
      proxy.configure({ delayAllMs: 0 })
    }
    // The workspace still works.
    const r = await run(ws, 'head -n 1 /bucket/data/config.json')
    assert.deepEqual(r, { stdout: '{\n', stderr: '', exitCode: 0 })
    await ws.close()
  })
})

describe('concurrency', () => {
  it('100 concurrent execute calls (distinct cwd/env) each get their own output, under 20% faults', async () => {
    const ws = new Workspace({ '/bucket/': b2() }, WIRE)
    proxy.configure({ rate: FAULT_RATE, seed: 7 })
    proxy.resetStats()
    const t0 = Date.now()
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        run(ws, 'echo "id=$ID pwd=$(pwd)"; cat f$((ID / 10)).txt; ls | wc -l', { cwd: `/bucket/conc/d${i % 10}`, env: { ID: String(i) } }),
      ),
    )
    const st = proxy.stats()
    FIGURES.requests += st.requests
    FIGURES.faultsInjected += st.faults
    const wrong = []
    results.forEach((r, i) => {
      const want = { stdout: `id=${i} pwd=/bucket/conc/d${i % 10}\nd${i % 10}/f${Math.floor(i / 10)}\n10\n`, stderr: '', exitCode: 0 }
      if (!util.isDeepStrictEqual(r, want)) wrong.push({ i, r, want })
    })
    FIGURES.mismatches += wrong.length
    log(`100 concurrent executes: ${st.requests} requests, ${st.faults} faults, peak ${st.peakInFlight} in flight at the proxy, ${Date.now() - t0} ms, ${wrong.length} wrong`)
    assert.deepEqual(wrong, [])
    assert.ok(st.peakInFlight > 1, 'the calls did run in parallel')
    assert.ok(st.peakInFlight <= 32, `at most 32 requests in flight per resource (saw ${st.peakInFlight})`)
    // The default session was not touched by the forked runs.
    assert.equal(ws.cwd, '/')
    assert.equal(ws.env.ID, undefined)
    await ws.close()
  })
})

describe('path safety', () => {
  let ws
  before(() => {
    proxy.configure({ rate: 0, seed: 9 })
    const tenant = new S3Resource({
      bucket: s3.bucket,
      region: 'us-east-1',
      accessKeyId: s3.accessKeyId,
      secretAccessKey: s3.secretAccessKey,
      endpoint: proxy.endpoint,
      keyPrefix: 'tenantA/',
    })
    resources.push(tenant)
    ws = new Workspace({ '/bucket/': b2(), '/t/': tenant }, WIRE)
  })
  after(async () => {
    proxy.configure({ injectListing: null })
    await ws?.close()
  })

  it('cat /bucket/../../etc/passwd stays inside the VFS', async () => {
    proxy.resetStats()
    for (const [cmd, shown] of [
      ['cat /bucket/../../etc/passwd', '/bucket/../../etc/passwd'],
      ['cd /bucket && cat ../../../etc/passwd', '../../../etc/passwd'],
      ['cat /bucket/data/../../../../etc/passwd', '/bucket/data/../../../../etc/passwd'],
    ]) {
      const r = await run(ws, cmd)
      assert.deepEqual(r, { stdout: '', stderr: `cat: ${shown}: No such file or directory\n`, exitCode: 1 }, cmd)
    }
    const r = await run(ws, 'ls /bucket/../..')
    assert.deepEqual(r, { stdout: 'bucket\nt\n', stderr: '', exitCode: 0 })
    assert.equal(proxy.stats().requests, 0, 'paths outside every mount never reach the network')
  })

  it('a keyPrefix mount never reaches outside its prefix', async () => {
    proxy.resetStats()
    const r0 = prng(4242)
    const SEGS = ['..', '..', '.', '', 'tenantB', 'secret.txt', '%2e%2e', '..%2f', 'sub', 'visible.txt', '%2F']
    const paths = [
      '/t/../tenantB/secret.txt',
      '/t/%2e%2e/tenantB/secret.txt',
      '/t/..%2ftenantB/secret.txt',
      '/t/sub/../../tenantB/secret.txt',
      '/t/./../tenantB/secret.txt',
      '/t//..//tenantB/secret.txt',
      '/t/sub/%2e%2e/%2e%2e/tenantB/secret.txt',
    ]
    for (let i = 0; i < 200; i++) {
      const n = 1 + Math.floor(r0() * 6)
      paths.push('/t/' + Array.from({ length: n }, () => SEGS[Math.floor(r0() * SEGS.length)]).join('/'))
    }
    let out = ''
    for (let i = 0; i < paths.length; i += 50) {
      const batch = paths.slice(i, i + 50).map((p) => `cat '${p}' 2>/dev/null; ls '${p}' 2>/dev/null`)
      const r = await run(ws, batch.join('; ') + '; cd /t && cat ../tenantB/secret.txt 2>&1; true')
      out += r.stdout
    }
    assert.ok(!out.includes('TENANT-B-SECRET'), 'tenant B content never shown')
    const reqs = proxy.log()
    assert.ok(reqs.length > 0)
    const outside = reqs.filter((e) => (e.key !== null ? !e.key.startsWith('tenantA/') : !(e.prefix ?? '').startsWith('tenantA/')))
    assert.deepEqual(outside, [], 'every key and every listing prefix is under tenantA/')
    log(`keyPrefix containment: ${paths.length} generated paths, ${reqs.length} requests, all under tenantA/`)
  })

  it('keys with dot segments listed by the server are never fetched as other keys', async () => {
    // A bucket may hold keys that the URL layer would rewrite (`a/../b` -> `b`); the proxy lists such keys, as a
    // server holding them would. s3s-fs cannot store them itself (they are not valid file paths).
    const injected = [
      'tenantA/../tenantB/secret.txt',
      'tenantA/sub/../../tenantB/secret.txt',
      'tenantA/./visible.txt',
      'tenantA/a//b.txt',
      'tenantA/..',
      'tenantA/.',
      '../escape.txt',
      'data/../tenantB/secret.txt',
    ]
    proxy.configure({ injectListing: injected })
    proxy.resetStats()
    const listing = await run(ws, 'ls /t/')
    assert.deepEqual(listing, { stdout: 'a\nsub\nvisible.txt\n', stderr: '', exitCode: 0 })
    const rs = await run(ws, 'ls -R /t/; cat /t/* /t/*/* 2>/dev/null; for f in /t/sub/* /bucket/data/*; do cat "$f" >/dev/null; done; ls /bucket/data; true')
    assert.ok(!rs.stdout.includes('TENANT-B-SECRET'))
    const fetched = proxy.log().filter((e) => e.key !== null)
    const bad = fetched.filter((e) => e.key.replace(/\/$/, '').split('/').some((s) => s === '.' || s === '..' || s === ''))
    assert.deepEqual(bad, [], 'no dot-segment key was sent')
    assert.ok(!fetched.some((e) => e.key.startsWith('tenantB/')), 'tenantB/secret.txt never requested')
    assert.ok(!fetched.some((e) => e.key === 'escape.txt' || e.key === 'visible.txt'), 'no rewritten key requested')
  })
})

describe('secrets', () => {
  it('no stdout, stderr, error, inspect or JSON collected across the run holds the test secrets', async () => {
    // Failures that talk about credentials: a wrong secret (the server answers SignatureDoesNotMatch) and an
    // unreachable endpoint, through the shell and through ws.fs.
    const wrong = b2({ secretAccessKey: s3.secretAccessKey + 'x', maxAttempts: 2 })
    const dead = b2({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 })
    const ws = new Workspace({ '/wrong/': wrong, '/dead/': dead, '/bucket/': b2() }, WIRE)
    proxy.configure({ rate: 0 })
    const a = await run(ws, 'ls /wrong/; cat /wrong/data/config.json; cat /dead/x; ls /dead/')
    assert.equal(a.exitCode, 2)
    assert.match(a.stderr, /Permission denied \(SignatureDoesNotMatch\)/)
    for (const f of [() => ws.fs.readFile('/wrong/data/config.json'), () => ws.fs.readdir('/dead/'), () => ws.fs.writeFile('/bucket/x', 'y')]) {
      await assert.rejects(f(), (e) => {
        collectError('ws.fs', e)
        return true
      })
    }
    for (const bad of [
      { endpoint: `http://${s3.accessKeyId}:${s3.secretAccessKey}@127.0.0.1:1` },
      { endpoint: 'ftp://127.0.0.1' },
      { region: 'x@127.0.0.1:8080/#', endpoint: undefined },
      { bucket: 'no' },
    ]) {
      try {
        b2(bad)
        assert.fail(`accepted ${JSON.stringify(Object.keys(bad))}`)
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e
        collectError('constructor', e)
      }
    }
    for (const r of resources) {
      collect('inspect(resource)', util.inspect(r, { depth: Infinity, showHidden: true }))
      collect('JSON(resource)', JSON.stringify(r))
      collect('String(resource)', String(r))
    }
    collect('inspect(workspace)', util.inspect(ws, { depth: Infinity, showHidden: true }))
    collect('inspect(ws.fs)', util.inspect(ws.fs, { depth: Infinity, showHidden: true }))
    collect('JSON(mounts)', JSON.stringify(ws.mounts()))
    await ws.close()

    const needles = [s3.accessKeyId, s3.secretAccessKey]
    const leaks = COLLECTED.filter((c) => secretsIn(c.text, needles).length > 0).map((c) => c.what)
    log(`secret scan: ${COLLECTED.length} collected texts (${COLLECTED.reduce((n, c) => n + c.text.length, 0)} chars), ${leaks.length} leaks`)
    assert.ok(COLLECTED.length > 500)
    assert.deepEqual(leaks, [])
  })
})
