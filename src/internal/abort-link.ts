// A signal that follows other signals (the caller's, the client's close) for the length of one piece of
// work, without AbortSignal.any. On Node 20, each AbortSignal.any() adds an entry to every source's list
// of dependants that is never taken out: the client's close signal lives as long as the client, so one
// composite per request grew it by some 50 bytes per request, forever. A composite handed to fetch is
// also pinned by Node while it has an abort listener, and fetch removes its listener only from a
// finalizer, so each request's composite and its sets outlived the request. Here a follower is released
// when the work ends, and the signal handed out is a plain AbortController's.
//
// One link is one object besides its controller (no closures): every request of a batch makes one, and
// it lives as long as the request, so what it holds is paid for by every prediction in flight.

/** The links following a source signal: one listener on the source, however many links (no max-listeners warning). */
const followers = new WeakMap<AbortSignal, Set<LinkedSignal>>();

function follow(source: AbortSignal, link: LinkedSignal): void {
  let set = followers.get(source);
  if (!set) {
    const created = new Set<LinkedSignal>();
    set = created;
    followers.set(source, created);
    source.addEventListener(
      'abort',
      () => {
        followers.delete(source);
        for (const follower of [...created]) follower.abort(source.reason);
        created.clear();
      },
      { once: true },
    );
  }
  set.add(link);
}

/**
 * A signal aborted (with the source's reason) as soon as any of its sources aborts, or by `abort()`;
 * already aborted when a source is. What AbortSignal.any gives, with an end: see the file comment.
 */
export class LinkedSignal {
  readonly #controller = new AbortController();
  readonly #sources: readonly AbortSignal[];

  constructor(sources: readonly AbortSignal[]) {
    this.#sources = sources;
    for (const source of sources) {
      if (source.aborted) {
        this.abort(source.reason);
        return;
      }
      follow(source, this);
    }
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Aborts the signal (a timeout of the work itself), unless it already is. */
  abort(reason?: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }

  /** Stops following the sources: call it once the work is over, whatever its end. */
  release(): void {
    for (const source of this.#sources) followers.get(source)?.delete(this);
  }
}
