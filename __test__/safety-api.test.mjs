// The API side of running untrusted commands: how an abort, a deadline and close() end a
// command that would otherwise run forever, and a JS command that calls back into its own
// session. (The probes of every hostile input are in hostile.test.mjs.)
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Workspace, RAMResource } = require('../main.js')

const ram = () => new Workspace({ '/data/': new RAMResource() }, { mode: 'write' })

describe('stopping a command', () => {
  it('an AbortSignal rejects with an AbortError and the command stops', async () => {
    const ws = ram()
    const ac = new AbortController()
    setTimeout(() => ac.abort(), 150)
    const t0 = Date.now()
    await assert.rejects(ws.execute('while :; do :; done', { signal: ac.signal }), (e) => {
      assert.equal(e.name, 'AbortError')
      assert.equal(e.code, 'Cancelled')
      return true
    })
    assert.ok(Date.now() - t0 < 1150, `took ${Date.now() - t0} ms`)
    // An already aborted signal rejects the same way, before anything runs.
    await assert.rejects(ws.execute('echo never > /data/x', { signal: AbortSignal.abort() }), { name: 'AbortError' })
    assert.equal((await ws.execute('cat /data/x')).exitCode, 1)
    await ws.close()
  })

  it('executeStream rejects its exitCode with an AbortError too', async () => {
    const ws = ram()
    const ac = new AbortController()
    const s = ws.executeStream('while :; do :; done', { signal: ac.signal })
    setTimeout(() => ac.abort(), 100)
    await assert.rejects(s.exitCode, { name: 'AbortError' })
    await ws.close()
  })

  it('close() stops what is running and resolves once it stopped', async () => {
    const ws = ram()
    const running = ws.execute('while :; do :; done').then(
      () => null,
      (e) => e,
    )
    await new Promise((r) => setTimeout(r, 150))
    const t0 = Date.now()
    await ws.close()
    assert.ok(Date.now() - t0 < 1000, `close took ${Date.now() - t0} ms`)
    assert.match(String(await running), /Workspace is closed/)
    await assert.rejects(ws.execute('echo hi'), /Workspace is closed/)
  })

  it("one workspace's endless loops do not hold up another's echo", async () => {
    const busy = ram()
    const other = ram()
    const loops = [1, 2, 3, 4].map(() => busy.execute('while :; do :; done', { timeoutMs: 1500 }))
    await new Promise((r) => setTimeout(r, 100))
    let worst = 0
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now()
      const r = await other.execute('echo ok', { timeoutMs: 1000 })
      worst = Math.max(worst, performance.now() - t0)
      assert.equal(r.stdoutText, 'ok\n')
    }
    for (const r of await Promise.all(loops)) assert.equal(r.exitCode, 124)
    assert.ok(worst < 250, `echo took up to ${worst.toFixed(1)} ms beside 4 endless loops`)
  })
})

describe('JS commands calling back in', () => {
  it('an execute on the session that waits for the handler is refused, other sessions work', async () => {
    const ws = ram()
    await ws.createSession('other')
    ws.command('nested', async (args) => {
      const inner = await ws.execute('echo inner', { sessionId: args[0] === 'other' ? 'other' : undefined }).then(
        (r) => r.stdoutText,
        (e) => `refused: ${e.code}: ${e.message}\n`,
      )
      return { stdout: inner, exitCode: 0 }
    })
    const same = await ws.execute('nested', { timeoutMs: 5000 })
    assert.equal(same.exitCode, 0)
    assert.match(same.stdoutText, /^refused: ERR_MIRAGE_REENTRANT: session 'default' is waiting for the JS command 'nested'/)
    const other = await ws.execute('nested other', { timeoutMs: 5000 })
    assert.equal(other.stdoutText, 'inner\n')
    await ws.close()
  })
})
