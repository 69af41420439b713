// ws.command(name, handler): commands written in JavaScript run in pipelines like built-in ones.
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const { Workspace, RAMResource } = require('../index.js')

describe('ws.command', () => {
  it('a JS command reads stdin and args, and its output flows through a pipe', async () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() }, { mode: 'write' })
    const seen = []
    ws.command('shout', async (args, { stdin, cwd, env }) => {
      seen.push({ args, cwd, who: env.WHO })
      return { stdout: Buffer.from(stdin).toString().toUpperCase(), exitCode: 0 }
    })
    const r = await ws.execute('cd /tmp && echo hello | WHO=me shout -x y | wc -c')
    assert.equal(r.stdoutText, '6\n')
    assert.equal(r.exitCode, 0)
    assert.deepEqual(seen, [{ args: ['-x', 'y'], cwd: '/tmp', who: 'me' }])
  })

  it('its exit code and stderr are the command status and stderr', async () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() })
    ws.command('fail', async () => ({ stderr: 'fail: nope\n', exitCode: 3 }))
    const r = await ws.execute('fail; echo "status $?"')
    assert.equal(r.stdoutText, 'status 3\n')
    assert.equal(r.stderrText, 'fail: nope\n')
  })

  it('a handler that throws fails the command with exit 1, and execute still resolves', async () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() })
    ws.command('boom', async () => {
      throw new Error('kaput')
    })
    const r = await ws.execute('boom || echo recovered')
    assert.equal(r.stdoutText, 'recovered\n')
    assert.equal(r.stderrText, 'boom: kaput\n')
  })

  it('rejects a name with a space or a slash', () => {
    const ws = new Workspace({ '/tmp/': new RAMResource() })
    assert.throws(() => ws.command('a b', async () => ({})), /invalid name/)
  })
})
