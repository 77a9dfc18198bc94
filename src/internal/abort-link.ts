// A signal that follows other signals (the caller's, the client's close) for the length of one piece of
// work, without AbortSignal.any. On Node 20, each AbortSignal.any() adds an entry to every source's list
// of dependants that is never taken out: the client's close signal lives as long as the client, so one
// composite per request grew it by some 50 bytes per request, forever. A composite handed to fetch is
// also pinned by Node while it has an abort listener, and fetch removes its listener only from a
// finalizer, so each request's composite and its sets outlived the request. Here a follower is released
// when the work ends, and the signal handed out is a plain AbortController's.

/** What follows a source signal: one listener on the source, however many followers (no max-listeners warning). */
const followers = new WeakMap<AbortSignal, Set<() => void>>();

function follow(source: AbortSignal, onAbort: () => void): () => void {
  let set = followers.get(source);
  if (!set) {
    const created = new Set<() => void>();
    set = created;
    followers.set(source, created);
    source.addEventListener(
      'abort',
      () => {
        followers.delete(source);
        for (const follower of [...created]) follower();
        created.clear();
      },
      { once: true },
    );
  }
  const own = set;
  own.add(onAbort);
  return () => {
    own.delete(onAbort);
  };
}

/** A signal linked to its sources until `release()`. */
export interface LinkedSignal {
  readonly signal: AbortSignal;
  /** Aborts the signal (a timeout of the work itself), unless it already is. */
  abort(reason?: unknown): void;
  /** Stops following the sources: call it once the work is over, whatever its end. */
  release(): void;
}

/**
 * A signal aborted (with the source's reason) as soon as any of `sources` aborts, or by `abort()`;
 * already aborted when a source is. What AbortSignal.any gives, with an end: see the file comment.
 */
export function linkSignals(sources: readonly AbortSignal[]): LinkedSignal {
  const controller = new AbortController();
  const unfollow: (() => void)[] = [];
  const abort = (reason?: unknown): void => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  for (const source of sources) {
    if (source.aborted) {
      abort(source.reason);
      break;
    }
    unfollow.push(follow(source, () => abort(source.reason)));
  }
  return {
    signal: controller.signal,
    abort,
    release: () => {
      for (const stop of unfollow) stop();
      unfollow.length = 0;
    },
  };
}
