/** A sleep that `cancelAll` ends at once (on stop), leaving no timer behind. */
export function sleeper() {
  const pending = new Set<() => void>();
  return {
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          pending.delete(done);
          resolve();
        };
        const t = setTimeout(done, Math.max(0, ms));
        pending.add(done);
      }),
    cancelAll: () => {
      for (const done of [...pending]) done();
    },
  };
}
