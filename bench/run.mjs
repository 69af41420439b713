// `npm run bench`: this package against @struktoai/mirage-node@0.0.2 on the same local S3 server (s3s-fs on
// 127.0.0.1), through a counting proxy. Not part of the tests.
//
// For each case and each package: one child process (bench/worker.mjs) that runs the command once untimed, then
// BENCH_RUNS times (default 5), each on a fresh resource + workspace (no cache carries over between runs), and
// reports the median time and its peak RSS. The proxy counts requests and response bytes per run. The physical
// limit of a case is the same bytes fetched by bare SigV4-signed requests (node:http, no shell). Outputs are compared
// between the packages and with GNU bash/coreutils on the server's own files (LC_ALL=C).
//
// Options (env): BENCH_RUNS=5, BENCH_ONLY=<substring of case names>, BENCH_MEM=0 (skip the 1 GB memory case),
// BENCH_REF_MEM=0 (skip the reference in the memory case), BENCH_NO_BUILD=1 (never rebuild; fail if stale),
// BENCH_BUILD=any (use the .node as it is, for trying the script out).
// Flags: --readme writes the table into README.md (between the bench markers); --readme-from-last writes the
// table of the last run (bench/last-run.md) without running anything.

import { execFileSync, fork, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createWriteStream, existsSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

import { startS3Server } from '../__test__/helpers/s3server.mjs'
import { startCountingProxy } from '../__test__/helpers/proxy.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const RUNS = Number(process.env.BENCH_RUNS ?? 5)
const ONLY = process.env.BENCH_ONLY ?? ''
const BUCKET = 'bench'
const MOUNT = '/bench/'
const REF_VERSION = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/@struktoai/mirage-node/package.json'), 'utf8')).version

const median = (xs) => {
  if (!xs.length) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const mb = (n) => n / 2 ** 20
const fmtMs = (x) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '-')
const fmtMb = (x) => (Number.isFinite(x) ? (x >= 10 ? x.toFixed(0) : x >= 0.1 ? x.toFixed(1) : x.toFixed(3)) : '-')
const log = (...a) => console.error(...a)

// ---------------------------------------------------------------------------------------------------------------
// The build: the RELEASE addon, rebuilt when stale.

function newestSource() {
  let newest = 0
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.name.endsWith('.rs') || e.name === 'Cargo.toml') newest = Math.max(newest, statSync(p).mtimeMs)
    }
  }
  walk(path.join(ROOT, 'src'))
  for (const c of readdirSync(path.join(ROOT, 'crates'))) walk(path.join(ROOT, 'crates', c))
  for (const f of ['Cargo.toml', 'Cargo.lock', 'build.rs']) newest = Math.max(newest, statSync(path.join(ROOT, f)).mtimeMs)
  return newest
}

function releaseBuild() {
  const node = path.join(ROOT, 'mirage-native.linux-x64-gnu.node')
  if (process.env.BENCH_BUILD === 'any') return `whatever ${path.basename(node)} is there (BENCH_BUILD=any: maybe NOT a release build)`
  // `napi build --platform` builds for the host triple explicitly.
  const candidates = [
    path.join(ROOT, 'target/x86_64-unknown-linux-gnu/release/libmirage_native.so'),
    path.join(ROOT, 'target/release/libmirage_native.so'),
  ]
  let so = candidates[0]
  const fresh = () =>
    (so = candidates.find((p) => existsSync(p)) ?? candidates[0]) &&
    existsSync(node) &&
    existsSync(so) &&
    statSync(so).mtimeMs >= newestSource() &&
    createHash('sha256').update(readFileSync(node)).digest('hex') === createHash('sha256').update(readFileSync(so)).digest('hex')
  if (!fresh()) {
    if (process.env.BENCH_NO_BUILD === '1') throw new Error('the release addon is stale or missing and BENCH_NO_BUILD=1')
    log('building the release addon: npx napi build --platform --release')
    execFileSync('npx', ['napi', 'build', '--platform', '--release'], { cwd: ROOT, stdio: 'inherit' })
    if (!fresh()) throw new Error(`the release build did not produce ${so} = the .node`)
  }
  return `release (${path.relative(ROOT, so)}, ${(statSync(node).size / 2 ** 20).toFixed(1)} MiB, built ${new Date(statSync(so).mtimeMs).toISOString()})`
}

// ---------------------------------------------------------------------------------------------------------------
// The corpus.

function logLines(n, seed) {
  const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'INFO', 'ERROR', 'INFO']
  const out = []
  for (let i = 0; i < n; i++) {
    const lvl = levels[(i * 7 + seed) % levels.length]
    out.push(`2024-03-${String((i % 28) + 1).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:00:${String(i % 60).padStart(2, '0')}Z ${lvl} svc-${seed % 5} request ${i} took ${(i * 37) % 1000} ms path=/api/v1/items/${i % 500}\n`)
  }
  return out.join('')
}

function bytesOfLines(target, seed) {
  const block = Buffer.from(logLines(20_000, seed))
  const parts = []
  let n = 0
  while (n < target) {
    const take = Math.min(block.length, target - n)
    // Cut at a line end so the object ends with a newline.
    const cut = take < block.length ? block.lastIndexOf(10, take - 1) + 1 : take
    parts.push(block.subarray(0, cut))
    n += cut
    if (cut === 0) break
  }
  return Buffer.concat(parts)
}

function corpus() {
  const tree = {}
  for (let i = 0; i < 5000; i++) tree[`many/k${String(i).padStart(4, '0')}.txt`] = `object ${i}\n`
  tree['big.log'] = bytesOfLines(50 * 2 ** 20, 3)
  for (let i = 0; i < 30; i++) tree[`logs/app-${String(i).padStart(2, '0')}.log`] = bytesOfLines(2 ** 20, i)
  const users = Array.from({ length: 200 }, (_, i) => ({ id: i, name: `user${i}`, active: i % 3 === 0 }))
  tree['data/users.json'] = JSON.stringify(users, null, 2) + '\n'
  tree['data/events.jsonl'] = users.map((u) => JSON.stringify({ user: u.id, event: u.active ? 'login' : 'view' })).join('\n') + '\n'
  tree['data/table.csv'] = 'id,name,active\n' + users.map((u) => `${u.id},${u.name},${u.active}`).join('\n') + '\n'
  tree['data/nested/config.json'] = '{"retries": 3}\n'
  tree['data/nested/deeper/more.json'] = '{"more": true}\n'
  tree['data/nested/deeper/notes.txt'] = 'not json\n'
  return tree
}

async function writeHuge(file, size) {
  const block = bytesOfLines(8 * 2 ** 20, 11)
  const ws = createWriteStream(file)
  const failed = new Promise((_, reject) => ws.once('error', reject))
  failed.catch(() => {})
  let n = 0
  while (n < size) {
    const part = block.subarray(0, Math.min(block.length, size - n))
    n += part.length
    if (!ws.write(part)) await Promise.race([new Promise((r) => ws.once('drain', r)), failed])
  }
  await Promise.race([new Promise((r) => ws.end(r)), failed])
}

// ---------------------------------------------------------------------------------------------------------------
// The cases: the command, and its physical limit as bare requests.

const M = MOUNT.slice(0, -1)
// phys: the bare requests of the physical limit (bench/physical.mjs). sortLines: compare outputs as sets of lines
// (find prints in directory order). gnu: false when GNU cannot be the oracle (ls -l shows owners and modes).
const CASES = [
  { name: 'ls of 5,000 keys', cmd: `ls ${M}/many/`, phys: { list: 'many/', delimiter: '/' } },
  { name: 'wc -c big', cmd: `wc -c ${M}/big.log`, phys: { head: 'big.log' } },
  { name: 'head -n 5 big', cmd: `head -n 5 ${M}/big.log`, phys: { get: 'big.log', range: 'bytes=0-65535' } },
  { name: 'tail -n 5 big', cmd: `tail -n 5 ${M}/big.log`, phys: { get: 'big.log', range: 'bytes=-65536' } },
  { name: 'cat big | wc -l', cmd: `cat ${M}/big.log | wc -l`, phys: { get: 'big.log' } },
  { name: 'grep -c ERROR big', cmd: `grep -c ERROR ${M}/big.log`, phys: { get: 'big.log' } },
  { name: 'grep -r ERROR logs/ | wc -l', cmd: `grep -r ERROR ${M}/logs/ | wc -l`, phys: { listGet: 'logs/' } },
  { name: "find -name '*.json'", cmd: `find ${M} -name '*.json'`, sortLines: true, phys: { list: '' } },
  { name: 'wc -l logs/*.log', cmd: `wc -l ${M}/logs/*.log`, phys: { listGet: 'logs/', delimiter: '/' } },
  { name: 'cat big | head -n 1', cmd: `cat ${M}/big.log | head -n 1`, phys: { get: 'big.log', stopAfter: 1 } },
  { name: 'cat logs/*.log | wc -l', cmd: `cat ${M}/logs/*.log | wc -l`, phys: { listGet: 'logs/', delimiter: '/' } },
  { name: 'ls -l logs/', cmd: `ls -l ${M}/logs/`, phys: { list: 'logs/', delimiter: '/' }, gnu: false },
]

// ---------------------------------------------------------------------------------------------------------------
// Running.

/** Start a worker process for one package and case; resolves once it has loaded its package. */
function startWorker(pkg, cmd, { proxy, s3, plan = null }) {
  const child = fork(path.join(ROOT, 'bench/worker.mjs'), [], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: {
      ...process.env,
      BENCH_PKG: pkg,
      BENCH_CMD: cmd,
      BENCH_PLAN: JSON.stringify(plan),
      BENCH_ENDPOINT: proxy.endpoint,
      BENCH_BUCKET: BUCKET,
      BENCH_KEY_ID: s3.accessKeyId,
      BENCH_SECRET: s3.secretAccessKey,
      BENCH_MOUNT: MOUNT,
      AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
    },
  })
  const w = { pkg, child, stderr: '', times: [], stats: [], first: null, exited: false, pending: null }
  child.stderr.on('data', (d) => (w.stderr = (w.stderr + d).slice(-4000)))
  const settle = (v) => {
    const p = w.pending
    w.pending = null
    p?.(v)
  }
  child.on('message', async (m) => {
    if (m.t === 'reset') {
      await proxy.idle()
      proxy.reset()
      child.send({ t: 'ok' })
    } else if (m.t === 'measure') {
      await proxy.idle()
      w.lastStats = proxy.stats()
      child.send({ t: 'ok' })
    } else if (m.t === 'ready' || m.t === 'result' || m.t === 'done') {
      settle(m)
    }
  })
  child.on('exit', () => {
    w.exited = true
    settle({ t: 'exit' })
  })
  const next = (timeoutMs) =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        w.timeout = true
        child.kill('SIGKILL')
      }, timeoutMs)
      w.pending = (m) => {
        clearTimeout(timer)
        resolve(m)
      }
    })
  w.ready = next(120_000)
  /** One run; `record` false for the untimed first run. */
  w.run = async (record, timeoutMs) => {
    if (w.exited) return
    const m = next(timeoutMs)
    child.send({ t: 'run' })
    const r = await m
    if (r.t !== 'result') {
      w.failed = true
      return
    }
    w.first = r.first
    if (record) {
      w.times.push(r.ms)
      w.stats.push(w.lastStats)
    }
  }
  w.finish = async () => {
    if (w.exited) return w
    const m = next(30_000)
    child.send({ t: 'finish' })
    const r = await m
    if (r.t === 'done') Object.assign(w, { importMs: r.importMs, baseRssMb: r.baseRssMb, maxRssMb: r.maxRssMb })
    w.requests = median(w.stats.map((s) => s.requests))
    w.bytes = median(w.stats.map((s) => s.bytes))
    return w
  }
  return w
}

/**
 * Run a case on several workers, interleaved: one untimed run each, then `runs` rounds in which every worker runs
 * once (in a rotating order). `stopEarly(workers)` after the untimed round may end the case (a missing command).
 */
async function interleaved(workers, runs, { timeoutMs, stopEarly = () => false }) {
  await Promise.all(workers.map((w) => w.ready))
  for (const w of workers) await w.run(false, timeoutMs)
  if (!stopEarly(workers)) {
    for (let i = 0; i < runs; i++) {
      for (let k = 0; k < workers.length; k++) await workers[(i + k) % workers.length].run(true, timeoutMs)
    }
  }
  return Promise.all(workers.map((w) => w.finish()))
}

function gnuRun(cmd, s3) {
  const local = s3.bucketDir
  const r = spawnSync('bash', ['-c', cmd.replaceAll(M, local)], {
    env: { ...process.env, LC_ALL: 'C' },
    maxBuffer: 1 << 30,
  })
  const map = (b) => b.toString('latin1').replaceAll(local, M)
  return { stdout: map(r.stdout), stderr: map(r.stderr), exitCode: r.status }
}

const sortLines = (s) => s.split('\n').filter(Boolean).sort().join('\n')

function sameOutput(a, b, sort) {
  if (!a || !b) return false
  if (a.stdout !== null && b.stdout !== null) {
    return (sort ? sortLines(a.stdout) === sortLines(b.stdout) : a.stdout === b.stdout) && a.exitCode === b.exitCode
  }
  return a.stdoutSha === b.stdoutSha && a.exitCode === b.exitCode
}

function coldStart(pkg) {
  const script =
    pkg === 'native'
      ? `const t0 = performance.now(); const m = require(${JSON.stringify(path.join(ROOT, 'index.js'))});
         const ws = new m.Workspace({ '/r/': new m.RAMResource() });
         ws.execute('echo hi').then((r) => { if (r.stdoutText !== 'hi\\n') process.exit(1); console.log(performance.now() - t0) })`
      : `const t0 = performance.now(); import('@struktoai/mirage-node').then(async (m) => {
         const ws = new m.Workspace({ '/r/': new m.RAMResource() });
         const r = await ws.execute('echo hi'); if (new TextDecoder().decode(r.stdout) !== 'hi\\n') process.exit(1);
         console.log(performance.now() - t0); process.exit(0) })`
  const times = []
  for (let i = 0; i < RUNS; i++) {
    const r = spawnSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' } })
    if (r.status !== 0) throw new Error(`cold start of ${pkg} failed: ${r.stderr}`)
    times.push(Number(r.stdout.trim().split('\n').pop()))
  }
  return median(times)
}

function machine() {
  const cpu = os.cpus()
  return `${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`
}

async function main() {
  const build = releaseBuild()
  log(`build: ${build}`)
  log('seeding the corpus ...')
  const s3 = await startS3Server({ bucket: BUCKET, tree: corpus() })
  const proxy = await startCountingProxy(s3.port)
  const rows = []
  try {
    for (const c of CASES) {
      if (ONLY && !c.name.includes(ONLY)) continue
      log(`case: ${c.name}  (${c.cmd})`)
      const timeoutMs = 5 * 60_000
      const workers = [
        startWorker('native', c.cmd, { proxy, s3 }),
        startWorker('reference', c.cmd, { proxy, s3 }),
        startWorker('physical', '', { proxy, s3, plan: c.phys }),
      ]
      const missing = (ws) => /command not found/.test(ws[0].first?.stderr ?? '')
      const [nat, ref, p] = await interleaved(workers, RUNS, { timeoutMs, stopEarly: missing })
      if (missing(workers)) {
        log(`  skipped: ${c.cmd.split(' ')[0]} does not exist in this build (${nat.first.stderr.trim()})`)
        rows.push({ c, skipped: `\`${c.cmd.split(' ')[0]}\` is not in this build yet` })
        continue
      }
      const phys = { ms: median(p.times), requests: p.requests, bytes: p.bytes }
      const gnu = c.gnu === false ? null : gnuRun(c.cmd, s3)
      const row = { c, nat, ref, phys, gnu }
      rows.push(row)
      log(
        `  native ${fmtMs(median(nat.times))} ms, reference ${fmtMs(median(ref.times))} ms, physical ${fmtMs(phys.ms)} ms; ` +
          `requests ${nat.requests}/${ref.requests}; MiB ${fmtMb(mb(nat.bytes))}/${fmtMb(mb(ref.bytes))}`,
      )
    }

    let memRow = null
    const size = 2 ** 30
    const free = (() => {
      try {
        const f = statfsSync(s3.bucketDir)
        return f.bavail * f.bsize
      } catch {
        return Infinity
      }
    })()
    let memNote = null
    if (process.env.BENCH_MEM === '0' || (ONLY && !'memory'.includes(ONLY))) {
      memNote = null
    } else if (free < size * 1.5) {
      memNote = `Memory case skipped: ${(free / 2 ** 30).toFixed(1)} GiB free on the disk of the server's data dir, 1.5 GiB needed.`
      log(memNote)
    } else {
      log('memory case: generating a 1 GiB object in the server data dir ...')
      const huge = path.join(s3.bucketDir, 'huge.log')
      try {
        await writeHuge(huge, size)
      } catch (e) {
        rmSync(huge, { force: true })
        memNote = `Memory case skipped: the 1 GiB object could not be written (${e.code ?? e.message}).`
        log(memNote)
      }
    }
    if (!memNote && process.env.BENCH_MEM !== '0' && (!ONLY || 'memory'.includes(ONLY))) {
      const cmd = `cat ${M}/huge.log | wc -l`
      // One run each, one after the other (a 1 GiB object takes long enough).
      const one = async (w, timeoutMs) => {
        await w.ready
        await w.run(true, timeoutMs)
        return w.finish()
      }
      const nat = await one(startWorker('native', cmd, { proxy, s3 }), 5 * 60_000)
      const ref = process.env.BENCH_REF_MEM === '0' ? { skipped: true } : await one(startWorker('reference', cmd, { proxy, s3 }), 3 * 60_000)
      const p = await one(startWorker('physical', '', { proxy, s3, plan: { get: 'huge.log' } }), 5 * 60_000)
      const physMs = median(p.times)
      const gnu = gnuRun(cmd, s3)
      memRow = { cmd, nat, ref, physMs, gnu }
      log(`  native ${fmtMs(median(nat.times))} ms, peak RSS ${fmtMb(nat.maxRssMb)} MiB (base ${fmtMb(nat.baseRssMb)})`)
      rmSync(path.join(s3.bucketDir, 'huge.log'), { force: true })
    }

    log('cold start ...')
    const coldNat = coldStart('native')
    const coldRef = coldStart('reference')

    const md = report({ rows, memRow, memNote, coldNat, coldRef, build })
    console.log(md)
    writeFileSync(path.join(ROOT, 'bench/last-run.md'), md)
    if (process.argv.includes('--readme')) writeReadme(md)
  } finally {
    await proxy.stop()
    await s3.stop()
  }
}

function verdict(row) {
  const { nat, ref, gnu, c } = row
  const nf = nat.first
  const rf = ref.first
  if (!nf || !rf) return 'n/a'
  const both = sameOutput(nf, rf, c.sortLines)
  const g = gnu && { stdout: gnu.stdout, exitCode: gnu.exitCode, stdoutSha: createHash('sha256').update(Buffer.from(gnu.stdout, 'latin1')).digest('hex') }
  const natGnu = g ? sameOutput(nf, g, c.sortLines) : null
  const refGnu = g ? sameOutput(rf, g, c.sortLines) : null
  const sorted = c.sortLines ? ' (as sets of lines)' : ''
  if (both) return `yes${sorted}${natGnu === true ? ', = GNU' : natGnu === false ? ', both differ from GNU' : ''}`
  if (g) return `no: this package ${natGnu ? '= GNU' : '≠ GNU'}, reference ${refGnu ? '= GNU' : '≠ GNU'}`
  return 'no'
}

function report({ rows, memRow, memNote, coldNat, coldRef, build }) {
  const date = new Date().toISOString().slice(0, 10)
  const out = []
  out.push(`Benchmark of ${date} on ${machine()}.`)
  out.push(
    `mirage-native ${build} vs \`@struktoai/mirage-node@${REF_VERSION}\`, both on the same s3s-fs server on 127.0.0.1 ` +
      `behind a counting proxy; median of ${RUNS} runs after one untimed run, the packages' runs interleaved, each run on a fresh resource and ` +
      `workspace. Requests and MiB are per run (response bodies through the proxy). Physical limit: the same bytes ` +
      `fetched by bare SigV4-signed requests (node:http, no shell, in their own process like each package), 16 at a ` +
      `time where there are several objects. Peak RSS: the worker process's VmHWM.`,
  )
  out.push('')
  out.push('| case | mirage-native ms | mirage-node ms | speed-up | requests (native / node) | MiB down (native / node) | peak RSS MiB (native / node) | physical limit ms (requests, MiB) | same output |')
  out.push('| --- | ---: | ---: | ---: | --- | --- | --- | --- | --- |')
  for (const row of rows) {
    if (row.skipped) {
      out.push(`| \`${row.c.cmd}\` | skipped: ${row.skipped} | | | | | | | |`)
      continue
    }
    const { c, nat, ref, phys } = row
    const nm = median(nat.times)
    const rm = median(ref.times)
    const fail = (r) => (r.timeout ? 'timeout' : r.failed || !r.times.length ? 'failed' : null)
    out.push(
      `| \`${c.cmd}\` | ${fail(nat) ?? fmtMs(nm)} | ${fail(ref) ?? fmtMs(rm)} | ${Number.isFinite(rm / nm) ? (rm / nm).toFixed(1) + 'x' : '-'} | ` +
        `${nat.requests} / ${ref.requests} | ${fmtMb(mb(nat.bytes))} / ${fmtMb(mb(ref.bytes))} | ${fmtMb(nat.maxRssMb)} / ${fmtMb(ref.maxRssMb)} | ` +
        `${fmtMs(phys.ms)} (${phys.requests}, ${fmtMb(mb(phys.bytes))}) | ${verdict(row)} |`,
    )
  }
  out.push('')
  if (memRow) {
    const { nat, ref, physMs, gnu, cmd } = memRow
    const ok = nat.first && gnu && nat.first.stdout === gnu.stdout ? ' (= GNU)' : ''
    const refPart = ref.skipped
      ? 'mirage-node: not run (BENCH_REF_MEM=0)'
      : ref.timeout
        ? 'mirage-node: did not finish in 3 minutes'
        : ref.failed
          ? `mirage-node: failed (${(ref.stderr || '').trim().split('\n').pop()})`
          : `mirage-node: ${fmtMs(median(ref.times))} ms, peak RSS ${fmtMb(ref.maxRssMb)} MiB, output ${ref.first?.stdout?.trim() ?? '?'}${ref.first?.stderr ? ', stderr ' + JSON.stringify(ref.first.stderr.trim().slice(0, 120)) : ''}`
    out.push(
      `Memory: \`${cmd}\` on a 1 GiB object: mirage-native ${fmtMs(median(nat.times))} ms, peak RSS ${fmtMb(nat.maxRssMb)} MiB ` +
        `(${fmtMb(nat.baseRssMb)} MiB after loading the addon), ${nat.requests} request(s), output ${nat.first?.stdout?.trim()}${ok}; ` +
        `${refPart}; physical limit ${fmtMs(physMs)} ms.`,
    )
    out.push('')
  }
  if (memNote) out.push(memNote, '')
  out.push(`Cold start (import + \`new Workspace\` + first \`echo hi\`, median of ${RUNS} fresh processes): mirage-native ${fmtMs(coldNat)} ms, mirage-node ${fmtMs(coldRef)} ms.`)
  return out.join('\n') + '\n'
}

function writeReadme(md) {
  const file = path.join(ROOT, 'README.md')
  const text = readFileSync(file, 'utf8')
  const start = '<!-- bench:start -->'
  const end = '<!-- bench:end -->'
  const block = `${start}\n${md}${end}`
  const next = text.includes(start)
    ? text.slice(0, text.indexOf(start)) + block + text.slice(text.indexOf(end) + end.length)
    : text.trimEnd() + `\n\n## Performance\n\n\`npm run bench\` (not part of the tests; see bench/run.mjs) runs each case against the reference package on the same local server.\n\n${block}\n`
  writeFileSync(file, next)
  log('README.md updated')
}

if (process.argv.includes('--readme-from-last')) writeReadme(readFileSync(path.join(ROOT, 'bench/last-run.md'), 'utf8'))
else await main()
