// Stream events produced by synchronous callbacks (build progress, executor
// logs) are queued so they go out in order, each after the previous write.
export function orderedSender<E>(emit: (event: E) => Promise<void>): { send(event: E): void; flush(): Promise<void> } {
  let chain = Promise.resolve();
  return {
    send: (event) => {
      // A client that went away must not fail the deployment: it carries on and is recorded.
      chain = chain.then(() => emit(event)).catch(() => undefined);
    },
    flush: () => chain,
  };
}
