/**
 * Portainer with the agent stack on the swarm's first manager. The admin password is a docker secret made
 * once from the lab's `portainer` secret: Portainer reads it only on its first start, so a secret that
 * changes later changes nothing (and docker secrets cannot be read back to compare anyway). The stack is
 * deployed again only when the stack file lab keeps on the node changes, or a service is missing.
 */
import { readFileSync } from 'node:fs'
import Handlebars from 'handlebars'
import { z } from 'zod'
import type { Change, Module } from './module.js'
import type { ModuleOptions } from '../lab/module-options.js'
import { packagePath } from '../util/package-root.js'
import { LabError } from '../util/errors.js'
import { must } from './lib/must.js'
import { changeKeys } from './lib/change-keys.js'
import { parseDockerJsonLines } from './lib/docker-json.js'
import { probeSections } from './lib/probe-script.js'
import { NotYet, waitUntil, type Pace } from './lib/wait-until.js'
import { answered, httpStatuses } from './lib/docker-http.js'
import { fileChange, fileSection, parseFileSection, sha256, writeFile, type RemoteFile, type WantedFile } from './lib/remote-file.js'

type Options = ModuleOptions<'portainer'>
type Key = 'secret' | 'stack-file' | 'deploy'

export const STACK = 'portainer'
export const STACK_FILE = '/opt/vmlab/portainer/portainer-agent-stack.yml'
/** External to the stack, so that `docker stack rm` keeps it and a redeploy never needs a new one. */
export const SECRET = 'vmlab_portainer_admin'
const SERVICES = [`${STACK}_agent`, `${STACK}_portainer`]

export interface StackService {
  Name: string
  Replicas: string
}

export interface PortainerProbe {
  file: RemoteFile
  secret: boolean
  services: StackService[]
}

export interface PortainerTiming {
  /** How long verify waits for the services to run and Portainer to answer. */
  settle: Pace
}

export const PORTAINER_TIMING: PortainerTiming = { settle: { timeoutMs: 300_000, pollMs: 3_000 } }

let template: Handlebars.TemplateDelegate | undefined

export function renderStack(options: Options): string {
  template ??= Handlebars.create().compile(readFileSync(packagePath('templates', 'portainer', 'agent-stack.yml.hbs'), 'utf8'), { noEscape: true, strict: true })
  return template({
    stack: STACK,
    stackFile: STACK_FILE,
    secret: SECRET,
    version: options.version,
    httpPort: options.http_port,
    httpsPort: options.https_port,
    edgePort: options.edge_port,
  })
}

function wantedFile(options: Options): WantedFile {
  return { path: STACK_FILE, content: renderStack(options), mode: 0o644 }
}

const ServiceSchema = z.object({ Name: z.string(), Replicas: z.string() })

const SERVICES_CMD = `docker stack services ${STACK} --format '{{json .}}' 2>&1`
const SECRET_CMD = `docker secret ls --filter name=${SECRET} --format '{{.Name}}' 2>&1`

/** `docker stack services` output (stderr merged: "Nothing found in stack" is its empty answer). */
function parseServices(out: string, code: number, node: string): StackService[] {
  if (code !== 0) throw notManager(node, out)
  const lines = out.split('\n').filter((l) => l.startsWith('{'))
  return parseDockerJsonLines(ServiceSchema, lines.join('\n'), 'docker stack services', node)
}

function notManager(node: string, said: string): LabError {
  return new LabError(`${node}: cannot manage swarm stacks: ${said.trim().split('\n').slice(-2).join(' ')}`, {
    hint: 'Portainer runs as a swarm stack on the first manager: run the swarm module before portainer',
  })
}

/** "3/3" or "1/1 (max 1 per node)" → running and wanted counts. */
function replicas(text: string): { running: number; wanted: number } | undefined {
  const m = /^(\d+)\/(\d+)/.exec(text)
  return m ? { running: Number(m[1]), wanted: Number(m[2]) } : undefined
}

function notRunning(services: StackService[]): string[] {
  return SERVICES.flatMap((name) => {
    const s = services.find((x) => x.Name === name)
    const r = s === undefined ? undefined : replicas(s.Replicas)
    if (s === undefined) return [`${name} is not deployed`]
    return r !== undefined && r.wanted > 0 && r.running === r.wanted ? [] : [`${name} runs ${s.Replicas}`]
  })
}

export function portainerModule(timing: PortainerTiming = PORTAINER_TIMING): Module<Options, PortainerProbe, Key> {
  return {
    name: 'portainer',

    async probe(ctx) {
      const name = ctx.node.name
      const wanted = wantedFile(ctx.options)
      const s = await probeSections(ctx.guest, name, {
        file: fileSection(STACK_FILE, sha256(wanted.content)),
        secret: SECRET_CMD,
        services: SERVICES_CMD,
      })
      if (s.secret.code !== 0) throw notManager(name, s.secret.out)
      return {
        file: parseFileSection(STACK_FILE, s.file.out),
        secret: s.secret.out.split('\n').some((l) => l.trim() === SECRET),
        services: parseServices(s.services.out, s.services.code, name),
      }
    },

    plan(ctx, probed) {
      const changes: Change<Key>[] = []
      if (!probed.secret) {
        changes.push({ key: 'secret', what: `docker secret create ${SECRET} (the lab's portainer password)`, why: 'Portainer sets its admin password from it when it first starts' })
      }
      const file = fileChange('stack-file', probed.file, wantedFile(ctx.options), 'the agent stack as the lab describes it')
      if (file) changes.push(file)
      const missing = SERVICES.filter((n) => !probed.services.some((s) => s.Name === n))
      const why = file?.diff !== undefined ? 'the stack file changed' : missing.length ? `${missing.join(' and ')} not deployed` : !probed.secret ? 'the admin password secret is new' : undefined
      if (why !== undefined) changes.push({ key: 'deploy', what: `docker stack deploy -c ${STACK_FILE} ${STACK}`, why })
      return changes
    },

    async apply(ctx, changes, probed) {
      const name = ctx.node.name
      const keys = changeKeys(changes)
      if (keys.has('secret')) {
        const password = await ctx.secret('portainer')
        await must(ctx.guest, name, ['docker', 'secret', 'create', SECRET, '-'], { input: password, secrets: [password] })
      }
      if (keys.has('stack-file')) await writeFile(ctx.guest, name, ctx.facts, probed.file, wantedFile(ctx.options))
      if (keys.has('deploy')) await must(ctx.guest, name, ['docker', 'stack', 'deploy', '-c', STACK_FILE, STACK], { timeoutMs: 600_000 })
    },

    async verify(ctx) {
      const name = ctx.node.name
      const ui = { host: ctx.node.ip, port: ctx.options.http_port }
      await waitUntil(
        `${name}: Portainer is not up`,
        timing.settle,
        async () => {
          const s = await probeSections(ctx.guest, name, { services: SERVICES_CMD })
          const problems = notRunning(parseServices(s.services.out, s.services.code, name))
          if (problems.length) throw new NotYet(problems.join('; '))
          const status = (await httpStatuses(ctx.guest, [ui])).get(`${ui.host}:${ui.port}`) ?? 0
          if (!answered(status)) throw new NotYet(`http://${ui.host}:${ui.port}/ gave ${status ? `HTTP ${status}` : 'no answer'}`)
        },
        `see \`docker service ps ${SERVICES.join(' ')}\` on ${name}: the images portainer/portainer-ce:${ctx.options.version} and portainer/agent:${ctx.options.version} must be pullable (or loaded) on the nodes`,
      )
    },
  }
}

export default portainerModule()
