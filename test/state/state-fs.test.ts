/**
 * The lab's state on a disk that fails for real (as root: a tmpfs that fills up, one remounted read-only):
 * every failure names the path, says why in words and what to do, and leaves nothing half-written behind.
 */
import t from 'tap'
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic } from '../../src/util/files.js'
import { acquireLock } from '../../src/state/lock.js'
import { Journal } from '../../src/state/journal.js'
import { writeState, type LabState } from '../../src/state/state-file.js'
import { writeSecrets } from '../../src/state/secrets.js'
import { LabError } from '../../src/util/errors.js'
import { scratch, fill, remountReadOnly } from '../helpers/mounts.js'

const disk = (t: Parameters<typeof scratch>[0]) => {
  const s = scratch(t)
  return s.tmpfs(join(s.dir, 'disk'), '64k')
}

const state: LabState = { version: 1, lab: 'swarm', provider: 'qemu', nodes: {}, snapshots: [], stages: {}, createdAt: 'now', updatedAt: 'now' }

t.test('a full disk: the atomic write fails in words, the old file stays whole, no temporary file is left', async (t) => {
  const dir = disk(t)
  writeFileSync(join(dir, 'state.json'), 'the good one\n')
  const err = await writeFileAtomic(join(dir, 'state.json'), Buffer.alloc(256 * 1024, 0x41)).catch((e: unknown) => e)
  t.ok(err instanceof LabError, 'a LabError, not a raw errno')
  t.equal((err as LabError).message, `cannot write ${join(dir, 'state.json')}: no space left on device`)
  t.match((err as LabError).hint, `free space on the disk that holds ${dir} (\`df -h ${dir}\``)
  t.equal(readFileSync(join(dir, 'state.json'), 'utf8'), 'the good one\n', 'the old file is untouched')
  t.same(readdirSync(dir), ['state.json'], 'no temporary file left')
})

t.test('a full disk: the lock cannot be taken, in words, and its temporary file is removed', async (t) => {
  const dir = disk(t)
  fill(dir)
  const err = await acquireLock(join(dir, 'lock'), 'lab up').catch((e: unknown) => e)
  t.ok(err instanceof LabError)
  t.equal((err as LabError).message, `cannot take the lab lock ${join(dir, 'lock')}: no space left on device`)
  t.same(readdirSync(dir), ['filler'], 'no lock and no temporary lock file left')
})

t.test('a full disk: secrets and the journal fail in words, naming their files', async (t) => {
  const dir = disk(t)
  // 4000 bytes: the next line starts in the journal's last page, which has room for part of it only.
  const first = JSON.stringify({ step: 'network', phase: 'start', data: { pad: 'x'.repeat(3950) } }).padEnd(3999) + '\n'
  writeFileSync(join(dir, 'journal.jsonl'), first)
  fill(dir)
  await t.rejects(writeSecrets(join(dir, 'secrets.json'), { rootPasswordHash: 'h', userPasswordHash: 'h', services: {} }), {
    message: `cannot write ${join(dir, 'secrets.json')}: no space left on device`,
  })
  await t.rejects(new Journal(join(dir, 'journal.jsonl')).append({ step: 'network', phase: 'done', data: { vm: 'vmlab-swarm-master'.repeat(20) } }), {
    message: `cannot record the step in the lab's journal ${join(dir, 'journal.jsonl')}: no space left on device`,
  })
  t.equal(readFileSync(join(dir, 'journal.jsonl'), 'utf8'), first, 'the part of the line that fitted is taken back')
  t.same(readdirSync(dir).sort(), ['filler', 'journal.jsonl'])
})

t.test('a read-only disk: the state file, the lock and the journal say so and how to get out of it', async (t) => {
  const dir = disk(t)
  writeFileSync(join(dir, 'state.json'), 'the good one\n')
  remountReadOnly(dir)
  const err = await writeState(join(dir, 'state.json'), { ...state }).catch((e: unknown) => e)
  t.equal((err as LabError).message, `cannot write ${join(dir, 'state.json')}: the file system is read-only`)
  t.match((err as LabError).hint, `remount the disk that holds ${dir} read-write, or copy the lab's folder to a writable disk`)
  await t.rejects(acquireLock(join(dir, 'lock'), 'lab up'), { message: `cannot take the lab lock ${join(dir, 'lock')}: the file system is read-only` })
  await t.rejects(new Journal(join(dir, 'journal.jsonl')).append({ step: 'x', phase: 'start' }), { message: /journal .*: the file system is read-only$/ })
  t.equal(readFileSync(join(dir, 'state.json'), 'utf8'), 'the good one\n')
})
