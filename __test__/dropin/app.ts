// A server-side program written against @struktoai/mirage-node's types. The drop-in test compiles it
// with `tsc --strict` against that package AND against mirage-native with only the import line changed,
// then runs the mirage-native build. Keep it to the API both share.
import { BackblazeResource, CommandSafeguard, MountMode, RAMResource, Workspace } from '@struktoai/mirage-node'

async function main(): Promise<void> {
  const env = process.env
  const b2 = new BackblazeResource({
    bucket: env.B2_BUCKET!,
    region: env.B2_REGION!,
    accessKeyId: env.B2_ACCESS_KEY_ID!,
    secretAccessKey: env.B2_SECRET_ACCESS_KEY!,
    endpoint: env.B2_ENDPOINT,
  })
  const ws = new Workspace(
    { '/bucket/': b2, '/tmp/': new RAMResource() },
    {
      mode: MountMode.READ,
      modeOverrides: { '/tmp/': MountMode.WRITE },
      historyLimit: 50,
      commandSafeguards: { '/bucket/': { cat: new CommandSafeguard({ maxLines: 1000 }) } },
    },
  )
  const lines: string[] = []
  const out = (s: string): void => {
    lines.push(s)
  }

  // execute and its options
  const res = await ws.execute('ls /bucket/')
  out(`ls:${res.exitCode}:${res.stdoutText.trim().split('\n').join(',')}`)
  const piped = await ws.execute('wc -l', { stdin: new TextEncoder().encode('a\nb\n') })
  out(`stdin:${piped.stdoutText.trim()}`)
  const forked = await ws.execute('pwd; echo $X', { cwd: '/tmp', env: { X: 'y' } })
  out(`fork:${forked.stdoutText.trim().split('\n').join(',')}`)
  const missing = await ws.execute('cat /bucket/nope.txt')
  out(`missing:${missing.exitCode}:${missing.stderrText.trim()}`)

  // sessions
  ws.createSession('agent', { allowedMounts: new Set(['/tmp/']) })
  await ws.execute('cd /tmp', { sessionId: 'agent' })
  out(`session:${ws.getSession('agent').cwd}:${ws.listSessions().length}`)
  const denied = await ws.execute('ls /bucket/', { sessionId: 'agent' })
  out(`denied:${denied.exitCode}`)
  await ws.closeSession('agent')
  await ws.closeAllSessions()

  // provision
  const p = await ws.provision('cat /bucket/readme.txt')
  out(`provision:${p.networkReadHigh}:${p.precision}:${(p.estimatedCostUsd ?? 0) > 0}`)

  // history and records
  out(`history:${ws.history.entries().length > 0}:${ws.history.entries()[0]!.command}`)
  out(`records:${ws.records.length > 0}`)

  // mounts at run time, prompt, fs
  ws.addMount('/more/', new RAMResource(), MountMode.WRITE)
  out(`mounts:${ws.mounts().map((m) => m.prefix).join(',')}`)
  out(`mount:${ws.mount('/more/')?.prefix}`)
  await ws.unmount('/more/')
  out(`prompt:${ws.filePrompt.includes('/bucket/')}`)
  await ws.fs.writeFile('/tmp/note.txt', 'hi\n')
  out(`fs:${(await ws.fs.readFileText('/tmp/note.txt')).trim()}:${ws.cwd}`)

  // snapshots
  const size = await ws.snapshot(env.SNAPSHOT_PATH!)
  const back = await Workspace.load(env.SNAPSHOT_PATH!, undefined, { '/bucket/': b2 })
  out(`snapshot:${size > 0}:${(await back.execute('cat /tmp/note.txt')).stdoutText.trim()}`)

  await ws.close()
  console.log(lines.join('\n'))
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
