// Type tests for the generated index.d.ts, run by `npx tsc -p __test__/tsconfig.json` (part of `npm test`).
// Each block is what a user writes; `// @ts-expect-error` marks code that must NOT compile. This file is only
// type-checked, never executed.

import {
  BackblazeResource,
  DiskResource,
  type ExecuteResult,
  MountMode,
  RAMResource,
  S3Resource,
  Workspace,
} from '../index.js'

// The README quick start.
export async function quickStart(): Promise<string> {
  const b2 = new BackblazeResource({
    bucket: process.env.B2_BUCKET ?? 'my-bucket',
    region: process.env.B2_REGION ?? 'us-west-004',
    accessKeyId: process.env.B2_ACCESS_KEY_ID ?? '',
    secretAccessKey: process.env.B2_SECRET_ACCESS_KEY ?? '',
  })
  const ws = new Workspace({ '/bucket/': b2 }, { mode: MountMode.READ })
  const res: ExecuteResult = await ws.execute('ls /bucket/ | head -n 3')
  const code: number = res.exitCode
  const out: Uint8Array = res.stdout
  const err: Uint8Array = res.stderr
  const errText: string = res.stderrText
  void code, out, err, errText
  await ws.close()
  return res.stdoutText
}

// Modes as plain strings type-check too (constEnum: false), and per-mount overrides.
export async function mixedMounts(): Promise<void> {
  const b2 = new BackblazeResource({
    bucket: 'b',
    region: 'us-west-004',
    accessKeyId: 'k',
    secretAccessKey: 's',
    endpoint: 'http://127.0.0.1:9000',
    timeoutMs: 5000,
  })
  const endpoint: string = b2.endpoint
  const kind: string = b2.kind
  void endpoint, kind
  const s3 = new S3Resource({
    bucket: 'b',
    region: 'us-east-1',
    accessKeyId: 'k',
    secretAccessKey: 's',
    endpoint: 'http://127.0.0.1:9000',
    forcePathStyle: true,
    keyPrefix: 'users/abc/',
    timeoutMs: 5000,
  })
  const ws1 = new Workspace({ '/bucket/': b2 }, { mode: 'read' })
  const ws2 = new Workspace(
    { '/bucket/': b2, '/s3/': s3, '/tmp/': new RAMResource(), '/data/': new DiskResource({ root: '/srv/data' }) },
    { mode: MountMode.READ, modeOverrides: { '/tmp/': 'write', '/data/': MountMode.WRITE } },
  )
  const ac = new AbortController()
  const r = await ws2.execute('cat a.txt | wc -l', {
    stdin: new Uint8Array([104, 105]),
    cwd: '/bucket/',
    env: { LANG: 'C' },
    signal: ac.signal,
  })
  void r.stdoutText
  const cwd: string = ws2.cwd
  void cwd
  const text: string = await ws2.fs.readFileText('/bucket/a.txt')
  void text
  await ws1.close()
  await ws2.close()
}

// What must not compile.
export function misuse(ws: Workspace, b2: BackblazeResource): void {
  // @ts-expect-error: `bucket` is required
  new BackblazeResource({ region: 'us-west-004', accessKeyId: 'k', secretAccessKey: 's' })

  // @ts-expect-error: the command is a string
  void ws.execute(42)

  // @ts-expect-error: not a mount mode
  new Workspace({ '/bucket/': b2 }, { mode: 'readonly' })

  // @ts-expect-error: the resolved endpoint is read-only
  b2.endpoint = 'https://evil.example'
}
