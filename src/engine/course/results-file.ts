/** The last grade of each exercise, kept beside the lab's state so `lab exercises` shows it without asking the nodes. */
import { join } from 'node:path'
import { readTextIfExists, writePrivateFile } from '../../util/files.js'
import { parseJsonText } from '../../util/json-text.js'
import type { ExerciseResult } from '../../grading/result.js'

export interface LastGrade {
  score: number
  max: number
  passed: boolean
  at: string
}

export interface ResultsFile {
  student: string
  exercises: Record<string, LastGrade>
}

const path = (stateDir: string) => join(stateDir, 'results.json')

export async function readResults(stateDir: string, student: string): Promise<ResultsFile> {
  const text = await readTextIfExists(path(stateDir))
  const json = text === undefined ? undefined : parseJsonText(text)
  const value = json?.ok ? (json.value as ResultsFile) : undefined
  // Another student's grades are not this one's.
  return value && value.student === student && value.exercises && typeof value.exercises === 'object' ? value : { student, exercises: {} }
}

export async function recordResults(stateDir: string, student: string, results: ExerciseResult[]): Promise<void> {
  const file = await readResults(stateDir, student)
  const at = new Date().toISOString()
  for (const r of results) file.exercises[r.id] = { score: r.score, max: r.max, passed: r.passed, at }
  await writePrivateFile(path(stateDir), JSON.stringify(file, null, 2) + '\n')
}
