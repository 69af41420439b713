// npm run demo                       -> runs on the bundled examples/sample-bucket/ folder (no credentials needed)
// B2_BUCKET=... B2_REGION=... B2_ACCESS_KEY_ID=... B2_SECRET_ACCESS_KEY=... npm run demo
//                                    -> mounts that Backblaze B2 bucket instead (read-only); B2_ENDPOINT optionally
//                                       points it at another S3-compatible server (e.g. a local one for testing)
// npm run demo -- 'ls /bucket/' 'cat /bucket/x | wc -l'
//                                    -> runs your own commands instead of the built-in list
//
// In both cases /bucket/ is READ-only and /tmp/ is an in-memory WRITE mount.

import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const require = createRequire(import.meta.url)
let addon
try {
  addon = require('../index.js')
} catch (err) {
  console.error('Could not load the native addon. Build it first with `npm run build` (or `npm run build:debug`).')
  console.error(String(err?.message ?? err))
  process.exit(1)
}
const { Workspace, BackblazeResource, DiskResource, RAMResource, MountMode } = addon

const here = path.dirname(fileURLToPath(import.meta.url))
const sampleDir = path.join(here, 'sample-bucket')

const b2Env = ['B2_BUCKET', 'B2_REGION', 'B2_ACCESS_KEY_ID', 'B2_SECRET_ACCESS_KEY']
const useB2 = b2Env.every((k) => process.env[k])
if (!useB2 && b2Env.some((k) => process.env[k])) {
  console.error(`Note: set all of ${b2Env.join(', ')} to use a B2 bucket; using the bundled sample folder.\n`)
}

let bucket
if (useB2) {
  bucket = new BackblazeResource({
    bucket: process.env.B2_BUCKET,
    region: process.env.B2_REGION,
    accessKeyId: process.env.B2_ACCESS_KEY_ID,
    secretAccessKey: process.env.B2_SECRET_ACCESS_KEY,
    ...(process.env.B2_ENDPOINT ? { endpoint: process.env.B2_ENDPOINT } : {}),
  })
  console.log(`Mounted B2 bucket ${process.env.B2_BUCKET} (${bucket.endpoint}) at /bucket/ (read-only)`)
} else {
  bucket = new DiskResource({ root: sampleDir })
  console.log(`Mounted ${path.relative(process.cwd(), sampleDir) || sampleDir} at /bucket/ (read-only)`)
}
console.log('Mounted an in-memory folder at /tmp/ (writable)\n')

const ws = new Workspace(
  { '/bucket/': bucket, '/tmp/': new RAMResource() },
  { mode: MountMode.READ, modeOverrides: { '/tmp/': MountMode.WRITE } },
)

const sampleCommands = [
  'ls /bucket/',
  'ls /bucket/logs/',
  'cat /bucket/logs/app-2024-01-01.log | wc -l',
  'head -n 3 /bucket/data/sales.csv',
  'cat /bucket/data/sales.csv | head -n 4 | wc -l && echo "header + 3 rows"',
  'cat "/bucket/release notes.txt"',
  'wc -l /bucket/logs/app-2024-01-01.log /bucket/logs/app-2024-01-02.log',
  'cd /bucket/reports/2024 && pwd && ls q1 && head -n 2 q1/summary.txt',
  'echo "written by the demo" > /tmp/note.txt && cat /tmp/note.txt | wc -c',
  'cat /bucket/missing.txt || echo "fallback: there is no missing.txt"',
  'echo nope > /bucket/new.txt',
]
const b2Commands = [
  'ls /bucket/ | head -n 20',
  'ls /bucket/ | wc -l',
  'echo "written by the demo" > /tmp/note.txt && cat /tmp/note.txt',
  'cat /bucket/this-key-should-not-exist.txt || echo "fallback: no such key"',
  'echo nope > /bucket/new.txt',
]
const commands = process.argv.length > 2 ? process.argv.slice(2) : useB2 ? b2Commands : sampleCommands

const indent = (text, mark) =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `${mark}${l}`)
    .join('\n')

let failures = 0
for (const command of commands) {
  console.log(`$ ${command}`)
  try {
    const r = await ws.execute(command)
    if (r.stdout.length) console.log(indent(r.stdoutText, '  '))
    if (r.stderr.length) console.log(indent(r.stderrText, '  stderr: '))
    console.log(`  [exit ${r.exitCode}]\n`)
  } catch (err) {
    failures++
    console.log(`  execute() rejected: ${err?.message ?? err}\n`)
  }
}

await ws.close()
process.exitCode = failures ? 1 : 0
