/**
 * The one table of `lab`'s exit codes: the same kind of problem ends with the same code whichever command or
 * hypervisor met it, so that a script (or a teacher's class runner) can tell "fix this machine" from "fix the lab file".
 */
export const EXIT = {
  ok: 0,
  /** A step failed: a hypervisor command, SSH, a module, a check that does not pass. */
  failed: 1,
  /** Bad input: the lab file, a flag, a name that does not exist. Nothing was changed. */
  badInput: 2,
  /** This machine cannot run the lab yet: no hypervisor, or one that is not installed or set up as the lab needs. Nothing was created. */
  host: 3,
  /** Another `lab` command holds the lab's lock. */
  busy: 4,
  /** Stopped by Ctrl-C or SIGTERM (128 + SIGINT). */
  interrupted: 130,
} as const

/** The table as `lab --help` and the README show it. */
export const EXIT_TABLE: ReadonlyArray<readonly [number, string]> = [
  [EXIT.ok, 'ok'],
  [EXIT.failed, 'a step failed (hypervisor command, SSH, module, failing check)'],
  [EXIT.badInput, 'bad input (lab file, flags, names); nothing changed'],
  [EXIT.host, 'this machine cannot run the lab yet (no hypervisor, or not set up); nothing created'],
  [EXIT.busy, 'another lab command holds the lab'],
  [EXIT.interrupted, 'interrupted (Ctrl-C)'],
]
