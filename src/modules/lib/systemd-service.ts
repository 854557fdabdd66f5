/** A systemd service: probe its state in the module's script, enable it, (re)start it only after a change. */
import type { Change, Guest } from '../module.js'
import { shellQuote } from '../../guest/remote-command.js'
import { must } from './must.js'

export interface ServiceState {
  /** `systemctl is-active`: active, inactive, failed, activating… */
  active: string
  /** `systemctl is-enabled`: enabled, disabled, masked, static…; '' when the unit does not exist. */
  enabled: string
}

/** States in which the unit starts at boot without `systemctl enable`. */
const STARTS_AT_BOOT = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'generated', 'indirect'])

export function serviceSection(unit: string): string {
  const u = shellQuote(unit)
  return `echo "active $(systemctl is-active ${u} 2>/dev/null)"\necho "enabled $(systemctl is-enabled ${u} 2>/dev/null)"`
}

export function parseService(out: string): ServiceState {
  const value = (key: string): string => new RegExp(`^${key} ?(.*)$`, 'm').exec(out)?.[1]?.trim() ?? ''
  return { active: value('active'), enabled: value('enabled') }
}

export function startsAtBoot(state: ServiceState): boolean {
  return STARTS_AT_BOOT.has(state.enabled)
}

/**
 * Changes that leave `unit` enabled and running: a restart when `restartBecause` says something changed,
 * otherwise a start only when it is not running.
 */
export function serviceChanges(unit: string, state: ServiceState, restartBecause?: string): Change[] {
  const changes: Change[] = []
  if (!startsAtBoot(state)) {
    changes.push({
      key: 'enable',
      what: `${state.enabled === 'masked' ? 'unmask and enable' : 'enable'} ${unit}`,
      why: `it must start at boot (it is ${state.enabled || 'not installed yet'})`,
    })
  }
  if (restartBecause !== undefined) changes.push({ key: 'restart', what: `restart ${unit}`, why: restartBecause })
  else if (state.active !== 'active') changes.push({ key: 'start', what: `start ${unit}`, why: `it is ${state.active || 'not running'}` })
  return changes
}

/** Carries out the `enable`, `restart` and `start` changes among `changes` (others are ignored). */
export async function applyServiceChanges(guest: Guest, node: string, unit: string, state: ServiceState, changes: readonly Change[]): Promise<void> {
  const keys = new Set(changes.map((c) => c.key))
  if (keys.has('enable')) {
    if (state.enabled === 'masked') await must(guest, node, ['systemctl', 'unmask', unit])
    await must(guest, node, ['systemctl', 'enable', unit])
  }
  if (keys.has('restart')) await must(guest, node, ['systemctl', 'restart', unit])
  else if (keys.has('start')) await must(guest, node, ['systemctl', 'start', unit])
}
