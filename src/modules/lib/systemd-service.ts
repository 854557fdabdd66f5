/** A systemd service: probe its state in the module's script, enable it, (re)start it only after a change. */
import type { Change, Guest } from '../module.js'
import { changeKeys } from './change-keys.js'
import { shellQuote } from '../../guest/remote-command.js'
import { must } from './must.js'

export interface ServiceState {
  /** ActiveState: active, inactive, failed, activating… */
  active: string
  /** UnitFileState: enabled, disabled, masked, static…; '' when the unit does not exist. */
  enabled: string
}

/** The changes serviceChanges plans. */
export type ServiceKey = 'enable' | 'restart' | 'start'

/** States in which the unit starts at boot without `systemctl enable`. */
const STARTS_AT_BOOT = new Set(['enabled', 'enabled-runtime', 'static', 'alias', 'generated', 'indirect'])

/**
 * Both states from one `systemctl show` (is-active and is-enabled would be two processes). A unit that does
 * not exist shows `inactive` and an empty UnitFileState, as is-active and is-enabled say.
 */
export function serviceSection(unit: string): string {
  return `systemctl show -p ActiveState -p UnitFileState ${shellQuote(unit)} 2>/dev/null; true`
}

export function parseService(out: string): ServiceState {
  const value = (key: string): string => new RegExp(`^${key}=(.*)$`, 'm').exec(out)?.[1]?.trim() ?? ''
  return { active: value('ActiveState'), enabled: value('UnitFileState') }
}

export function startsAtBoot(state: ServiceState): boolean {
  return STARTS_AT_BOOT.has(state.enabled)
}

/**
 * Changes that leave `unit` enabled and running: a restart when `restartBecause` says something changed,
 * otherwise a start only when it is not running.
 */
export function serviceChanges(unit: string, state: ServiceState, restartBecause?: string): Change<ServiceKey>[] {
  const changes: Change<ServiceKey>[] = []
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
export async function applyServiceChanges<K extends string>(guest: Guest, node: string, unit: string, state: ServiceState, changes: readonly Change<K | ServiceKey>[]): Promise<void> {
  const keys = changeKeys(changes)
  if (keys.has('enable')) {
    if (state.enabled === 'masked') await must(guest, node, ['systemctl', 'unmask', unit])
    await must(guest, node, ['systemctl', 'enable', unit])
  }
  if (keys.has('restart')) await must(guest, node, ['systemctl', 'restart', unit])
  else if (keys.has('start')) await must(guest, node, ['systemctl', 'start', unit])
}
