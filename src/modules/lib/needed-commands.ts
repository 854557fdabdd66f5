/**
 * Commands a module runs on the node (curl for its checks, tar for an installer) that a minimal image may
 * lack. Asked by command, not by package: EL 9 ships curl as curl-minimal, and installing `curl` there
 * would fight it.
 */
import type { Change } from '../module.js'
import { shellQuote } from '../../guest/remote-command.js'

/** A probe section printing `has NAME` for each command found. Package and command share the name. */
export function commandsSection(names: readonly string[]): string {
  return `for c in ${names.map(shellQuote).join(' ')}; do command -v "$c" >/dev/null 2>&1 && echo "has $c"; done; true`
}

export function missingCommands(names: readonly string[], out: string): string[] {
  const found = new Set(out.split('\n').flatMap((l) => (l.startsWith('has ') ? [l.slice(4).trim()] : [])))
  return names.filter((n) => !found.has(n))
}

/** The change installing what is missing (apply it with installPackages), or none. */
export function toolsChange(missing: readonly string[], why: string): Change<'tools'>[] {
  return missing.length ? [{ key: 'tools', what: `install ${missing.join(' ')}`, why }] : []
}
