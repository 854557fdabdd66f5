import t from 'tap'
import { tempDir } from '../helpers/temp-dir.js'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { unifiedDiff } from '../../src/modules/lib/unified-diff.js'

const names = { from: '/etc/x', to: '/etc/x' }

/** GNU diff's hunks for the same two texts (its header lines carry file names and times: dropped). */
function gnuDiff(a: string, b: string): string {
  const dir = tempDir(t, 'vmlab-diff-')
  writeFileSync(join(dir, 'a'), a)
  writeFileSync(join(dir, 'b'), b)
  try {
    execFileSync('diff', ['-u', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' })
    return ''
  } catch (error) {
    return (error as { stdout: string }).stdout.split('\n').slice(2).join('\n')
  }
}

function hunks(diff: string): string {
  return diff.split('\n').slice(2).join('\n')
}

const numbered = (n: number, from = 1): string[] => Array.from({ length: n }, (_, i) => `line ${i + from}`)

t.test('equal texts give no diff', async (t) => {
  t.equal(unifiedDiff('a\nb\n', 'a\nb\n', names), '')
})

t.test('a new file is diffed against /dev/null', async (t) => {
  t.equal(unifiedDiff('', 'a\nb\n', { from: '/dev/null', to: '/etc/x' }), '--- /dev/null\n+++ /etc/x\n@@ -0,0 +1,2 @@\n+a\n+b\n')
})

t.test('hunks, context and line numbers match GNU diff -u', async (t) => {
  const base = numbered(40)
  const cases: Array<[string, string[]]> = [
    ['one line changed in the middle', base.map((l) => (l === 'line 20' ? 'changed' : l))],
    ['a line added at the top', ['first', ...base]],
    ['the last line removed', base.slice(0, -1)],
    ['two changes far apart: two hunks', base.map((l) => (l === 'line 5' || l === 'line 35' ? `${l}!` : l))],
    ['two changes close together: one hunk', base.map((l) => (l === 'line 10' || l === 'line 16' ? `${l}!` : l))],
    ['lines removed and others added', [...base.slice(0, 10), 'new a', 'new b', ...base.slice(13)]],
    ['everything replaced', numbered(5, 100)],
  ]
  for (const [name, after] of cases) {
    const a = `${base.join('\n')}\n`
    const b = after.length ? `${after.join('\n')}\n` : ''
    t.equal(hunks(unifiedDiff(a, b, names)), gnuDiff(a, b), name)
  }
})

t.test('a missing final newline is marked as diff marks it', async (t) => {
  const a = 'x\ny\n'
  const b = 'x\ny'
  t.equal(hunks(unifiedDiff(a, b, names)), gnuDiff(a, b))
  t.match(unifiedDiff(a, b, names), /\\ No newline at end of file/)
})
