// Drop-in: a TypeScript program written against @struktoai/mirage-node's types compiles with
// `tsc --strict` against that package and, with only its import line changed, against this one; then it
// runs here against a local S3 server.
import { describe, it, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startS3Server } from './helpers/s3server.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const tsc = join(root, 'node_modules', '.bin', 'tsc')
const source = readFileSync(join(root, '__test__', 'dropin', 'app.ts'), 'utf8')

function tsconfig(files, extra = {}) {
  return JSON.stringify({
    compilerOptions: {
      strict: true,
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      target: 'ES2022',
      lib: ['ES2022', 'DOM'],
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      ...extra,
    },
    files,
  })
}

let s3
let dir
before(async () => {
  s3 = await startS3Server({ tree: { 'readme.txt': 'hello\n', 'logs/a.log': 'x\n' } })
  dir = mkdtempSync(join(tmpdir(), 'mirage-dropin-'))
})
after(async () => {
  await s3?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('drop-in replacement for @struktoai/mirage-node', () => {
  it('the program type-checks against the reference package', () => {
    // Compiled inside the project so the reference resolves from node_modules; its own .d.ts is not ours to check.
    const cfg = join(root, '__test__', 'dropin', 'tsconfig.reference.json')
    writeFileSync(cfg, tsconfig([join(root, '__test__', 'dropin', 'app.ts')], { noEmit: true, skipLibCheck: true }))
    try {
      execFileSync(tsc, ['-p', cfg], { stdio: 'pipe' })
    } finally {
      rmSync(cfg, { force: true })
    }
  })

  it('with only the import changed it compiles against mirage-native (strict, lib checked) and runs', () => {
    const swapped = source.replace("from '@struktoai/mirage-node'", "from 'mirage-native'")
    assert.notEqual(swapped, source, 'the import line was found')
    assert.equal(swapped.split('\n').filter((l, i) => l !== source.split('\n')[i]).length, 1, 'exactly one line differs')
    mkdirSync(join(dir, 'node_modules'), { recursive: true })
    symlinkSync(root, join(dir, 'node_modules', 'mirage-native'), 'dir')
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}')
    writeFileSync(join(dir, 'app.ts'), swapped)
    writeFileSync(join(dir, 'tsconfig.json'), tsconfig(['app.ts'], { outDir: 'out', skipLibCheck: false }))
    execFileSync(tsc, ['-p', dir], { stdio: 'pipe' })
    const out = execFileSync(process.execPath, [join(dir, 'out', 'app.js')], {
      env: {
        PATH: process.env.PATH,
        B2_BUCKET: s3.bucket,
        B2_REGION: 'us-east-1',
        B2_ACCESS_KEY_ID: s3.accessKeyId,
        B2_SECRET_ACCESS_KEY: s3.secretAccessKey,
        B2_ENDPOINT: s3.endpoint,
        SNAPSHOT_PATH: join(dir, 'ws.tar'),
      },
      encoding: 'utf8',
    })
    assert.equal(
      out,
      [
        'ls:0:logs,readme.txt',
        'stdin:2',
        'fork:/tmp,y',
        'missing:1:cat: /bucket/nope.txt: No such file or directory',
        'session:/tmp:2',
        'denied:2',
        'provision:6:exact:true',
        'history:true:ls /bucket/',
        'records:true',
        'mounts:/bucket/,/more/,/tmp/',
        'mount:/more/',
        'prompt:true',
        'fs:hi:/',
        'snapshot:true:hi',
      ].join('\n') + '\n',
    )
  })
})
