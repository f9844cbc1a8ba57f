/** Cleanup for servers that leave something behind (a temp file, a table): run it, then exit 0. */
export function onStop(cleanup: () => unknown): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      void Promise.resolve()
        .then(cleanup)
        .catch(() => {})
        .finally(() => process.exit(0));
    });
  }
}
