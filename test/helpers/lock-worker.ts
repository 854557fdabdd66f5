/**
 * A separate process that takes the lab lock when told, for tests of two commands at once. Lines on stdin:
 * `take <path> <epoch ms>` spins until that moment (so that two workers start within microseconds of each
 * other, closer than any barrier file a parent could create) and answers `held` or `busy <message>`;
 * `release` frees what it holds and answers `released`.
 */
import { createInterface } from 'node:readline'
import { acquireLock, type LabLock } from '../../src/state/lock.js'

let held: LabLock | undefined
const say = (line: string) => process.stdout.write(line.replace(/\n/g, ' ') + '\n')

for await (const line of createInterface({ input: process.stdin })) {
  const [verb, path, at] = line.split(' ')
  if (verb === 'take') {
    while (Date.now() < Number(at));
    try {
      held = await acquireLock(path!, 'lab up')
      say('held')
    } catch (err) {
      say(`busy ${(err as Error).message}`)
    }
  } else if (verb === 'release') {
    await held?.release()
    held = undefined
    say('released')
  }
}
