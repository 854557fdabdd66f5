/** Stage timings for the end-to-end suites, printed at the end of a run. */
export function stopwatch(): { timings: Record<string, number>; timed<T>(name: string, work: () => Promise<T>): Promise<T> } {
  const timings: Record<string, number> = {}
  return {
    timings,
    async timed(name, work) {
      const started = Date.now()
      try {
        return await work()
      } finally {
        timings[name] = Date.now() - started
      }
    },
  }
}
