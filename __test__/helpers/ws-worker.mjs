// A workspace in its own Node process, for tests and benchmarks that need several "server instances".
//
//   const w = await startWorker({ endpoint, bucket, accessKeyId, secretAccessKey, region, options })
//   const r = await w.run('ls /b/dir')      // { stdout, stderr, exitCode }
//   await w.stop()
//
// `options` are the Workspace options, plain JSON; `options.cache = { redisFileCacheStore: {...} }` is turned into
// `new RedisFileCacheStore({...})` in the child. The bucket is mounted at /b/ in write mode.

import { fork } from 'node:child_process'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const self = fileURLToPath(import.meta.url)

export function startWorker(config) {
  const child = fork(self, ['--worker'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  let next = 0
  const waiting = new Map()
  child.on('message', (m) => {
    const w = waiting.get(m.id)
    if (!w) return
    waiting.delete(m.id)
    if (m.error) w.reject(new Error(m.error))
    else w.resolve(m.result)
  })
  child.on('exit', () => {
    for (const w of waiting.values()) w.reject(new Error('worker exited'))
    waiting.clear()
  })
  const call = (msg, timeoutMs = 60_000) =>
    new Promise((resolve, reject) => {
      const id = ++next
      const t = setTimeout(() => {
        waiting.delete(id)
        reject(new Error(`worker: no answer to ${JSON.stringify(msg.cmd ?? msg.op)} within ${timeoutMs} ms`))
      }, timeoutMs)
      waiting.set(id, {
        resolve: (v) => (clearTimeout(t), resolve(v)),
        reject: (e) => (clearTimeout(t), reject(e)),
      })
      child.send({ id, ...msg })
    })
  return call({ op: 'init', config }).then(() => ({
    pid: child.pid,
    run: (cmd) => call({ op: 'run', cmd }),
    /** `ws.fs[method](...args)`; resolves to its result (or rejects with its message). */
    fs: (method, ...args) => call({ op: 'fs', method, args }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        const t = setTimeout(() => child.kill('SIGKILL'), 3000)
        child.once('exit', () => (clearTimeout(t), resolve()))
        child.send({ id: 0, op: 'exit' })
      }),
  }))
}

if (process.argv[2] === '--worker') {
  const require = createRequire(import.meta.url)
  const { Workspace, BackblazeResource, RedisFileCacheStore } = require('../../index.js')
  let ws
  process.on('message', async (m) => {
    try {
      if (m.op === 'exit') process.exit(0)
      if (m.op === 'init') {
        const c = m.config
        const b = new BackblazeResource({
          bucket: c.bucket,
          region: c.region ?? 'us-east-1',
          accessKeyId: c.accessKeyId,
          secretAccessKey: c.secretAccessKey,
          endpoint: c.endpoint,
        })
        const options = { mode: 'write', ...(c.options ?? {}) }
        if (options.cache?.redisFileCacheStore) options.cache = new RedisFileCacheStore(options.cache.redisFileCacheStore)
        ws = new Workspace({ '/b/': b }, options)
        process.send({ id: m.id, result: true })
      } else if (m.op === 'run') {
        const r = await ws.execute(m.cmd)
        process.send({ id: m.id, result: { stdout: r.stdoutText, stderr: r.stderrText, exitCode: r.exitCode } })
      } else if (m.op === 'fs') {
        const v = await ws.fs[m.method](...m.args)
        process.send({ id: m.id, result: v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v ?? null })
      }
    } catch (e) {
      process.send({ id: m.id, error: String(e?.message ?? e) })
    }
  })
}
