/**
 * One system call for the commands of one event-loop turn, on an ioredis connection that
 * would write each command on its own (a standalone `Redis`, Sentinel included, without
 * `enableAutoPipelining`). The first command of a turn corks the client's socket; an
 * immediate uncorks it once the turn's I/O callbacks have run, and the commands of every
 * request served in that turn leave in one `writev`. node-redis does the same by itself.
 *
 * Nothing else changes: ioredis still queues each command to match its reply, in order.
 * Only the moment the bytes leave moves, by at most the rest of the turn, and for the
 * application's own commands on that client too.
 */

/** The part of a Node socket this needs. */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

/** Answers the function to call before each command sent through `client`. */
export function corkEachTurn(client: { readonly stream?: Corkable }): () => void {
  let corked: Corkable | undefined;
  const uncork = (): void => {
    const stream = corked;
    corked = undefined;
    // The socket may have been replaced by a reconnect meanwhile: uncork the one corked.
    stream?.uncork();
  };
  return () => {
    if (corked !== undefined) return;
    // Read each turn: ioredis makes a new socket on every reconnect.
    const stream = client.stream;
    if (typeof stream?.cork !== 'function') return;
    stream.cork();
    corked = stream;
    setImmediate(uncork);
  };
}
