// A real, signature-checking S3 server for the Node tests: s3s-fs on 127.0.0.1.
//
//   const s3 = await startS3Server({ tree: { 'a.txt': 'hello\n', 'dir/b.txt': 'b\n' } })
//   new BackblazeResource({ bucket: s3.bucket, region: 'us-east-1', endpoint: s3.endpoint,
//                           accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey })
//   ...
//   await s3.stop()
//
// s3s-fs serves every top-level folder of its data dir as a bucket and stores each object as a plain file, so the
// fastest way to seed thousands of keys is to write files straight into `<dataDir>/<bucket>/` (seedTree below).
// Known quirks of s3s-fs 0.14.1 (not bugs of ours): a key that is a folder on its disk answers 500 on HEAD/GET
// (real S3 answers 404), and a zero-byte `dir/` marker key becomes an empty folder that LIST does not show.

import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, accessSync, constants as fsConstants } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

// Credentials of this test process. They are random-ish and distinctive so that a leak test can search any output
// for them (see `secretsIn`). Exported so other test files can grep for them too.
export const TEST_ACCESS_KEY_ID = `MIRAGETESTAKID${randomBytes(6).toString('hex').toUpperCase()}`
export const TEST_SECRET_ACCESS_KEY = `mirageTestSecret/${randomBytes(12).toString('base64url')}+Zz`
export const TEST_BUCKET = 'test-bucket'

/** Every credential-like string a test must never see in output, for the given server (or the defaults). */
export function secretsOf(server) {
  return [server?.accessKeyId ?? TEST_ACCESS_KEY_ID, server?.secretAccessKey ?? TEST_SECRET_ACCESS_KEY]
}

/** The subset of `needles` that occur in `haystack` (a string, Buffer or Uint8Array). */
export function secretsIn(haystack, needles = secretsOf()) {
  const text = typeof haystack === 'string' ? haystack : Buffer.from(haystack ?? []).toString('utf8')
  return needles.filter((n) => n && text.includes(n))
}

/** Path of the s3s-fs binary: $S3S_FS_BIN, else PATH, else ~/.cargo/bin/s3s-fs. Throws with the install command. */
export function findS3sFs() {
  const candidates = []
  if (process.env.S3S_FS_BIN) candidates.push(process.env.S3S_FS_BIN)
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(path.join(dir, 's3s-fs'))
  candidates.push(path.join(os.homedir(), '.cargo', 'bin', 's3s-fs'))
  for (const c of candidates) {
    try {
      accessSync(c, fsConstants.X_OK)
      return c
    } catch {}
  }
  throw new Error(
    's3s-fs not found (looked at $S3S_FS_BIN, PATH and ~/.cargo/bin). Install it with: ' +
      'cargo install s3s-fs@0.14.1 --features binary --locked',
  )
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

function canConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port })
    const done = (ok) => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(500, () => done(false))
    sock.once('connect', () => done(true))
    sock.once('error', () => done(false))
  })
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * Write `tree` ({ 'key/with/slashes': string | Buffer | Uint8Array }) as files under `root`.
 * Keys ending in '/' create an (empty) folder. Parents are created as needed. Returns the number of files written.
 */
export async function writeTree(root, tree) {
  const entries = Object.entries(tree)
  const dirs = new Set()
  for (const [key] of entries) {
    const full = path.join(root, key)
    dirs.add(key.endsWith('/') ? full : path.dirname(full))
  }
  for (const d of [...dirs].sort()) await mkdir(d, { recursive: true })
  let n = 0
  // Bounded parallelism: fast for 1,200 keys without hitting EMFILE.
  const files = entries.filter(([k]) => !k.endsWith('/'))
  for (let i = 0; i < files.length; i += 64) {
    await Promise.all(
      files.slice(i, i + 64).map(([key, body]) => writeFile(path.join(root, key), body).then(() => n++)),
    )
  }
  return n
}

/** `count` small keys `<prefix>k0000.txt` … with one line each; for pagination tests (> 1000 keys). */
export function manyKeys(prefix, count, { width = 4 } = {}) {
  const tree = {}
  for (let i = 0; i < count; i++) {
    const name = `k${String(i).padStart(width, '0')}.txt`
    tree[`${prefix}${name}`] = `line ${i} of ${prefix}${name}\n`
  }
  return tree
}

const running = new Set()
let exitHookInstalled = false
function installExitHooks() {
  if (exitHookInstalled) return
  exitHookInstalled = true
  // A failing or crashing test must never leave a server behind. 'exit' handlers may only do synchronous work:
  // SIGKILL by pid and remove the temp dir.
  process.on('exit', () => {
    for (const s of running) s._killSync()
  })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => {
      for (const s of running) s._killSync()
      // Re-raise with the default handler so the exit status still says "killed by signal".
      process.kill(process.pid, sig)
    })
  }
}

/**
 * Start s3s-fs on a free 127.0.0.1 port with a temp data dir holding one bucket folder.
 * Options: bucket, accessKeyId, secretAccessKey, tree (seeded before start), startTimeoutMs.
 * Resolves to { endpoint, bucket, accessKeyId, secretAccessKey, dataDir, bucketDir, port, pid, seed(tree), logs(), stop() }.
 */
export async function startS3Server({
  bucket = TEST_BUCKET,
  accessKeyId = TEST_ACCESS_KEY_ID,
  secretAccessKey = TEST_SECRET_ACCESS_KEY,
  tree = null,
  startTimeoutMs = 15_000,
} = {}) {
  const bin = findS3sFs()
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mirage-s3s-'))
  const bucketDir = path.join(dataDir, bucket)
  await mkdir(bucketDir, { recursive: true })
  if (tree) await writeTree(bucketDir, tree)
  installExitHooks()

  let lastError
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort()
    const child = spawn(
      bin,
      ['--host', '127.0.0.1', '--port', String(port), '--access-key', accessKeyId, '--secret-key', secretAccessKey, dataDir],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' } },
    )
    // Keep the tail of its log for diagnostics, and always drain the pipes so the server never blocks on them.
    let log = ''
    const keep = (chunk) => {
      log = (log + chunk.toString()).slice(-16_000)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    let exited = null
    child.once('exit', (code, signal) => {
      exited = { code, signal }
    })
    const spawnError = new Promise((resolve) => child.once('error', resolve))
    let spawnErr = null
    spawnError.then((e) => {
      spawnErr = e
    })

    const server = {
      endpoint: `http://127.0.0.1:${port}`,
      port,
      bucket,
      accessKeyId,
      secretAccessKey,
      dataDir,
      bucketDir,
      pid: child.pid,
      logs: () => log,
      /** Write more keys straight into the bucket folder (visible to the next LIST/GET). */
      seed: (t) => writeTree(bucketDir, t),
      _killSync() {
        if (exited === null && child.pid) {
          try {
            process.kill(child.pid, 'SIGKILL')
          } catch {}
        }
        rmSync(dataDir, { recursive: true, force: true })
        running.delete(server)
      },
      /** Kill the server (by pid) and remove its data dir. Idempotent. */
      async stop() {
        running.delete(server)
        if (exited === null && child.pid) {
          const gone = new Promise((r) => child.once('exit', r))
          try {
            process.kill(child.pid, 'SIGTERM')
          } catch {}
          const t = setTimeout(() => {
            try {
              process.kill(child.pid, 'SIGKILL')
            } catch {}
          }, 2000)
          await gone
          clearTimeout(t)
        }
        rmSync(dataDir, { recursive: true, force: true })
      },
    }
    running.add(server)

    const deadline = Date.now() + startTimeoutMs
    let up = false
    while (Date.now() < deadline) {
      if (spawnErr || exited) break
      if (await canConnect(port)) {
        up = true
        break
      }
      await sleep(50)
    }
    if (up) return server
    lastError = new Error(
      `s3s-fs did not come up on 127.0.0.1:${port} ` +
        (spawnErr ? `(spawn error: ${spawnErr.message})` : exited ? `(exited ${JSON.stringify(exited)})` : '(timeout)') +
        `\n${log}`,
    )
    // Kill this attempt but keep the data dir for the next one.
    running.delete(server)
    if (exited === null) {
      try {
        process.kill(child.pid, 'SIGKILL')
      } catch {}
    }
    if (spawnErr) break // a missing/broken binary will not fix itself
    // Otherwise most likely the port was taken between freePort() and bind: retry on another port.
  }
  rmSync(dataDir, { recursive: true, force: true })
  throw lastError
}

/** True when the s3s-fs binary can be found (for skipping with a clear reason instead of failing obscurely). */
export function haveS3sFs() {
  try {
    findS3sFs()
    return true
  } catch {
    return false
  }
}

// Allow `node __test__/helpers/s3server.mjs` as a manual smoke check: start, print, stop on Enter/Ctrl-C.
if (import.meta.url === `file://${process.argv[1]}`) {
  const s = await startS3Server({ tree: { 'a.txt': 'hello a.txt\n' } })
  console.log({ endpoint: s.endpoint, bucket: s.bucket, dataDir: s.dataDir, pid: s.pid })
  const r = spawnSync('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', `${s.endpoint}/${s.bucket}/a.txt`])
  console.log('unsigned GET ->', r.stdout?.toString())
  await s.stop()
  console.log('stopped; data dir exists:', existsSync(s.dataDir))
}
