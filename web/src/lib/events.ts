// A minimal publish/subscribe hub: the store announces what changed, screens
// re-render the parts that show it.

type Fn = (arg?: unknown) => void;

export class Emitter {
  private subs = new Map<string, Set<Fn>>();

  on(topic: string, fn: Fn): () => void {
    let s = this.subs.get(topic);
    if (!s) this.subs.set(topic, (s = new Set()));
    s.add(fn);
    return () => s!.delete(fn);
  }

  emit(topic: string, arg?: unknown): void {
    const s = this.subs.get(topic);
    if (s) for (const fn of [...s]) fn(arg);
  }
}

// Subscriptions owned by one screen: dispose() drops them all when the
// screen goes away.
export class Scope {
  private offs: (() => void)[] = [];
  add(off: () => void): void {
    this.offs.push(off);
  }
  dispose(): void {
    for (const off of this.offs.splice(0)) off();
  }
}
