/**
 * Reads of the Docker Engine API over the daemon's socket with curl: a few milliseconds, where each docker
 * CLI call starts a large Go binary (1–2 s under software emulation, much more on a busy host). Where curl is
 * missing the same JSON comes from the CLI (`docker info --format '{{json .}}'` and `inspect` print the API's
 * objects), so parsers see one shape either way.
 */
import { z } from 'zod'
import { LabError } from '../../util/errors.js'
import { shellQuote } from '../../guest/remote-command.js'
import { parseDockerJson } from './docker-json.js'
import { probeSections, type SectionResult } from './probe-script.js'
import type { Guest } from '../module.js'

/** Engine API paths, and the docker CLI that prints the same JSON where curl is missing. */
const READS = [
  ['/info', "docker info --format '{{json .}}'"],
  ['/nodes', 'ids=$(docker node ls -q) && docker node inspect $ids'],
  ['/images/json', 'ids=$(docker image ls -q) && if [ -n "$ids" ]; then docker image inspect $ids; else echo "[]"; fi'],
] as const
const STATUS = '#vmlab:http:'

/**
 * /info, /nodes and /images/json in one curl (one process where three cost ~1.5 s under emulation): each
 * answer is followed by a status line with its HTTP code (000: the daemon did not answer). The docker and
 * swarm modules both probe with it, so a node's batched probe reads the Engine once; every read of the
 * Engine uses it, so that reads asked at the same moment share one.
 */
export const DOCKER_STATE = [
  'if command -v curl >/dev/null 2>&1; then',
  `  curl -sS --unix-socket /var/run/docker.sock -w '\\n${STATUS}%{http_code}\\n' ${READS.map(([path]) => `'http://localhost${path}'`).join(' ')}`,
  'else',
  `  api() { if eval "$1"; then s=200; else s=000; fi; printf '\\n${STATUS}%s\\n' "$s"; }`,
  ...READS.map(([, cli]) => `  api ${shellQuote(cli)}`),
  'fi',
].join('\n')

/** One answer of DOCKER_STATE: ok when the Engine answered 200. */
export interface ApiAnswer {
  ok: boolean
  /** The HTTP status, 0 when the daemon did not answer. */
  status: number
  out: string
}

export interface EngineState {
  info: ApiAnswer
  /** Answers only on a swarm manager (503 elsewhere). */
  nodes: ApiAnswer
  images: ApiAnswer
}

export function parseDockerState(out: string): EngineState {
  const [info, nodes, images] = parseAnswers(out, READS.length)
  return { info: info!, nodes: nodes!, images: images! }
}

/** The `count` answers of one curl of several URLs (each followed by its status line); missing ones are "no answer". */
export function parseAnswers(out: string, count: number): ApiAnswer[] {
  const answers: ApiAnswer[] = []
  let rest = out
  for (let i = 0; i < count; i++) {
    const m = new RegExp(`\\n${STATUS}(\\d{3})(?:\\n|$)`).exec(rest)
    if (!m) break
    const status = Number(m[1])
    answers.push({ ok: status === 200, status, out: rest.slice(0, m.index) })
    rest = rest.slice(m.index + m[0].length)
  }
  while (answers.length < count) answers.push({ ok: false, status: 0, out: '' })
  return answers
}

/**
 * GETs of the Engine API (paths with their query, not yet URL-encoded beyond what they hold) in one curl:
 * where a docker CLI call costs a second or more under emulation, the daemon answers in milliseconds. For
 * checks, which need curl on the node (every lab OS has it; a node without it says so: exit 127).
 */
export function engineGets(paths: readonly string[]): string {
  return `curl -sS -g --unix-socket /var/run/docker.sock -w '\\n${STATUS}%{http_code}\\n' ${paths.map((p) => shellQuote(`http://localhost${p}`)).join(' ')} 2>&1`
}

/** A query filter as the Engine API takes it (`?filters=` JSON, URL-encoded). */
export function apiFilters(filters: Record<string, string[]>): string {
  return `filters=${encodeURIComponent(JSON.stringify(filters))}`
}

/** What a failed answer says: the Engine's own message (without its JSON), curl's error, or that nothing answered. */
export function apiSaid(a: ApiAnswer, code: number): string {
  if (code === 127) return 'curl is not installed on the node (the checks read Docker with it): install curl'
  try {
    const message = (JSON.parse(a.out) as { message?: unknown }).message
    if (typeof message === 'string') return message
  } catch {
    // not the Engine's JSON: curl's own words, below
  }
  const said = a.out.trim().split('\n').pop()
  return said || (a.status ? `HTTP ${a.status}` : 'docker does not answer')
}

const DOWN_HINT = 'run the docker module first; `systemctl status docker` on the node tells why the daemon is down'

/** The Engine's state from a DOCKER_STATE section; a daemon that does not answer /info is an error saying why. */
export function engineState(section: SectionResult, node: string, hint = DOWN_HINT): EngineState {
  const state = parseDockerState(section.out)
  const failed = infoFailure(state, section.code)
  if (!failed) return state
  throw new LabError(`${node}: docker does not answer (${failed}): ${state.info.out.trim().split('\n').slice(-1)[0] || 'no output'}`, { hint })
}

/** Why /info was not read (undefined when it was): an HTTP status from the daemon, or the read's exit code. */
export function infoFailure(state: EngineState, code: number): string | undefined {
  if (state.info.ok) return undefined
  return state.info.status ? `reading its info answered HTTP ${state.info.status}` : `reading its info exited with ${code}`
}

/** Reads the Engine's state in one round trip (shared with a batched probe asking the same). */
export async function readEngine(guest: Guest, node: string, hint?: string): Promise<EngineState> {
  const { engine } = await probeSections(guest, node, { engine: DOCKER_STATE })
  return engineState(engine, node, hint)
}

const ImagesSchema = z.array(z.object({ RepoTags: z.array(z.string()).nullable().default(null) }))

/** The `repository:tag` names of the node's images. */
export function parseImageTags(out: string, node: string): string[] {
  return parseDockerJson(ImagesSchema, out, 'the docker image list', node).flatMap((i) => i.RepoTags ?? [])
}
