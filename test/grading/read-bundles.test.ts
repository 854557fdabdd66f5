import t from 'tap'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readBundles } from '../../src/grading/read-bundles.js'
import { sampleBundle } from '../helpers/result-bundles.js'

const json = (v: unknown) => JSON.stringify(v, null, 2)

t.test('a folder: every bundle in it and below is read; a file that is not a bundle is named with what is wrong; the rest is ignored', async (t) => {
  const alice = sampleBundle({ student: 'alice' })
  const bob = sampleBundle({ student: 'bob' })
  const wrongScore = { ...sampleBundle({ student: 'carol' }), exercises: [{ ...alice.exercises[0]!, score: 'three' }] }
  const dir = t.testdir({
    'alice.vmlab-result.json': json(alice),
    'notes.txt': 'not looked at',
    'lab.yaml': 'name: x\n',
    'broken.vmlab-result.json': '{ "format": "vmlab-result/1", "lab": ',
    'carol.vmlab-result.json': json(wrongScore),
    'other.vmlab-result.json': json({ hello: 'world' }),
    'future.vmlab-result.json': json({ ...bob, format: 'vmlab-result/2' }),
    '.bob.vmlab-result.json.1a2b.tmp': 'half',
    sub: { 'bob.vmlab-result.json': json(bob) },
    '.git': { 'x.vmlab-result.json': 'not a bundle, not looked at' },
  })
  const r = await readBundles([dir])
  t.same(
    r.bundles.map((b) => [b.path, b.bundle.student]),
    [
      [join(dir, 'alice.vmlab-result.json'), 'alice'],
      [join(dir, 'sub', 'bob.vmlab-result.json'), 'bob'],
    ],
  )
  t.same(r.searched, [dir])
  const problems = Object.fromEntries(r.problems.map((p) => [p.path.slice(dir.length + 1), p.problem]))
  t.same(Object.keys(problems).sort(), ['broken.vmlab-result.json', 'carol.vmlab-result.json', 'future.vmlab-result.json', 'other.vmlab-result.json'])
  t.match(problems['broken.vmlab-result.json'], /ends early/)
  t.match(problems['carol.vmlab-result.json'], /^it is not a valid result bundle: exercises\[0\]\.score: .*expected number/)
  t.match(problems['other.vmlab-result.json'], /it is not a result bundle: it has no "format": "vmlab-result\/1"/)
  t.match(problems['future.vmlab-result.json'], /its format "vmlab-result\/2" is not vmlab-result\/1/)
})

t.test('files are read whatever their name; a missing one is a problem of its own', async (t) => {
  const dir = t.testdir({ 'a.json': json(sampleBundle({ student: 'alice' })), 'list.json': '[1, 2]' })
  const r = await readBundles([join(dir, 'a.json'), join(dir, 'gone.vmlab-result.json'), join(dir, 'list.json')])
  t.same(
    r.bundles.map((b) => b.bundle.student),
    ['alice'],
  )
  t.same(r.problems, [
    { path: join(dir, 'gone.vmlab-result.json'), problem: 'no such file or folder' },
    { path: join(dir, 'list.json'), problem: 'it is not a result bundle: it holds no JSON object' },
  ])
  t.same(r.searched, [])
})

t.test('an unreadable file does not stop the others', { skip: process.getuid?.() === 0 ? 'root reads every file' : false }, async (t) => {
  const dir = t.testdir({ 'a.vmlab-result.json': json(sampleBundle({ student: 'alice' })), 'b.vmlab-result.json': json(sampleBundle({ student: 'bob' })) })
  chmodSync(join(dir, 'a.vmlab-result.json'), 0o000)
  const r = await readBundles([dir])
  t.same(
    r.bundles.map((b) => b.bundle.student),
    ['bob'],
  )
  t.same(r.problems, [{ path: join(dir, 'a.vmlab-result.json'), problem: 'not allowed to read it' }])
})

t.test('keys a newer writer added are kept, so the digest still covers them', async (t) => {
  const b = { ...sampleBundle({ student: 'alice' }), extra: 'x' }
  const dir = t.testdir({})
  writeFileSync(join(dir, 'a.vmlab-result.json'), json(b))
  const r = await readBundles([dir])
  t.equal((r.bundles[0]!.bundle as unknown as { extra: string }).extra, 'x')
})
