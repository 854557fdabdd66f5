/**
 * Docker as the course wants it: installed, running, enabled at boot, and, when the task names them, the
 * registry mirrors and insecure registries the RUNNING daemon uses (its info), since a daemon.json the daemon
 * has not re-read changes nothing yet. daemon.json is read too: to say when it holds what the daemon lacks,
 * and to name the singular keys (`registry-mirror`) that dockerd accepts and silently ignores.
 */
import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { fileSection, parseFileSection } from '../modules/lib/remote-file.js'
import { parseService, serviceSection, startsAtBoot } from '../modules/lib/systemd-service.js'
import { DOCKER_STATE, infoFailure, parseDockerState } from '../modules/lib/docker-api.js'
import { DAEMON_JSON, infoRegistries, missingRegistries, type RegistrySettings } from '../modules/lib/docker-daemon-json.js'
import { eachNode, namedNodes } from './lib/node-rows.js'

/** Keys dockerd takes (they are flag names) but never uses in daemon.json: its keys are the plural ones. */
const IGNORED_SINGULAR: Record<string, string> = { 'registry-mirror': 'registry-mirrors', 'insecure-registry': 'insecure-registries' }

type Options = CheckOptions<'docker'>

function expectedText(o: Options): string {
  return [
    'Docker installed, running and enabled at boot',
    ...(o.registry_mirrors.length ? [`the running daemon uses the registry mirror${o.registry_mirrors.length > 1 ? 's' : ''} ${o.registry_mirrors.join(', ')}`] : []),
    ...(o.insecure_registries.length ? [`it trusts ${o.insecure_registries.join(', ')} as insecure registr${o.insecure_registries.length > 1 ? 'ies' : 'y'}`] : []),
  ].join('; ')
}

/** daemon.json as an object (undefined when absent or not JSON), and what is wrong with it. */
function readDaemonJson(content: string | undefined): { config?: Record<string, unknown>; problem?: string } {
  if (content === undefined || content.trim() === '') return {}
  try {
    const parsed: unknown = JSON.parse(content)
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return { config: parsed as Record<string, unknown> }
    return { problem: `${DAEMON_JSON} is JSON but not an object, so dockerd does not start with it` }
  } catch {
    return { problem: `${DAEMON_JSON} is not valid JSON, so dockerd does not start with it` }
  }
}

const listed = (config: Record<string, unknown> | undefined, key: string, value: string): boolean => {
  const list = config?.[key]
  return Array.isArray(list) && list.some((v) => typeof v === 'string' && v.replace(/\/+$/, '') === value.replace(/\/+$/, ''))
}

export const dockerCheck: Check<Options> = async (ctx) => {
  const o = ctx.options
  return eachNode(
    ctx,
    namedNodes(ctx.lab, o.nodes),
    () => expectedText(o),
    async (node, guest) => {
      const s = await probeSections(guest, node.name, {
        service: serviceSection('docker'),
        cli: 'command -v docker',
        engine: DOCKER_STATE,
        daemon: fileSection(DAEMON_JSON),
      })
      const service = parseService(s.service.out)
      if (s.cli.code !== 0 && service.enabled === '') return { passed: false, found: 'Docker is not installed' }
      const problems: string[] = []
      const notes: string[] = []
      if (s.cli.code !== 0) problems.push('the docker command is missing')
      if (service.active !== 'active') problems.push(`the docker service is ${service.active || 'not there'}`)
      if (!startsAtBoot(service)) problems.push(`docker does not start at boot (it is ${service.enabled || 'no service'})`)
      const daemon = readDaemonJson(parseFileSection(DAEMON_JSON, s.daemon.out).content)
      if (daemon.problem) problems.push(daemon.problem)
      for (const [key, plural] of Object.entries(IGNORED_SINGULAR)) {
        if (daemon.config && key in daemon.config) notes.push(`${DAEMON_JSON} has "${key}" (singular): dockerd ignores that key, it reads only "${plural}"`)
      }
      const engine = parseDockerState(s.engine.out)
      const failed = infoFailure(engine, s.engine.code)
      const effective = failed ? undefined : infoRegistries(engine.info.out)
      if (service.active === 'active' && failed) problems.push(`docker does not answer (${failed})`)
      else if (!failed && effective === undefined) problems.push('docker answers, but its info shows no registry settings')
      if (effective) {
        const check = (kind: keyof RegistrySettings, value: string, what: string, fileKey: string) => {
          const wanted: RegistrySettings = { 'registry-mirrors': [], 'insecure-registries': [], [kind]: [value] }
          if (missingRegistries(effective, wanted).length === 0) return
          problems.push(
            listed(daemon.config, fileKey, value)
              ? `${value} is in ${DAEMON_JSON}, but the running daemon does not use it: it has not re-read the file since`
              : `the running daemon does not use ${what} ${value}`,
          )
        }
        for (const m of o.registry_mirrors) check('registry-mirrors', m, 'the registry mirror', 'registry-mirrors')
        for (const r of o.insecure_registries) check('insecure-registries', r, 'the insecure registry', 'insecure-registries')
      }
      const version = effective ? serverVersion(engine.info.out) : undefined
      const found = problems.length
        ? problems
        : [`Docker${version ? ` ${version}` : ''} running and enabled${o.registry_mirrors.length || o.insecure_registries.length ? ', registry settings in effect' : ''}`]
      return { passed: problems.length === 0, found: [...found, ...notes].join('; ') }
    },
  )
}

function serverVersion(info: string): string | undefined {
  try {
    const v = (JSON.parse(info) as { ServerVersion?: unknown }).ServerVersion
    return typeof v === 'string' ? v : undefined
  } catch {
    return undefined
  }
}
