// A real redis-server for tests and the benchmark: on 127.0.0.1, a random port, no persistence.
//
//   const why = ensureRedisServer()          // null when usable, else the reason it is not (for a skip)
//   const r = await startRedis()             // { port, url, pid, cli(...args), stop() }
//   const r2 = await startRedis({ port: r.port })   // again on the same port, after r.stop()
//
// `ensureRedisServer` installs the Debian package `redis-server` when the binary is missing
// (`apt-get update && apt-get install -y redis-server`, bounded in time).

import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants as fsConstants } from 'node:fs'
import net from 'node:net'
import { freePort } from './s3server.mjs'

function findBin(name) {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/bin', '/usr/local/bin', '/usr/sbin']) {
    if (!dir) continue
    try {
      accessSync(`${dir}/${name}`, fsConstants.X_OK)
      return `${dir}/${name}`
    } catch {}
  }
  return null
}

/** Null when redis-server and redis-cli are there (installing them if needed), else why not. */
export function ensureRedisServer() {
  if (findBin('redis-server') && findBin('redis-cli')) return null
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const opts = { stdio: ['ignore', 'ignore', 'pipe'], env, timeout: 240_000 }
  const u = spawnSync('apt-get', ['update'], opts)
  if (u.status !== 0) return `apt-get update failed (${u.error?.message ?? u.stderr?.toString().trim().split('\n').pop()})`
  const i = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], opts)
  if (i.status !== 0) return `apt-get install redis-server failed (${i.error?.message ?? i.stderr?.toString().trim().split('\n').pop()})`
  return findBin('redis-server') && findBin('redis-cli') ? null : 'redis-server not found after apt-get install'
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port })
    const done = (ok) => (s.destroy(), resolve(ok))
    s.setTimeout(300, () => done(false))
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

const live = new Set()
process.on('exit', () => {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
  }
})

export async function startRedis({ port = null } = {}) {
  const bin = findBin('redis-server')
  const cliBin = findBin('redis-cli')
  for (let attempt = 0; attempt < 5; attempt++) {
    const p = port ?? (await freePort())
    const child = spawn(bin, ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'ignore', 'ignore'],
    })
    let exited = false
    child.once('exit', () => {
      exited = true
      live.delete(child.pid)
    })
    live.add(child.pid)
    const end = Date.now() + 5000
    while (Date.now() < end && !exited) {
      if (await canConnect(p)) {
        return {
          port: p,
          url: `redis://127.0.0.1:${p}/0`,
          pid: child.pid,
          /** Run redis-cli against this server; returns stdout as a Buffer. */
          cli: (...args) => spawnSync(cliBin, ['-h', '127.0.0.1', '-p', String(p), ...args], { timeout: 30_000, maxBuffer: 1 << 28 }).stdout,
          stop: () =>
            new Promise((resolve) => {
              if (exited) return resolve()
              child.once('exit', () => resolve())
              child.kill('SIGKILL')
            }),
        }
      }
      await new Promise((r) => setTimeout(r, 30))
    }
    if (!exited) child.kill('SIGKILL')
    if (port !== null) await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`redis-server did not start${port ? ` on port ${port}` : ''}`)
}
