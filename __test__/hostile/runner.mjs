// One hostile probe in a Node process of its own (forked by hostile.test.mjs, which sends the probe as a JSON IPC
// message and expects one result message back, then a normal exit with status 0).
//
// In this process: the secret variable is set first; workspace A runs the probe; workspace B (its own RAMResource)
// answers `echo ok` every 50 ms with timeoutMs 1000, each latency recorded; once A's call settles, the process's CPU
// time over the next 500 ms is measured (it must be idle); then both workspaces are closed. The result reports
// exit code, output (cut), duration, peak RSS (VmHWM), the neighbour's latencies, post-settle CPU, and how a
// rejection looked. Nothing here decides pass or fail: the parent does.
//
// Probe fields used here (all JSON):
//   via: 'execute' (default) | 'abort' | 'close' | 'provision' | 'fs' | 'stream-cancel' | 'construct'
//   cmd, opts (execute options; numbers may be 'NaN'/'Infinity'), mounts, wsOptions, setup, abortAfterMs,
//   closeAfterMs, fs: { method, args }, quietBucket (endless S3: count requests after settle), construct: {...}

import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'

import { SECRET_NAME, SECRET_VALUE, STDOUT_HEAD, STDERR_HEAD, STDERR_TAIL, INTERNAL_ERROR_RE, decodeNumber } from './common.mjs'

process.env[SECRET_NAME] = SECRET_VALUE

const require = createRequire(import.meta.url)
const mirage = require('../../main.js')
const { Workspace, RAMResource, DiskResource, S3Resource } = mirage

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
/** `p`, or undefined after `ms`; the timer never keeps the process alive. */
const within = (p, ms) =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms)
    t.unref()
    Promise.resolve(p).then(
      (v) => (clearTimeout(t), resolve(v)),
      () => (clearTimeout(t), resolve()),
    )
  })
const now = () => performance.now()

function vm(field) {
  try {
    const m = readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))
    return m ? Number(m[1]) * 1024 : 0
  } catch {
    return 0
  }
}

let rssMax = 0
const sampleRss = () => {
  rssMax = Math.max(rssMax, process.memoryUsage.rss())
}
let rssTimer = setInterval(sampleRss, 100)

const flags = { secretSeen: false, internalError: false, texts: 0 }
/** Scan every text the probe produced for the secret and `internal error`. */
function scan(bytesOrText) {
  if (bytesOrText == null) return
  const buf = typeof bytesOrText === 'string' ? Buffer.from(bytesOrText) : Buffer.from(bytesOrText.buffer, bytesOrText.byteOffset, bytesOrText.byteLength)
  flags.texts++
  if (buf.includes(SECRET_VALUE)) flags.secretSeen = true
  if (INTERNAL_ERROR_RE.test(buf.subarray(0, 1 << 20).toString('latin1')) || INTERNAL_ERROR_RE.test(buf.subarray(-(1 << 20)).toString('latin1'))) {
    flags.internalError = true
  }
}

function describeError(e) {
  if (e === null || e === undefined) return { name: String(e), message: '' }
  if (typeof e !== 'object') return { name: typeof e, message: String(e) }
  const d = { name: e.name, code: e.code, message: String(e.message ?? '').slice(0, 2000), ctor: e.constructor?.name }
  scan(d.message)
  return d
}

function decodeOpts(o) {
  if (!o || typeof o !== 'object') return o
  const out = Array.isArray(o) ? [] : {}
  for (const [k, v] of Object.entries(o)) out[k] = v && typeof v === 'object' ? decodeOpts(v) : decodeNumber(v)
  return out
}

function makeResource(spec) {
  switch (spec.type) {
    case 'ram':
      return new RAMResource()
    case 'disk':
      return new DiskResource({ root: spec.root })
    case 's3':
      return new S3Resource({
        bucket: spec.bucket,
        region: 'us-east-1',
        accessKeyId: 'AKIDHOSTILEPROBE',
        secretAccessKey: 'hostile-probe-secret-key',
        endpoint: spec.endpoint,
        forcePathStyle: true,
        ...(spec.options ?? {}),
      })
    default:
      throw new Error(`unknown mount type ${spec.type}`)
  }
}

function summariseResult(r) {
  const stdout = r.stdout
  const stderr = r.stderr
  scan(stdout)
  scan(stderr)
  const so = Buffer.from(stdout.buffer, stdout.byteOffset, stdout.byteLength)
  const se = Buffer.from(stderr.buffer, stderr.byteOffset, stderr.byteLength)
  return {
    exitCode: r.exitCode,
    stdoutLen: so.length,
    stderrLen: se.length,
    stdout: so.subarray(0, STDOUT_HEAD).toString('utf8'),
    stderr:
      se.length <= STDERR_HEAD + STDERR_TAIL
        ? se.toString('utf8')
        : se.subarray(0, STDERR_HEAD).toString('utf8') + `\n[... ${se.length - STDERR_HEAD - STDERR_TAIL} bytes ...]\n` + se.subarray(-STDERR_TAIL).toString('utf8'),
  }
}

/** Workspace B's heartbeat: `echo ok` every 50 ms, each with timeoutMs 1000. */
function startNeighbour(ws) {
  const lat = []
  let bad = 0
  let lagMax = 0
  let running = true
  let inflightStart = 0
  const loop = (async () => {
    while (running) {
      const t = now()
      inflightStart = t
      try {
        const r = await ws.execute('echo ok', { timeoutMs: 1000, noHistory: true })
        if (r.exitCode !== 0 || r.stdoutText !== 'ok\n') bad++
      } catch {
        bad++
      }
      inflightStart = 0
      lat.push(now() - t)
      if (!running) break
      const s = now()
      await sleep(50)
      lagMax = Math.max(lagMax, now() - s - 50)
    }
  })()
  return {
    stop() {
      running = false
    },
    async result() {
      // A ping still in flight counts with what it waited so far (it ends within its own 1000 ms timeout).
      const pending = inflightStart ? now() - inflightStart : 0
      await within(loop, 1500)
      const sorted = [...lat].sort((a, b) => a - b)
      return {
        count: lat.length,
        maxMs: Math.max(pending, sorted.at(-1) ?? 0),
        p50Ms: sorted[Math.floor(sorted.length / 2)] ?? 0,
        loopLagMaxMs: lagMax,
        bad,
      }
    },
  }
}

async function runConstruct(c) {
  const value = decodeNumber(c.value)
  const setPath = (obj, path, v) => {
    const keys = path.split('.')
    let o = obj
    for (const k of keys.slice(0, -1)) o = o[k] ??= {}
    o[keys.at(-1)] = v
    return obj
  }
  const s3base = () => ({
    bucket: 'hostile-bucket',
    region: c.target === 'BackblazeResource' ? 'us-west-004' : 'us-east-1',
    accessKeyId: 'AKIDHOSTILEPROBE',
    secretAccessKey: 'hostile-probe-secret-key',
    endpoint: 'http://127.0.0.1:9',
  })
  const out = { threw: false }
  let made = null
  let ws = null
  try {
    switch (c.target) {
      case 'Workspace': {
        const base = decodeOpts(c.base ?? {})
        ws = new Workspace({ '/data/': new RAMResource() }, setPath({ mode: 'write', ...base }, c.option, value))
        break
      }
      case 'S3Resource':
      case 'BackblazeResource':
      case 'MinIOResource': {
        const cfg = setPath(s3base(), c.option, value)
        made = new mirage[c.target](cfg)
        ws = new Workspace({ '/b/': made })
        break
      }
      case 'CommandSafeguard':
        made = new mirage.CommandSafeguard(setPath({}, c.option, value))
        ws = new Workspace({ '/data/': new RAMResource() }, { mode: 'write', commandSafeguards: { '/data/': { cat: made } } })
        break
      case 'CommandSafeguardPlain':
        ws = new Workspace(
          { '/data/': new RAMResource() },
          { mode: 'write', commandSafeguards: { '/data/': { cat: setPath({}, c.option, value) } } },
        )
        break
      case 'RedisFileCacheStore':
        made = new mirage.RedisFileCacheStore(setPath({ url: 'redis://127.0.0.1:9/0' }, c.option, value))
        break
      case 'execute': {
        ws = new Workspace({ '/data/': new RAMResource() }, { mode: 'write' })
        const r = await ws.execute('echo ok', setPath({}, c.option, value))
        out.executeExit = r.exitCode
        break
      }
      case 'commandExit': {
        ws = new Workspace({ '/data/': new RAMResource() }, { mode: 'write' })
        ws.command('weird', async () => ({ stdout: '', exitCode: value }))
        const r = await ws.execute('weird; echo "rc=$?"', { timeoutMs: 5000 })
        out.commandStdout = r.stdoutText
        out.executeExit = r.exitCode
        break
      }
      case 'presign': {
        made = new S3Resource(s3base())
        const req = made.presignRequest('a.txt', 'GET', setPath({}, c.option, value))
        out.expiresIn = req.expiresIn
        break
      }
      case 'presignPolicy': {
        made = new S3Resource(s3base())
        const req = made.presignRequest('a.txt', 'GET', {}, setPath({}, c.option, value))
        out.expiresIn = req.expiresIn
        break
      }
      case 'createPresignHandler':
        made = new S3Resource(s3base())
        mirage.createPresignHandler(made, setPath({}, c.option, value))
        break
      default:
        throw new Error(`unknown construct target ${c.target}`)
    }
  } catch (e) {
    out.threw = true
    out.error = describeError(e)
  }
  // Accepted: the value must leave a working workspace whose caps still hold.
  if (!out.threw && ws) {
    const v = (out.verify = {})
    try {
      const r = await ws.execute('echo ok', { timeoutMs: 5000 })
      v.echoExit = r.exitCode
      if (c.verify === 'output') {
        const big = await ws.execute('seq 1 3000000', { timeoutMs: 15000 })
        v.bigStdoutLen = big.stdout.byteLength
        v.bigExit = big.exitCode
      } else if (c.verify === 'history') {
        for (let i = 0; i < 3; i++) await ws.execute('true')
        v.historyLen = ws.history.entries().length
      } else if (c.verify === 'safeguard') {
        await ws.execute('seq 1 100000 > /data/s')
        const r2 = await ws.execute('cat /data/s', { timeoutMs: 10000 })
        v.catStdoutLen = r2.stdout.byteLength
        v.catExit = r2.exitCode
      }
    } catch (e) {
      v.error = describeError(e)
    }
  }
  if (ws) await within(ws.close(), 5000)
  return out
}

async function runProbe(p) {
  const result = { id: p.id }
  if (p.via === 'construct') {
    result.construct = await runConstruct(p.construct)
    return result
  }
  const mounts = {}
  for (const [prefix, spec] of Object.entries(p.mounts ?? { '/data/': { type: 'ram' } })) mounts[prefix] = makeResource(spec)
  const A = new Workspace(mounts, { mode: 'write', ...decodeOpts(p.wsOptions ?? {}) })
  const B = new Workspace({ '/n/': new RAMResource() }, { mode: 'write' })

  for (const step of p.setup ?? []) {
    try {
      if (step.cmd !== undefined) {
        const r = await A.execute(step.cmd, { timeoutMs: step.timeoutMs ?? 60_000 })
        scan(r.stdout)
        scan(r.stderr)
        if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode}: ${r.stderrText.slice(0, 500)}`)
      } else if (step.hostFile) {
        await A.fs.writeFile(step.to, readFileSync(step.hostFile))
      } else if (step.text !== undefined) {
        await A.fs.writeFile(step.to, step.text)
      }
    } catch (e) {
      result.setupError = `setup step ${JSON.stringify(step).slice(0, 200)} failed: ${e.message}`
      await within(Promise.all([A.close(), B.close()]), 5000)
      return result
    }
  }
  const warm = await B.execute('echo ok')
  if (warm.exitCode !== 0) result.neighbourWarmup = warm.exitCode

  const opts = decodeOpts(p.opts ?? {})
  const neighbour = startNeighbour(B)
  const t0 = now()
  let settled
  let closeP = null
  let closeStarted = 0
  let closeDone = 0
  try {
    let call
    switch (p.via ?? 'execute') {
      case 'execute':
        call = A.execute(p.cmd, opts)
        break
      case 'provision':
        call = A.execute(p.cmd, { ...opts, provision: true })
        break
      case 'abort': {
        const ac = new AbortController()
        setTimeout(() => ac.abort(), p.abortAfterMs ?? 300)
        call = A.execute(p.cmd, { ...opts, signal: ac.signal })
        break
      }
      case 'close':
        call = A.execute(p.cmd, opts)
        setTimeout(() => {
          closeStarted = now()
          closeP = A.close().then(
            () => (closeDone = now()),
            (e) => {
              closeDone = now()
              result.closeError = describeError(e)
            },
          )
        }, p.closeAfterMs ?? 300)
        break
      case 'fs':
        call = A.fs[p.fs.method](...p.fs.args)
        break
      case 'stream-cancel': {
        call = (async () => {
          const s = A.executeStream(p.cmd, opts)
          const reader = s.stdout.getReader()
          const stopAt = now() + (p.cancelAfterMs ?? 300)
          let got = 0
          while (now() < stopAt) {
            const r = await Promise.race([reader.read(), sleep(Math.max(1, stopAt - now())).then(() => null)])
            if (r === null || r.done) break
            got += r.value.byteLength
          }
          await reader.cancel()
          s.stderr.cancel().catch(() => {})
          const exitCode = await s.exitCode
          return { exitCode, stdout: new Uint8Array(0), stderr: new Uint8Array(0), streamed: got }
        })()
        break
      }
      default:
        throw new Error(`unknown via ${p.via}`)
    }
    const value = await call
    settled = { outcome: 'resolved', value }
  } catch (e) {
    settled = { outcome: 'rejected', error: e }
  }
  const settleMs = now() - t0
  neighbour.stop()

  // CPU over the 500 ms after the call settled: nothing of the probe may still be running.
  clearInterval(rssTimer)
  const c0 = process.cpuUsage()
  const w0 = now()
  await sleep(500)
  const c = process.cpuUsage(c0)
  const cpuPct = ((c.user + c.system) / 1000 / (now() - w0)) * 100
  rssTimer = setInterval(sampleRss, 100)

  result.outcome = settled.outcome
  result.settleMs = Math.round(settleMs)
  result.cpuPct = Math.round(cpuPct * 10) / 10
  if (settled.outcome === 'resolved') {
    const v = settled.value
    if (p.via === 'fs') {
      result.fsValue = Array.isArray(v) ? `array(${v.length})` : typeof v
    } else if (p.via === 'provision') {
      result.exitCode = 0
      result.provision = { precision: v?.precision, metadataOps: v?.metadataOps }
    } else if (p.via === 'stream-cancel') {
      result.exitCode = v.exitCode
      result.streamed = v.streamed
    } else {
      Object.assign(result, summariseResult(v))
    }
  } else {
    result.error = describeError(settled.error)
  }
  result.neighbour = await neighbour.result()

  if (p.quietBucket) {
    // The fake server must see no request once 1 s has passed since the call settled.
    const stats = async () => (await fetch(`${p.quietEndpoint}/__stats?bucket=${encodeURIComponent(p.quietBucket)}`)).json()
    await sleep(Math.max(0, 1000 - (now() - t0 - settleMs)))
    const s1 = await stats()
    await sleep(1000)
    const s2 = await stats()
    result.quiet = { atOneSecond: s1.requests, atTwoSeconds: s2.requests }
  }

  if (p.via === 'close') {
    if (closeP) {
      await within(closeP, 5000)
      result.closeMs = closeDone ? Math.round(closeDone - closeStarted) : null
      result.settleAfterCloseMs = Math.round(t0 + settleMs - closeStarted)
      try {
        await A.execute('echo after-close')
        result.afterClose = 'resolved'
      } catch (e) {
        result.afterClose = `rejected: ${e.message}`
      }
    } else {
      result.closeMs = null
      result.settleAfterCloseMs = -1 // settled before close was called
      await A.close()
    }
  } else {
    const tc = now()
    let closed = false
    await within(A.close().then(() => (closed = true)), 5000)
    result.closeMs = closed ? Math.round(now() - tc) : null
  }
  await within(B.close(), 5000)
  return result
}

process.on('uncaughtException', (e) => {
  process.send?.({ harnessError: `uncaughtException: ${e?.stack ?? e}` })
  process.exitCode = 70
})
process.on('unhandledRejection', (e) => {
  process.send?.({ harnessError: `unhandledRejection: ${e?.stack ?? e}` })
  process.exitCode = 70
})

process.once('message', async (probe) => {
  let result
  try {
    result = await runProbe(probe)
  } catch (e) {
    result = { id: probe.id, harnessError: String(e?.stack ?? e) }
  }
  clearInterval(rssTimer)
  sampleRss()
  result.peakRss = Math.max(vm('VmHWM'), rssMax)
  result.secretSeen = flags.secretSeen
  result.internalError = flags.internalError
  process.send(result, () => process.disconnect())
})
