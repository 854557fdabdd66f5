/**
 * Who the student is: given once with `--student ID`, then kept beside the lab's state, so every later
 * command (task, check, submit) shows and grades that student's own values.
 */
import { join } from 'node:path'
import { readTextIfExists, writePrivateFile } from '../../util/files.js'
import { InputError } from '../../util/errors.js'
import { parseJsonText } from '../../util/json-text.js'

const STUDENT_ID = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$/

export function studentFile(stateDir: string): string {
  return join(stateDir, 'student.json')
}

export function checkStudentId(id: string): string {
  if (!STUDENT_ID.test(id)) {
    throw new InputError(`'${id.slice(0, 40)}' is not a student id`, 'use letters, digits and . _ @ + - (at most 100), e.g. an e-mail address or a roster number')
  }
  return id
}

/**
 * The student for this lab: `given` (remembered from now on), else the one remembered, else '' (the course as
 * written: every student's values are the first choices).
 */
export async function resolveStudent(stateDir: string, given: string | undefined, remember: boolean): Promise<string> {
  if (given !== undefined) {
    checkStudentId(given)
    if (remember && (await readStudent(stateDir)) !== given) await writePrivateFile(studentFile(stateDir), JSON.stringify({ id: given, since: new Date().toISOString() }) + '\n')
    return given
  }
  return (await readStudent(stateDir)) ?? ''
}

async function readStudent(stateDir: string): Promise<string | undefined> {
  const text = await readTextIfExists(studentFile(stateDir))
  if (text === undefined) return undefined
  const json = parseJsonText(text)
  const id = json.ok ? (json.value as { id?: unknown }).id : undefined
  return typeof id === 'string' && STUDENT_ID.test(id) ? id : undefined
}
