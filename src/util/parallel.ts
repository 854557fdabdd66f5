/**
 * Runs fn over items with at most `limit` at once, and waits for every one even when some fail (so a failure
 * never leaves work running in the background); then throws the first error, with the rest attached.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  const errors: unknown[] = []
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      try {
        results[i] = await fn(items[i]!, i)
      } catch (err) {
        errors.push(err)
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  if (errors.length === 1) throw errors[0]
  if (errors.length > 1) {
    const first = errors[0] as Error
    const more = errors.slice(1).map((e) => (e as Error).message ?? String(e))
    first.message += `\n(and ${more.length} more: ${more.join('; ')})`
    throw first
  }
  return results
}
