/**
 * What `lab class` remembers between commands, in `.lab/<lab>/instances/class.json` (0600): the roster as
 * brought up, each student's host, subnet index and network, and their last score. A student keeps their
 * host and network when `class up` runs again, which is what makes it resumable.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { INSTANCES_DIR } from '../lab/instance.js'
import { writeFileAtomic, ensurePrivateDir } from '../util/files.js'
import type { Student } from './roster.js'

export interface ClassMember extends Student {
  host: string
  /** Which subnet of the pool is theirs (stable: a student who leaves frees it, nobody else moves). */
  index: number
  cidr: string
  score?: { score: number; max: number; at: string }
}

export interface ClassRecord {
  version: 1
  classFile: string
  students: ClassMember[]
}

export function classRecordPath(labStateDir: string): string {
  return join(labStateDir, INSTANCES_DIR, 'class.json')
}

export async function readClassRecord(labStateDir: string): Promise<ClassRecord | undefined> {
  try {
    return JSON.parse(await readFile(classRecordPath(labStateDir), 'utf8')) as ClassRecord
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

export async function writeClassRecord(labStateDir: string, record: ClassRecord): Promise<void> {
  await ensurePrivateDir(join(labStateDir, INSTANCES_DIR))
  await writeFileAtomic(classRecordPath(labStateDir), JSON.stringify(record, null, 2) + '\n', 0o600)
}
