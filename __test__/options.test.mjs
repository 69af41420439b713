// Numeric options of every class and call: a value that is NaN, ±Infinity, negative, zero where zero
// is not allowed, fractional where a whole number is meant, or too large throws a RangeError naming the
// option and its range, and never takes the process down; the edges of each range are accepted.
//
// A bad value used to abort the whole process (a Rust panic: `index: { ttl: 1e20 }`,
// `timeoutSeconds: 1e300`), so each group of checks runs in a child process (this same file, with
// OPTIONS_CHILD=<group>): a crash there is a failed test here, not a dead test runner.
import { describe, it, before } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import {
  Workspace,
  RAMResource,
  CommandSafeguard,
  RedisFileCacheStore,
  BackblazeResource,
  S3Resource,
  R2Resource,
  WasabiResource,
  MinIOResource,
  SeaweedFSResource,
  CephResource,
  DigitalOceanResource,
  GCSResource,
  OCIResource,
  TencentResource,
  AliyunResource,
  ScalewayResource,
  QingStorResource,
  resolvePresignPolicy,
} from '../main.js'

const MIB = 2 ** 20
const GIB = 2 ** 30
const TIB = 2 ** 40
const WEEK_MS = 7 * 24 * 3600 * 1000
const WEEK_S = 7 * 24 * 3600
const HOUR_MS = 3600 * 1000

const ram = () => ({ '/data/': new RAMResource() })
const keys = { bucket: 'bkt', accessKeyId: 'AKIDOPTIONS', secretAccessKey: 'SECRETOPTIONS' }

/** The S3-compatible classes, each with the options it needs besides the numbers (no request is sent). */
const REMOTE_CLASSES = [
  ['BackblazeResource', (o) => new BackblazeResource({ ...keys, region: 'us-west-004', ...o })],
  ['S3Resource', (o) => new S3Resource({ ...keys, region: 'us-east-1', ...o })],
  ['R2Resource', (o) => new R2Resource({ ...keys, accountId: 'acct123', ...o })],
  ['WasabiResource', (o) => new WasabiResource({ ...keys, ...o })],
  ['MinIOResource', (o) => new MinIOResource({ ...keys, endpoint: 'http://127.0.0.1:9000', ...o })],
  ['SeaweedFSResource', (o) => new SeaweedFSResource({ ...keys, endpoint: 'http://127.0.0.1:8333', ...o })],
  ['CephResource', (o) => new CephResource({ ...keys, endpoint: 'http://127.0.0.1:7480', ...o })],
  ['DigitalOceanResource', (o) => new DigitalOceanResource({ ...keys, region: 'nyc3', ...o })],
  ['GCSResource', (o) => new GCSResource({ ...keys, ...o })],
  ['OCIResource', (o) => new OCIResource({ ...keys, namespace: 'ns', region: 'us-ashburn-1', ...o })],
  ['TencentResource', (o) => new TencentResource({ ...keys, region: 'ap-beijing', ...o })],
  ['AliyunResource', (o) => new AliyunResource({ ...keys, region: 'cn-hangzhou', ...o })],
  ['ScalewayResource', (o) => new ScalewayResource({ ...keys, region: 'fr-par', ...o })],
  ['QingStorResource', (o) => new QingStorResource({ ...keys, region: 'pek3b', ...o })],
]

/**
 * One option: `make(v)` uses the value (sync or async); `int` whether only whole numbers are allowed.
 * Bad values: NaN, ±Infinity, -1, 1e20, 1e300, just past `max`, 0 when `min > 0`, 1.5 for whole numbers,
 * plus `extraBad`. Good values: `min`, `max` and `extraGood`. The message must hold `name` and `range`
 * (by default `from <min> to <max>`); the error must be a RangeError with `code`.
 */
function opt(name, make, { min, max, int = true, code = 'ERR_OUT_OF_RANGE', range, extraBad = [], extraGood = [], step, via } = {}) {
  const bad = [NaN, Infinity, -Infinity, -1, 1e20, 1e300, ...extraBad]
  if (max !== undefined) bad.push(max + (step ?? 1))
  if (min > 0) bad.push(0)
  if (int) bad.push(1.5)
  const good = [min, max, ...extraGood].filter((v) => v !== undefined)
  return { name, label: via ? `${name} (${via})` : name, make, bad, good, code, range: range ?? `from ${min} to ${max}` }
}

const ws = (o) => new Workspace(ram(), o)
const safeguardIn = (o) => ws({ commandSafeguards: { '/data/': { cat: o } } })
const pricing = (field) => (v) =>
  ws({ pricing: { '/data/': { getPer10K: 0.004, listPer1K: 0.004, putPer1K: 0, egressPerGb: 0.01, [field]: v } } })

const GROUPS = {
  workspace: () => [
    opt('maxOutputBytes', (v) => ws({ maxOutputBytes: v }), { min: 1, max: GIB }),
    opt('historyLimit', (v) => ws({ historyLimit: v }), { min: 0, max: 10_000 }),
    opt('parallelReads', (v) => ws({ parallelReads: v }), { min: 1, max: 256 }),
    opt('timeoutMs', (v) => ws({ timeoutMs: v }), { min: 0, max: WEEK_MS }),
    opt('maxMemoryBytes', (v) => ws({ maxMemoryBytes: v }), { min: MIB, max: TIB, extraBad: [MIB - 1] }),
    // Process-wide: the last good value (1 TiB) is what stays set in this child.
    opt('maxProcessMemoryBytes', (v) => ws({ maxProcessMemoryBytes: v }), { min: MIB, max: TIB, extraBad: [MIB - 1] }),
    opt('cacheLimit', (v) => ws({ cacheLimit: v }), { min: 0, max: TIB, extraBad: ['2TB'] }),
    opt('cacheMaxObjectSize', (v) => ws({ cacheMaxObjectSize: v }), { min: 0, max: TIB, extraBad: ['1.5TB'] }),
    opt('index.ttl', (v) => ws({ index: { ttl: v } }), { min: 0, max: WEEK_S, int: false, extraGood: [0.25] }),
    opt('index.timeoutMs', (v) => ws({ index: { type: 'ram', timeoutMs: v } }), { min: 1, max: 60_000 }),
    opt('index.timeoutMs', (v) => ws({ index: { type: 'redis', timeoutMs: v } }), { min: 1, max: 60_000, via: "type 'redis'" }),
    ...['getPer10K', 'listPer1K', 'putPer1K', 'egressPerGb'].map((f) =>
      opt(`pricing['/data/'].${f}`, pricing(f), { min: 0, max: 1e6, int: false, extraGood: [0.0004] }),
    ),
    opt("commandSafeguards['/data/'].cat.maxBytes", (v) => safeguardIn({ maxBytes: v }), { min: 1, max: TIB }),
    opt("commandSafeguards['/data/'].cat.maxLines", (v) => safeguardIn({ maxLines: v }), { min: 1, max: 1e9 }),
    opt("commandSafeguards['/data/'].cat.timeoutSeconds", (v) => safeguardIn({ timeoutSeconds: v }), {
      min: 0.001,
      max: WEEK_S,
      int: false,
      extraBad: [0.0005],
      extraGood: [0.2],
    }),
    opt('maxOutputBytes', (v) => Workspace.load(new Uint8Array(0), { maxOutputBytes: v }).catch((e) => {
      if (/RangeError|out of range/i.test(String(e)) || e?.code === 'ERR_OUT_OF_RANGE') throw e
      // A good value gets as far as reading the (empty) snapshot.
    }), { min: 1, max: GIB, via: 'Workspace.load' }),
  ],
  safeguard: () => [
    opt('maxBytes', (v) => new CommandSafeguard({ maxBytes: v }), { min: 1, max: TIB }),
    opt('maxLines', (v) => new CommandSafeguard({ maxLines: v }), { min: 1, max: 1e9 }),
    opt('timeoutSeconds', (v) => new CommandSafeguard({ timeoutSeconds: v }), {
      min: 0.001,
      max: WEEK_S,
      int: false,
      extraBad: [0.0009],
      extraGood: [0.2],
    }),
  ],
  execute: () => {
    const w = new Workspace(ram(), { mode: 'write' })
    return [
      opt('timeoutMs', async (v) => {
        const r = await w.execute('echo hi', { timeoutMs: v })
        if (r.stdoutText !== 'hi\n') throw new Error(`unexpected output ${r.stdoutText}`)
      }, { min: 0, max: WEEK_MS, via: 'execute' }),
      opt('timeoutMs', async (v) => {
        const s = w.executeStream('echo hi', { timeoutMs: v })
        if ((await s.exitCode) !== 0) throw new Error('exit code')
      }, { min: 0, max: WEEK_MS, via: 'executeStream' }),
    ]
  },
  resources: () =>
    REMOTE_CLASSES.flatMap(([cls, make]) => [
      opt(`${cls}: timeoutMs`, (v) => make({ timeoutMs: v }), { min: 1, max: HOUR_MS }),
      opt(`${cls}: maxAttempts`, (v) => make({ maxAttempts: v }), { min: 1, max: 100 }),
      opt(`${cls}: maxConcurrency`, (v) => make({ maxConcurrency: v }), { min: 1, max: 10_000 }),
      opt(`${cls}: bodyIdleTimeoutMs`, (v) => make({ bodyIdleTimeoutMs: v }), { min: 1, max: HOUR_MS }),
    ]),
  redis: () => [
    opt('RedisFileCacheStore: cacheLimit', (v) => new RedisFileCacheStore({ cacheLimit: v }), { min: 0, max: TIB, extraBad: ['3TB'] }),
    opt('RedisFileCacheStore: timeoutMs', (v) => new RedisFileCacheStore({ timeoutMs: v }), { min: 1, max: 60_000 }),
  ],
  presign: () => {
    const b2 = new BackblazeResource({ ...keys, region: 'us-west-004' })
    const ttl = { code: 'ERR_PRESIGN_INVALID_OPTION', range: 'ttlSec must be a whole number of seconds, at least 1', min: 1 }
    const maxTtl = { code: 'ERR_PRESIGN_INVALID_POLICY', range: 'maxTtlSec must be a whole number of seconds, at least 1', min: 1 }
    // Above 7 days a TTL is lowered (documented), so there is no `max + 1` among the bad values.
    const big = { extraGood: [WEEK_S, 1e12] }
    return [
      opt('ttlSec', (v) => b2.presign('a.txt', 'GET', { ttlSec: v }), { ...ttl, ...big, via: 'presign' }),
      opt('ttlSec', (v) => b2.presignRequest('a.txt', 'GET', { ttlSec: v }), { ...ttl, ...big, via: 'presignRequest' }),
      opt('maxTtlSec', (v) => b2.presign('a.txt', 'GET', {}, { maxTtlSec: v }), { ...maxTtl, ...big, via: 'presign policy' }),
      opt('maxTtlSec', (v) => resolvePresignPolicy({ maxTtlSec: v }), { ...maxTtl, ...big, via: 'resolvePresignPolicy' }),
    ]
  },
}

/** What happened with one value, as plain JSON. */
async function attempt(make, v) {
  try {
    await make(v)
    return { ok: true }
  } catch (e) {
    return {
      ok: false,
      isRangeError: e instanceof RangeError,
      name: e?.name,
      code: e?.code,
      message: String(e?.message ?? e),
    }
  }
}

async function runGroup(group) {
  const out = []
  for (const o of GROUPS[group]()) {
    const bad = []
    for (const v of o.bad) bad.push(await attempt(o.make, v))
    const good = []
    for (const v of o.good) good.push(await attempt(o.make, v))
    out.push({ bad, good })
  }
  return out
}

const show = (v) => (typeof v === 'string' ? `'${v}'` : Object.is(v, -0) ? '-0' : String(v))
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

if (process.env.OPTIONS_CHILD) {
  const results = await runGroup(process.env.OPTIONS_CHILD)
  process.stdout.write(`\n@@RESULTS@@${JSON.stringify(results)}\n`)
  process.exit(0)
} else {
  for (const group of Object.keys(GROUPS)) {
    describe(`numeric options: ${group} (in a child process)`, () => {
      let results
      let specs
      before(() => {
        const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
          env: { ...process.env, OPTIONS_CHILD: group },
          encoding: 'utf8',
          timeout: 120_000,
          maxBuffer: 64 << 20,
        })
        assert.equal(
          child.signal,
          null,
          `the child process of group ${group} died with ${child.signal} (a crash, not an exception):\n${child.stderr}`,
        )
        assert.equal(child.status, 0, `the child process of group ${group} failed:\n${child.stderr}`)
        const line = child.stdout.split('\n').find((l) => l.startsWith('@@RESULTS@@'))
        assert.ok(line, `no results from group ${group}:\n${child.stdout}\n${child.stderr}`)
        results = JSON.parse(line.slice('@@RESULTS@@'.length))
        // The specs are rebuilt here only to know the values and expectations (nothing is run).
        specs = GROUPS[group]()
      })
      // The number of options is known only once the specs are built: list the names statically.
      const names = specNames(group)
      names.forEach((label, i) => {
        it(`${label}: bad values throw a RangeError naming it; the edges are accepted`, () => {
          const spec = specs[i]
          const r = results[i]
          const optionName = spec.name.replace(/^\w+: /, '')
          spec.bad.forEach((v, j) => {
            const got = r.bad[j]
            assert.equal(got.ok, false, `${spec.name} = ${show(v)} was accepted`)
            assert.ok(got.isRangeError, `${spec.name} = ${show(v)}: not a RangeError: ${got.name}: ${got.message}`)
            assert.equal(got.code, spec.code, `${spec.name} = ${show(v)}: code`)
            assert.match(got.message, new RegExp(escape(optionName)), `${spec.name} = ${show(v)}: the message names the option`)
            assert.match(got.message, new RegExp(escape(spec.range)), `${spec.name} = ${show(v)}: the message gives the range`)
          })
          spec.good.forEach((v, j) => {
            const got = r.good[j]
            assert.ok(got.ok, `${spec.name} = ${show(v)} was refused: ${got.name}: ${got.message}`)
          })
        })
      })
    })
  }
}

/** The labels of a group's options (built without running anything that could crash). */
function specNames(group) {
  const counts = new Map()
  return GROUPS[group]().map((s) => {
    const n = (counts.get(s.label) ?? 0) + 1
    counts.set(s.label, n)
    return n === 1 ? s.label : `${s.label} #${n}`
  })
}

if (!process.env.OPTIONS_CHILD) {
  describe('numeric options: messages and behaviour', () => {
    it('the error is a real RangeError with code ERR_OUT_OF_RANGE and an exact message', () => {
      let err
      try {
        new Workspace(ram(), { maxOutputBytes: -1 })
      } catch (e) {
        err = e
      }
      assert.ok(err instanceof RangeError)
      assert.equal(err.name, 'RangeError')
      assert.equal(err.code, 'ERR_OUT_OF_RANGE')
      assert.equal(err.message, 'maxOutputBytes must be an integer from 1 to 1073741824, got -1')
      assert.throws(() => new CommandSafeguard({ timeoutSeconds: 1e300 }), {
        name: 'RangeError',
        message: 'CommandSafeguard: timeoutSeconds must be a number from 0.001 to 604800, got 1e+300',
      })
      assert.throws(() => new Workspace(ram(), { index: { ttl: 1e20 } }), {
        name: 'RangeError',
        message: 'index.ttl must be a number from 0 to 604800, got 100000000000000000000',
      })
      assert.throws(() => new S3Resource({ ...keys, region: 'us-east-1', maxAttempts: 0 }), {
        name: 'RangeError',
        message: 'S3Resource: maxAttempts must be an integer from 1 to 100, got 0',
      })
      assert.throws(() => new Workspace(ram(), { cacheLimit: '2TB' }), {
        name: 'RangeError',
        message: "cacheLimit must be a size from 0 to 1099511627776, got '2TB' (2199023255552 bytes)",
      })
    })

    it('a malformed size string is still a plain Error, a wrong type still a type error', () => {
      assert.throws(() => new Workspace(ram(), { cacheLimit: 'lots' }), (e) => !(e instanceof RangeError) && /cacheLimit: invalid size 'lots'/.test(e.message))
      assert.throws(() => new Workspace(ram(), { maxOutputBytes: '12' }), (e) => !(e instanceof RangeError))
    })

    it('execute: a bad timeoutMs throws before anything runs; 0 means no deadline', async () => {
      const w = new Workspace(ram(), { mode: 'write', timeoutMs: 1 })
      assert.throws(() => w.execute('echo x > /data/f', { timeoutMs: NaN }), RangeError)
      assert.equal((await w.execute('cat /data/f')).exitCode, 1, 'the refused command did not run')
      const r = await w.execute('sleep 0.05; echo ok', { timeoutMs: 0 })
      assert.equal(r.stdoutText, 'ok\n')
    })

    it('maxOutputBytes: 1 caps stdout at one byte; historyLimit: 0 keeps no history', async () => {
      const w = new Workspace(ram(), { maxOutputBytes: 1, historyLimit: 0 })
      const r = await w.execute('echo hello')
      assert.equal(r.stdoutText, 'h')
      assert.match(r.stderrText, /truncated/)
      assert.deepEqual(w.history.entries(), [])
    })

    it('maxMemoryBytes bounds what one session holds while a command runs', async () => {
      const w = new Workspace(ram(), { maxMemoryBytes: MIB })
      const r = await w.execute('seq 1 1000000 | sort -r | head -n 1')
      assert.equal(r.exitCode, 1, 'sort of 6.9 MB fails under 1 MiB')
      assert.match(r.stderrText, /memory limit of 1 MiB reached \(maxMemoryBytes\): Cannot allocate memory/)
      assert.equal((await w.execute('echo small')).stdoutText, 'small\n', 'the next command runs')
      const roomy = new Workspace(ram(), { maxMemoryBytes: TIB })
      assert.equal((await roomy.execute('seq 1 1000000 | sort -r | head -n 1')).stdoutText, '999999\n')
    })

    it('pricing takes getPer10K, listPer1K, putPer1K (capital K, as index.d.ts says) and egressPerGb', () => {
      const prices = { getPer10K: 1, listPer1K: 0, putPer1K: 0, egressPerGb: 0 }
      assert.doesNotThrow(() => new Workspace(ram(), { pricing: { '/data/': prices } }))
      // README.md spells them getPer10k/listPer1k/putPer1k: those are missing fields (a type error, not a range).
      assert.throws(
        () => new Workspace(ram(), { pricing: { '/data/': { getPer10k: 1, listPer1k: 0, putPer1k: 0, egressPerGb: 0 } } }),
        (e) => !(e instanceof RangeError) && /getPer10K/.test(e.message),
      )
    })

    it('the getters of a CommandSafeguard read back what was given', () => {
      const g = new CommandSafeguard({ maxBytes: TIB, maxLines: 1, timeoutSeconds: 0.001 })
      assert.equal(g.maxBytes, TIB)
      assert.equal(g.maxLines, 1)
      assert.equal(g.timeoutSeconds, 0.001)
    })

    it('a JS command whose exitCode is not 0..255 fails with exit 1 and says why', async () => {
      const w = new Workspace(ram())
      for (const bad of [NaN, -1, 1.5, 256, Infinity]) {
        w.command('bad', async () => ({ stdout: 'x', exitCode: bad }))
        const r = await w.execute('bad')
        assert.equal(r.exitCode, 1, `exitCode ${bad}`)
        assert.match(r.stderrText, /bad: the handler's exitCode must be an integer from 0 to 255, got /)
      }
      w.command('good', async () => ({ stdout: 'x', exitCode: 255 }))
      assert.equal((await w.execute('good')).exitCode, 255)
    })
  })
}
