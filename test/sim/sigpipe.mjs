// A real CLI whose reader is gone (the `lab` that started it was killed) dies of SIGPIPE at its next
// write. Node ignores SIGPIPE and reports EPIPE as a stream error instead, so without this the
// simulators would carry on, or exit 1 with a stack trace, where the real tool is killed by the signal.

/** At the first EPIPE on stdout or stderr, dies of SIGPIPE as a C program does. */
export function dieOfSigpipeOnEpipe() {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error) => {
      if (error.code !== 'EPIPE') throw error
      // Adding then removing the last listener puts the signal back to SIG_DFL (libuv restores it).
      process.on('SIGPIPE', () => {})
      process.removeAllListeners('SIGPIPE')
      process.kill(process.pid, 'SIGPIPE')
    })
  }
}
