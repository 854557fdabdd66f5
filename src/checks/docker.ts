import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { probeSections } from '../modules/lib/probe-script.js'

/**
 * Docker installed, its daemon running and enabled at boot, and the registry settings the daemon USES (what
 * `docker info` reports, not what daemon.json says: a file the daemon was not restarted after does not count).
 * daemon.json is read too, for the course's pitfall: the singular `registry-mirror` key that dockerd ignores.
 */
export const dockerCheck: Check<CheckOptions<'docker'>> = async ({ lab, options, guest }) => {
  const names = options.nodes === 'all' ? lab.nodes.map((n) => n.name) : options.nodes
  return Promise.all(
    names.map(async (name) => {
      const { guest: g } = await guest(name)
      const s = await probeSections(g, name, {
        enabled: 'systemctl is-enabled docker 2>&1',
        registry: "docker info --format '{{json .RegistryConfig}}' 2>&1",
        daemon_json: 'cat /etc/docker/daemon.json 2>/dev/null',
      })
      const wanted = [...options.insecure_registries.map((r) => `insecure registry ${r}`), ...options.registry_mirrors.map((m) => `registry mirror ${m}`)]
      const expected = `docker running and enabled${wanted.length ? `, using ${wanted.join(', ')}` : ''}`
      const fail = (found: string) => ({ on: name, passed: false, expected, found })
      if (s.registry.code !== 0) {
        const said = s.registry.out.trim().split('\n').pop() ?? ''
        return fail(/not found/.test(said) || s.registry.code === 127 ? 'docker is not installed' : `the docker daemon does not answer (${said.replace(/^Error( response from daemon)?: /, '')})`)
      }
      if (s.enabled.out.trim() !== 'enabled') return fail(`docker runs but does not start at boot (systemctl says ${s.enabled.out.trim() || 'nothing'})`)
      let config: { Mirrors?: string[]; IndexConfigs?: Record<string, { Secure?: boolean }> }
      try {
        config = JSON.parse(s.registry.out) as typeof config
      } catch {
        return fail(`docker info printed something unexpected: ${s.registry.out.trim().slice(0, 80)}`)
      }
      const mirrors = (config.Mirrors ?? []).map((m) => m.replace(/\/+$/, ''))
      const insecure = Object.entries(config.IndexConfigs ?? {})
        .filter(([, c]) => c.Secure === false)
        .map(([k]) => k)
      const missing = [
        ...options.insecure_registries.filter((r) => !insecure.includes(r)).map((r) => `${r} is not an insecure registry of the daemon`),
        ...options.registry_mirrors.filter((m) => !mirrors.includes(m.replace(/\/+$/, ''))).map((m) => `${m} is not a registry mirror of the daemon`),
      ]
      if (missing.length && /"registry-mirror"\s*:/.test(s.daemon_json.out)) missing.push('daemon.json has "registry-mirror" (singular), which dockerd ignores: the key is "registry-mirrors"')
      if (missing.length && /"insecure-registry"\s*:/.test(s.daemon_json.out)) missing.push('daemon.json has "insecure-registry" (singular): the key is "insecure-registries"')
      if (missing.length && s.daemon_json.out.trim()) {
        const file = s.daemon_json.out
        const named = [...options.insecure_registries, ...options.registry_mirrors].filter((x) => file.includes(x))
        if (named.length) missing.push('daemon.json names it, but the daemon was not restarted since (or the file is not valid JSON)')
      }
      return missing.length ? fail(missing.join('; ')) : { on: name, passed: true, expected, found: `enabled; mirrors: ${mirrors.join(', ') || 'none'}; insecure: ${insecure.join(', ') || 'none'}` }
    }),
  )
}
