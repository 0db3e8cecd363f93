/** What the heap orders: by `at`, then `seq` (so equal times keep their order of arrival). */
export interface HeapItem {
  /** The key: when the item is next due, in ms. */
  at: number;
  /** Arrival order, the tie-break. */
  readonly seq: number;
  /** Where the item sits in the heap's array; -1 when it is not in the heap. Kept by the heap. */
  index: number;
}

/**
 * A binary min-heap of items that know their own place (`index`), so one can be removed or moved in
 * O(log n) without a search: the poll scheduler keeps every pending wait in one.
 */
export class MinHeap<T extends HeapItem> {
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  /** The earliest item, left in place. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Puts `item` in at key `at`, or moves it there when it is in already. */
  set(item: T, at: number): void {
    item.at = at;
    if (item.index < 0) {
      item.index = this.#items.length;
      this.#items.push(item);
      this.#up(item.index);
    } else if (!this.#up(item.index)) this.#down(item.index);
  }

  /** Takes the earliest item out. */
  pop(): T | undefined {
    const top = this.#items[0];
    if (top !== undefined) this.remove(top);
    return top;
  }

  /** Takes `item` out (nothing when it is not in). */
  remove(item: T): void {
    const i = item.index;
    if (i < 0) return;
    item.index = -1;
    const last = this.#items.pop() as T;
    if (last === item) return;
    this.#items[i] = last;
    last.index = i;
    if (!this.#up(i)) this.#down(i);
  }

  /** Moves the item at `i` up while it is earlier than its parent; whether it moved. */
  #up(i: number): boolean {
    const items = this.#items;
    const item = items[i] as T;
    let at = i;
    while (at > 0) {
      const parentAt = (at - 1) >> 1;
      const parent = items[parentAt] as T;
      if (!before(item, parent)) break;
      items[at] = parent;
      parent.index = at;
      at = parentAt;
    }
    if (at === i) return false;
    items[at] = item;
    item.index = at;
    return true;
  }

  #down(i: number): void {
    const items = this.#items;
    const n = items.length;
    const item = items[i] as T;
    let at = i;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(items[right] as T, items[left] as T) ? right : left;
      const next = items[child] as T;
      if (!before(next, item)) break;
      items[at] = next;
      next.index = at;
      at = child;
    }
    items[at] = item;
    item.index = at;
  }
}

function before(a: HeapItem, b: HeapItem): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
