#!/usr/bin/env node
// Records the expected output of every conformance case with real GNU bash and tools.
//
//   node scripts/record-conformance.mjs                 # record everything, verify determinism, write fixtures
//   node scripts/record-conformance.mjs --only grep,sed # only these topics (or case ids); other fixtures are kept
//   node scripts/record-conformance.mjs --no-verify     # skip the second, determinism-checking pass
//   node scripts/record-conformance.mjs --show grep-001 # print what GNU gives for one case, write nothing
//
// Reads  __test__/conformance/cases/<topic>.json (+ trees/<name>.json)
// Writes __test__/conformance/expected/<topic>.json  { "<id>": { exitCode, stdout | stdoutBase64, stderr | stderrBase64 } }
//        __test__/conformance/expected/_meta.json    (tool versions the fixtures came from)
//
// Prerequisites (the replay, __test__/conformance.test.mjs, needs none of them):
//   Debian 12 (bookworm), root, and a kernel that allows `unshare -m` + `mount --bind` (read-only /data, below).
//   Tools: apt-get install -y bash coreutils grep sed gawk jq tree diffutils findutils file ripgrep xxd \
//          binutils bsdextrautils util-linux gzip tar
//   Missing packages are installed with apt-get when the script runs as root.
//
// How a case runs (the same scheme as __test__/helpers/gnu.mjs, whose `rewrite` it uses):
//   - a temp dir T gets the case's tree: `data/...` -> T/data (the read-only mount /data), `work/...` -> T/work (the
//     writable mount /work); mode 0644 for files, 0755 for directories; every file and directory gets a fixed
//     mtime (the tree's defaultMtime, or its `mtimes` entry), so `ls -l`, `stat`, `find -newer`, `diff -u` headers
//     and `tar -v` are stable;
//   - `/data` and `/work` in the command are rewritten to T/data and T/work; the command runs as `bash -c` in a
//     private mount namespace where T/data is bind-mounted read-only, so writes to it fail with EROFS as on a
//     READ mount; cwd is T + the case's cwd (default /), HOME=T (so `cd` alone lands on /);
//   - environment: only PATH, HOME, LC_ALL=C (bytewise sorting, English messages) and TZ=UTC; `awk` is gawk;
//   - in stdout and stderr, T/data, T/work and T are mapped back to /data, /work and /.
// Determinism: every case is recorded a second time in a tree created in reverse order on tmpfs (/dev/shm), where
// directory order follows creation order; a case whose output changes (it depends on readdir order, the time, the
// file system) fails the recording unless it is marked `"fsDependent": true` (those are checked on ext4-like file
// systems only: directories of 4096 bytes).

import { spawn, spawnSync } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeGnu } from '../__test__/helpers/gnu.mjs'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const CONF = path.join(REPO, '__test__', 'conformance')
const CASE_TIMEOUT_MS = 20_000
const JOBS = Number(process.env.RECORD_JOBS ?? 4) // cases recorded at once

// ------------------------------------------------------------------------------------------------------------
// Loading cases (the replay has its own copy of this small loader; keep the two in step).

export function loadTree(name) {
  const t = JSON.parse(readFileSync(path.join(CONF, 'trees', `${name}.json`), 'utf8'))
  return { files: t.files ?? {}, mtimes: t.mtimes ?? {}, defaultMtime: t.defaultMtime ?? '2024-01-15T12:00:00Z' }
}

export function loadTopics() {
  const dir = path.join(CONF, 'cases')
  const topics = []
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const doc = JSON.parse(readFileSync(path.join(dir, f), 'utf8'))
    const base = doc.tree ? loadTree(doc.tree) : { files: {}, mtimes: {}, defaultMtime: '2024-01-15T12:00:00Z' }
    const topic = path.basename(f, '.json')
    const cases = doc.cases.map((c) => ({
      ...c,
      topic,
      cwd: c.cwd ?? doc.cwd ?? '/',
      files: { ...base.files, ...(doc.files ?? {}), ...(c.files ?? {}) },
      mtimes: { ...base.mtimes, ...(doc.mtimes ?? {}), ...(c.mtimes ?? {}) },
      defaultMtime: c.defaultMtime ?? doc.defaultMtime ?? base.defaultMtime,
    }))
    topics.push({ topic, doc, cases })
  }
  return topics
}

const bodyOf = (v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.base64, 'base64'))

// ------------------------------------------------------------------------------------------------------------
// Prerequisites

const TOOLS = {
  bash: 'bash', ls: 'coreutils', grep: 'grep', sed: 'sed', gawk: 'gawk', jq: 'jq', tree: 'tree', diff: 'diffutils',
  cmp: 'diffutils', find: 'findutils', xargs: 'findutils', file: 'file', rg: 'ripgrep', xxd: 'xxd',
  strings: 'binutils', column: 'bsdextrautils', rev: 'bsdextrautils', unshare: 'util-linux', gzip: 'gzip', tar: 'tar',
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
}

function ensureTools() {
  const missing = [...new Set(Object.entries(TOOLS).filter(([c]) => !have(c)).map(([, p]) => p))]
  if (missing.length) {
    if (process.getuid?.() !== 0) throw new Error(`missing tools; install: apt-get install -y ${missing.join(' ')}`)
    console.error(`installing ${missing.join(' ')} with apt-get`)
    const up = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' })
    const inst = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit' })
    if (up.status !== 0 || inst.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed`)
  }
  // `awk` must be gawk (Debian's default alternative may be mawk): a shim directory first in PATH.
  const shim = mkdtempSync(path.join(os.tmpdir(), 'mirage-conf-bin-'))
  symlinkSync(spawnSync('sh', ['-c', 'command -v gawk']).stdout.toString().trim(), path.join(shim, 'awk'))
  // The read-only bind mount needs a private mount namespace.
  const probe = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind / / 2>&1 && echo ok'])
  if (!probe.stdout.toString().includes('ok'))
    throw new Error(`unshare -m / mount --bind do not work here (need root with CAP_SYS_ADMIN): ${probe.stdout}${probe.stderr}`)
  return shim
}

function versions() {
  const first = (cmd) => {
    const r = spawnSync('sh', ['-c', cmd])
    return (r.stdout.toString() || r.stderr.toString()).split('\n')[0].trim()
  }
  let debian = ''
  try {
    debian = readFileSync('/etc/debian_version', 'utf8').trim()
  } catch {}
  return {
    debian,
    bash: first('bash --version'),
    coreutils: first('ls --version'),
    grep: first('grep --version'),
    sed: first('sed --version'),
    gawk: first('gawk --version'),
    jq: first('jq --version'),
    tree: first('tree --version'),
    diffutils: first('diff --version'),
    findutils: first('find --version'),
    file: first('file --version'),
    ripgrep: first('rg --version'),
    xxd: first('xxd -v 2>&1'),
    strings: first('strings --version'),
    column: first('column --version'),
    gzip: first('gzip --version'),
    tar: first('tar --version'),
  }
}

// ------------------------------------------------------------------------------------------------------------
// Materialising a tree

const epoch = (iso) => Date.parse(iso) / 1000

function materialise(root, c, { reverse = false } = {}) {
  const entries = Object.entries(c.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  if (reverse) entries.reverse()
  const dirs = new Set(['data', 'work'])
  for (const [key] of entries) {
    const parts = key.split('/').filter(Boolean)
    const upto = key.endsWith('/') ? parts.length : parts.length - 1
    for (let i = 1; i <= upto; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  const dirList = [...dirs].sort()
  if (reverse) dirList.reverse()
  for (const d of dirList) mkdirSync(path.join(root, d), { recursive: true, mode: 0o755 })
  for (const [key, body] of entries) {
    if (key.endsWith('/')) continue
    if (!/^(data|work)\//.test(key)) throw new Error(`${c.id}: file key must start with data/ or work/: ${key}`)
    writeFileSync(path.join(root, key), bodyOf(body), { mode: 0o644 })
  }
  const def = epoch(c.defaultMtime)
  for (const [key] of entries) {
    if (key.endsWith('/')) continue
    const t = c.mtimes[key] ? epoch(c.mtimes[key]) : def
    utimesSync(path.join(root, key), t, t)
  }
  // Directories last, deepest first, so creating their children does not move their mtime again.
  for (const d of [...dirs].sort((a, b) => b.split('/').length - a.split('/').length)) {
    const t = c.mtimes[d] ? epoch(c.mtimes[d]) : def
    utimesSync(path.join(root, d), t, t)
  }
  utimesSync(root, def, def)
}

// ------------------------------------------------------------------------------------------------------------
// Running one case

function fromLocal(buf, root) {
  let s = buf.toString('latin1') // byte-preserving
  const r = Buffer.from(root, 'utf8').toString('latin1')
  s = s.split(r + '/').join('/')
  s = s.split(r).join('/')
  return Buffer.from(s, 'latin1')
}

/** spawn with stdin, collected output and a timeout (SIGKILL of the whole process group). */
function run(cmd, args, { input, env, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
    const out = []
    const err = []
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {}
    }, timeoutMs)
    child.stdout.on('data', (d) => out.push(d))
    child.stderr.on('data', (d) => err.push(d))
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (status, signal) => {
      clearTimeout(timer)
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), status, signal, timedOut })
    })
    child.stdin.on('error', () => {}) // a command that does not read its stdin
    child.stdin.end(input)
  })
}

const RUNNER =
  'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && cd "$2" && exec bash -c "$3"'

export async function runCase(c, { shim, reverse = false, base } = {}) {
  // makeGnu creates its temp dir synchronously (os.tmpdir() reads TMPDIR), before its first await.
  const saved = process.env.TMPDIR
  if (base) process.env.TMPDIR = base
  const pending = makeGnu({ '/data': {}, '/work': {} })
  if (base) {
    if (saved === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = saved
  }
  const g = await pending
  try {
    materialise(g.root, c, { reverse })
    const command = g.rewrite(c.cmd)
    const leftover = command.split(`${g.root}/data`).join('').split(`${g.root}/work`).join('')
    const warnings = []
    if (/\/(data|work)(\/|$|[^A-Za-z0-9_.-])/.test(leftover))
      warnings.push('a /data or /work path was not rewritten (put it after a space, quote, = or redirection)')
    const cwd = path.join(g.root, c.cwd)
    const res = await run('unshare', ['-m', '--propagation', 'private', 'sh', '-c', RUNNER, 'sh', path.join(g.root, 'data'), cwd, command], {
      input: c.stdin ?? '',
      env: { PATH: `${shim}:/usr/local/bin:/usr/bin:/bin`, HOME: g.root, LC_ALL: 'C', TZ: 'UTC' },
      timeoutMs: CASE_TIMEOUT_MS,
    })
    if (res.timedOut) throw new Error(`${c.id}: timed out after ${CASE_TIMEOUT_MS} ms`)
    return {
      stdout: fromLocal(res.stdout, g.root),
      stderr: fromLocal(res.stderr, g.root),
      exitCode: res.status ?? 128 + (os.constants.signals[res.signal] ?? 0),
      warnings,
    }
  } finally {
    g.cleanup()
  }
}

function isUtf8(buf) {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(buf)
    return true
  } catch {
    return false
  }
}

export function encodeResult(r) {
  const o = { exitCode: r.exitCode }
  for (const k of ['stdout', 'stderr']) {
    if (isUtf8(r[k])) o[k] = r[k].toString('utf8')
    else o[`${k}Base64`] = r[k].toString('base64')
  }
  return o
}

const same = (a, b) => a.exitCode === b.exitCode && a.stdout.equals(b.stdout) && a.stderr.equals(b.stderr)

// ------------------------------------------------------------------------------------------------------------

async function main() {
  process.umask(0o022) // files 0644, directories 0755, inherited by bash
  const args = process.argv.slice(2)
  const opt = (name) => {
    const i = args.indexOf(name)
    return i >= 0 ? args[i + 1] : undefined
  }
  const only = opt('--only')?.split(',').filter(Boolean)
  const show = opt('--show')
  const verify = !args.includes('--no-verify')
  const shim = ensureTools()
  try {
    const topics = loadTopics()
    const ids = new Set()
    for (const t of topics)
      for (const c of t.cases) {
        if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`)
        ids.add(c.id)
      }

    if (show) {
      const c = topics.flatMap((t) => t.cases).find((x) => x.id === show)
      if (!c) throw new Error(`no case ${show}`)
      const r = await runCase(c, { shim })
      console.log(JSON.stringify({ id: c.id, cmd: c.cmd, ...encodeResult(r) }, null, 2))
      return
    }

    const tmpfs = existsSync('/dev/shm') ? '/dev/shm' : undefined
    const outDir = path.join(CONF, 'expected')
    mkdirSync(outDir, { recursive: true })
    let recorded = 0
    const problems = []
    const probe = mkdtempSync(path.join(os.tmpdir(), 'mirage-conf-probe-'))
    const dirSize = statSync(probe).size
    rmSync(probe, { recursive: true, force: true })
    if (dirSize !== 4096) console.error(`note: directories in ${os.tmpdir()} are ${dirSize} bytes, not 4096 (fsDependent cases will differ)`)

    const jobs = []
    for (const t of topics) {
      const selected = (c) => !only || only.includes(t.topic) || only.includes(c.id)
      for (const c of t.cases) if (selected(c)) jobs.push(c)
    }
    const results = new Map()
    let next = 0
    const worker = async () => {
      while (next < jobs.length) {
        const c = jobs[next++]
        const r = await runCase(c, { shim })
        for (const w of r.warnings) problems.push(`${c.id}: ${w}`)
        if (verify && tmpfs && !c.fsDependent) {
          const r2 = await runCase(c, { shim, reverse: true, base: tmpfs })
          if (!same(r, r2))
            problems.push(
              `${c.id}: output differs between two recordings (readdir order, time or file system): ` +
                JSON.stringify({ first: encodeResult(r), second: encodeResult(r2) }),
            )
        }
        results.set(c.id, encodeResult(r))
        if (results.size % 100 === 0) process.stderr.write(`${results.size}/${jobs.length}\n`)
      }
    }
    await Promise.all(Array.from({ length: JOBS }, worker))
    for (const t of topics) {
      if (!t.cases.some((c) => results.has(c.id))) continue
      const file = path.join(outDir, `${t.topic}.json`)
      const prev = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}
      const out = {}
      for (const c of t.cases) {
        const r = results.get(c.id) ?? prev[c.id]
        if (r) out[c.id] = r
      }
      writeFileSync(file, JSON.stringify(out, null, 2) + '\n')
    }
    recorded = results.size
    // Drop fixtures of topics that no longer exist.
    const names = new Set(topics.map((t) => `${t.topic}.json`))
    for (const f of readdirSync(outDir)) if (f.endsWith('.json') && !f.startsWith('_') && !names.has(f)) rmSync(path.join(outDir, f))
    writeFileSync(path.join(outDir, '_meta.json'), JSON.stringify({ tools: versions(), env: { LC_ALL: 'C', TZ: 'UTC' } }, null, 2) + '\n')
    console.log(`recorded ${recorded} cases into ${path.relative(REPO, outDir)}/`)
    if (problems.length) {
      console.error(`\n${problems.length} problem(s):\n${problems.join('\n')}`)
      process.exitCode = 1
    }
  } finally {
    rmSync(shim, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('record-conformance.mjs')) {
  main().catch((e) => {
    console.error(e.stack || String(e))
    process.exit(1)
  })
}
