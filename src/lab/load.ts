/**
 * Reading a lab file: YAML with positions, the schema, module/check entries and the semantic checks, all
 * reported together with file:line:col. Every command that reads a lab goes through `loadLab`.
 */
import { currentInstance } from './current-instance.js'
import { INSTANCE_FILE, instanceStateDir, instanceIdProblem, instantiate, type InstanceSpec } from './instance.js'
import { readFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { resolve as resolvePath, dirname, relative, isAbsolute, join } from 'node:path'
import { parseDocument } from 'yaml'
import { labSchema } from './schema.js'
import { MODULES, CHECKS, type ModuleStep, type CheckStep } from './module-options.js'
import { issuesToProblems } from './zod-issues.js'
import { parseEntries } from './entries.js'
import { validateLab } from './validate.js'
import { parseExercises, type Exercise, type ExerciseReadOptions } from './exercises.js'
import { cornerValues, studentValues } from './variables.js'
import { resolveLab, type ResolvedLab } from './resolve.js'
import { locate, lineIndex } from './locate.js'
import { excerpt } from './excerpt.js'
import { collectionKeys, unresolvedAliases, toDataOrProblem } from './yaml-data.js'
import { labFilesProblems } from './lab-files.js'
import { imageHashKnown, resolveImagePath } from './image-file.js'
import { LabFileError, type Problem } from './problems.js'
import { InputError } from '../util/errors.js'
import { cloudImageProblem } from '../providers/capabilities.js'
import { packagePath } from '../util/package-root.js'

export interface LoadedLab {
  /** As shown to the user in messages. */
  displayName: string
  /** The lab file on disk, or undefined for the embedded default lab. */
  path: string | undefined
  /** Folder that relative paths in the lab (compose files, installers) are relative to. */
  filesDir: string
  /** This lab's state (secrets, keys, journal, logs): `.lab/<name>/` next to the lab file, or in the working folder for a built-in lab. */
  stateDir: string
  lab: ResolvedLab
}

export const DEFAULT_LAB = 'swarm'

export function embeddedLabPath(name: string = DEFAULT_LAB): string {
  return packagePath('labs', `${name}.yaml`)
}

/**
 * Parses and checks lab text; throws LabFileError listing every problem. With `filesDir` (the lab file's
 * folder) the files the lab names are checked too, and their paths made absolute.
 */
export function parseLab(text: string, displayName: string, opts: { filesDir?: string; imageKnown?: (lab: string, path: string) => boolean; missingFilesOk?: boolean } = {}): ResolvedLab {
  const problems: Problem[] = []
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  const lc = lineIndex(text)
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true })
  for (const e of doc.errors) {
    const pos = (e.code === 'MISSING_CHAR' && unclosedQuote(text)) || lc.linePos(e.pos[0])
    const message = yamlMessage(e.message)
    if (problems.some((p) => p.line === pos.line && p.col === pos.col && p.message === message)) continue
    problems.push({ path: [], message, hint: yamlHint(e.code), ...pos })
  }
  // One syntax error makes the parser stumble over the rest of the file: the first few are the ones to fix.
  if (problems.length > MAX_YAML_ERRORS) {
    const more = problems.length - MAX_YAML_ERRORS
    problems.length = MAX_YAML_ERRORS
    const last = problems[MAX_YAML_ERRORS - 1]!
    last.hint = `${last.hint}; ${more} more YAML error${more === 1 ? '' : 's'} follow from these: fix the first ones and run again`
  }
  if (!problems.length) problems.push(...unresolvedAliases(doc, lc), ...collectionKeys(doc, lc))
  if (problems.length) throw new LabFileError(displayName, problems)

  const converted = toDataOrProblem(doc, lc)
  if ('problem' in converted) throw new LabFileError(displayName, [converted.problem])
  const data = converted.data
  if (data === null || data === undefined || typeof data !== 'object' || Array.isArray(data)) {
    throw new LabFileError(displayName, [{ path: [], message: 'the lab file is empty or not a mapping', hint: 'start from one of the labs in labs/ (name:, os:, network:, nodes:)', line: 1, col: 1 }])
  }
  const parsed = labSchema.safeParse(data)
  if (!parsed.success) {
    problems.push(...issuesToProblems(parsed.error.issues, labSchema, data))
    // Entries are checked on their own so that one run shows their mistakes too.
    const raw = data as { modules?: unknown; checks?: unknown }
    if (Array.isArray(raw.modules)) parseEntries(raw.modules, MODULES, 'modules', problems)
    if (Array.isArray(raw.checks)) parseEntries(raw.checks, CHECKS, 'checks', problems)
  } else {
    const lab = parsed.data
    const modules = parseEntries(lab.modules, MODULES, 'modules', problems)
    const checks = parseEntries(lab.checks, CHECKS, 'checks', problems)
    validateLab(lab, modules, checks, problems)
    if (opts.filesDir !== undefined) problems.push(...labFilesProblems(modules, MODULES, opts.filesDir, opts.missingFilesOk ?? false))
    if (lab.bundle !== undefined && opts.filesDir !== undefined) {
      // Unlike the modules' files, a bundle may be anywhere (a class's shared folder); it is made absolute here.
      lab.bundle = resolvePath(opts.filesDir, lab.bundle)
      const manifest = join(lab.bundle, 'manifest.json')
      if (!opts.missingFilesOk && !existsSync(manifest))
        problems.push({
          path: ['bundle'],
          message: `no bundle at ${excerpt(lab.bundle, 200)}: ${excerpt(manifest, 200)} does not exist`,
          hint: 'make it with `lab bundle create LAB --out DIR` on a machine online, or correct the path (relative to the lab file)',
        })
    }
    // Every choice of every variable is tried, so that no student's values can break a rule.
    let exercises: Exercise[] = []
    cornerValues(lab.variables).forEach((values, k) => {
      const read = parseExercises(lab.exercises, values, lab, problems, exerciseOpts(opts))
      if (k === 0) exercises = read
    })
    if (lab.install.image !== undefined && opts.filesDir !== undefined) {
      lab.install.image = resolveImagePath(lab.install.image, opts.filesDir)
      // A file moved away after the lab's base was made from it is no mistake: the base has its own copy.
      const wrong = cloudImageProblem(lab.provider, lab.install.image)
      if (wrong && !(wrong.missing && opts.imageKnown?.(lab.name, lab.install.image))) problems.push({ path: ['install', 'image'], message: wrong.message, hint: wrong.hint })
    }
    if (!problems.length) {
      const resolved = resolveLab(
        lab,
        modules.map((m) => ({ module: m.name, options: m.options }) as ModuleStep),
        checks.map((c) => ({ check: c.name, options: c.options }) as CheckStep),
      )
      resolved.exercises = exercises
      resolved.course.values = studentValues(lab.variables, '')
      return resolved
    }
  }
  for (const p of problems) {
    if (p.line === undefined) Object.assign(p, locate(doc, lc, p.path, p.at))
  }
  const unique = problems.filter((p, i) => problems.findIndex((q) => q.line === p.line && q.col === p.col && q.message === p.message) === i)
  unique.sort((a, b) => a.line! - b.line! || a.col! - b.col!)
  throw new LabFileError(displayName, unique)
}

const MAX_YAML_ERRORS = 5

function exerciseOpts(opts: { filesDir?: string; missingFilesOk?: boolean }): ExerciseReadOptions {
  return { ...(opts.filesDir === undefined ? {} : { filesDir: opts.filesDir }), ...(opts.missingFilesOk ? { missingFilesOk: true } : {}) }
}

/** The parser reports an unclosed quote at the end of the file; the opening quote is what the user must fix. */
function unclosedQuote(text: string): { line: number; col: number } | undefined {
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\s#.*$/, '')
    const m = /:\s+(["'])/.exec(line) ?? /^\s*-\s+(["'])/.exec(line)
    if (!m) continue
    const q = m[1]!
    const start = m.index + m[0].length - 1
    const rest = line.slice(start + 1)
    const closed = q === "'" ? /'(?!')/.test(rest.replace(/''/g, '')) : /(?<!\\)"/.test(rest)
    if (!closed) return { line: i + 1, col: start + 1 }
  }
  return undefined
}

function yamlMessage(message: string): string {
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  // The parser's own sentence is kept whole; only what it quotes from the file may be long.
  return `YAML: ${excerpt(first, 300)}`
}

function yamlHint(code: string): string {
  switch (code) {
    case 'TAB_AS_INDENT':
      return 'indent with spaces, not tabs'
    case 'DUPLICATE_KEY':
      return 'each key may appear once in a mapping: remove or merge the second one'
    case 'MISSING_CHAR':
    case 'BAD_SCALAR_START':
      return 'close the quote, or quote the whole value'
    case 'BAD_INDENT':
      return 'line the keys of one mapping up in the same column'
    case 'RESOURCE_EXHAUSTION':
      return 'the lab file nests too deep or repeats too much: a lab needs a few levels of indentation'
    default:
      return 'see the lab-file reference in the README'
  }
}

/**
 * Finds and loads the lab: an explicit file, else ./lab.yaml, else (when `allowDefault`) the embedded default.
 * A bare name such as `swarm` also finds the lab shipped in the package. `missingFilesOk`: the command copies
 * none of the files the modules name (destroy, status), so one removed since is no reason to refuse the lab.
 */
export async function loadLab(file: string | undefined, opts: { allowDefault?: boolean; cwd?: string; missingFilesOk?: boolean; instance?: string } = {}): Promise<LoadedLab> {
  const loaded = await loadLabFile(file, opts)
  const id = opts.instance ?? currentInstance()
  return id === undefined ? loaded : await asInstance(loaded, id)
}

async function loadLabFile(file: string | undefined, opts: { allowDefault?: boolean; cwd?: string; missingFilesOk?: boolean }): Promise<LoadedLab> {
  const cwd = opts.cwd ?? process.cwd()
  let path: string | undefined
  let embedded = false
  if (file !== undefined) {
    const candidate = resolvePath(cwd, file)
    if (existsSync(candidate)) path = candidate
    else if (/^[a-z0-9-]+(\/[a-z0-9-]+)?$/.test(file) && existsSync(embeddedLabPath(file))) {
      path = embeddedLabPath(file)
      embedded = true
    } else {
      throw new InputError(`lab file not found: ${file}`, `give the path of a lab file, or one of the shipped labs by name (lab labs lists them)`)
    }
  } else if (existsSync(resolvePath(cwd, 'lab.yaml'))) {
    path = resolvePath(cwd, 'lab.yaml')
  } else if (opts.allowDefault || existsSync(join(cwd, '.lab', DEFAULT_LAB))) {
    // After `lab up` of the built-in lab, the other commands find it through its state here.
    path = embeddedLabPath()
    embedded = true
  } else {
    throw new InputError('no lab file: there is no ./lab.yaml', 'give one with -f FILE, or run `lab up` first to use the default lab')
  }
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new InputError(`cannot read lab file ${path}: ${(err as Error).message}`)
  }
  const rel = relative(cwd, path)
  const displayName = embedded ? `${file ?? DEFAULT_LAB} (built-in lab)` : rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path
  // The built-in labs keep their state in the working directory, never inside the installed package.
  const stateRoot = embedded ? cwd : dirname(path)
  const lab = parseLab(text, displayName, {
    filesDir: dirname(path),
    imageKnown: (name, image) => imageHashKnown(join(stateRoot, '.lab', name), image),
    missingFilesOk: opts.missingFilesOk ?? false,
  })
  return { displayName, path: embedded ? undefined : path, filesDir: dirname(path), stateDir: join(stateRoot, '.lab', lab.name), lab }
}

/**
 * The lab as a student's instance: its state (and so its passwords, keys and journal) in `.lab/<lab>/instances/<id>/`,
 * its network the one `lab class up` recorded there (instance.json), else the lab file's own.
 */
async function asInstance(loaded: LoadedLab, id: string): Promise<LoadedLab> {
  const problem = instanceIdProblem(id)
  if (problem) throw new InputError(problem, 'give --instance the id of a student in the roster')
  const stateDir = instanceStateDir(loaded.stateDir, id)
  let spec: InstanceSpec = { id }
  try {
    spec = { ...(JSON.parse(await readFile(join(stateDir, INSTANCE_FILE), 'utf8')) as InstanceSpec), id }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new InputError(`cannot read ${join(stateDir, INSTANCE_FILE)}: ${(err as Error).message}`, 'run `lab class up` again: it writes the file anew')
  }
  return { ...loaded, stateDir, lab: instantiate(loaded.lab, spec) }
}
