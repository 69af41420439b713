// One benchmark case for one package, in its own process (so its peak RSS is its own), driven by bench/run.mjs
// over IPC. For each run: a fresh resource and workspace (so no cache carries over between runs), then
// `execute(command)` timed alone. Before and after each run the parent resets and reads the counting proxy.
//
// BENCH_PKG 'physical' runs the bare signed requests of BENCH_PLAN (bench/physical.mjs) instead of a command.
//
// env: BENCH_PKG ('native' | 'reference' | 'physical'), BENCH_CMD, BENCH_PLAN, BENCH_ENDPOINT, BENCH_BUCKET,
//      BENCH_KEY_ID, BENCH_SECRET, BENCH_MOUNT.
//
// Peak RSS is the process's VmHWM (/proc/self/status): unlike getrusage's maxRSS, it is not inherited from the
// parent across fork + exec, so a big parent does not inflate it.
// Messages: parent -> worker { t: 'run' } | { t: 'finish' }; worker -> parent { t: 'ready' }, { t: 'reset' } and
// { t: 'measure' } (answered with { t: 'ok' }), { t: 'result', ms, first } per run, { t: 'done', ... } at the end.

import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

import { runPlan } from './physical.mjs'

/** Peak resident set of this process, MiB. */
export function peakRssMb() {
  try {
    const m = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+)\s*kB/)
    if (m) return Number(m[1]) / 1024
  } catch {}
  return process.resourceUsage().maxRSS / 1024
}

const env = process.env
const pkg = env.BENCH_PKG

let waiting = null
process.on('message', (m) => {
  if (waiting && m?.t === 'ok') {
    const w = waiting
    waiting = null
    w()
  }
})
const ask = (msg) =>
  new Promise((resolve) => {
    waiting = resolve
    process.send(msg)
  })

const t0 = performance.now()
let mod
if (pkg === 'native') {
  mod = createRequire(import.meta.url)('../index.js')
} else if (pkg === 'reference') {
  mod = await import('@struktoai/mirage-node')
}
const importMs = performance.now() - t0
const baseRssMb = process.memoryUsage().rss / 2 ** 20

const cfg = { endpoint: env.BENCH_ENDPOINT, bucket: env.BENCH_BUCKET, accessKeyId: env.BENCH_KEY_ID, secretAccessKey: env.BENCH_SECRET }
const plan = pkg === 'physical' ? JSON.parse(env.BENCH_PLAN) : null
const physicalWs = { execute: async () => (await runPlan(cfg, plan), { stdout: new Uint8Array(), stderr: new Uint8Array(), exitCode: 0 }) }

function workspace() {
  if (pkg === 'physical') return physicalWs
  const resource = new mod.BackblazeResource({
    bucket: env.BENCH_BUCKET,
    region: 'us-east-1',
    accessKeyId: env.BENCH_KEY_ID,
    secretAccessKey: env.BENCH_SECRET,
    endpoint: env.BENCH_ENDPOINT,
  })
  return new mod.Workspace({ [env.BENCH_MOUNT]: resource }, { mode: 'read' })
}

const bytesOf = (v) => (v instanceof Uint8Array ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : Buffer.from(String(v ?? '')))

// The parent drives the runs one at a time ({ t: 'run' }), so the packages' runs interleave and a change of load
// on the machine hits them alike. Each run: a fresh workspace, the proxy reset, execute timed alone, the proxy read.
let first = null
process.on('message', async (m) => {
  if (m?.t === 'run') {
    const ws = workspace()
    await ask({ t: 'reset' })
    const t = performance.now()
    const r = await ws.execute(env.BENCH_CMD)
    const ms = performance.now() - t
    await ask({ t: 'measure' })
    try {
      await ws.close?.()
    } catch {}
    const stdout = bytesOf(r.stdout)
    if (first === null) {
      first = {
        exitCode: r.exitCode,
        stdoutSha: createHash('sha256').update(stdout).digest('hex'),
        stdoutLen: stdout.length,
        // Small outputs whole (to compare line sets), big ones by hash only.
        stdout: stdout.length <= 4 << 20 ? stdout.toString('latin1') : null,
        stdoutHead: stdout.subarray(0, 120).toString(),
        stderr: bytesOf(r.stderr).toString().slice(0, 500),
      }
    }
    process.send({ t: 'result', ms, first })
  } else if (m?.t === 'finish') {
    process.send({ t: 'done', importMs, baseRssMb, maxRssMb: peakRssMb() })
    process.disconnect()
  }
})
process.send({ t: 'ready' })
