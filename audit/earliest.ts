/**
 * Keeps the `capacity` earliest items offered, in memory proportional to the capacity however many are offered: a
 * binary max-heap on (time, arrival), so the latest kept item is the one dropped when an earlier one comes. Ties in
 * time keep the item that arrived first, so the result does not depend on the heap's internal order.
 */
export class EarliestItems<T> {
    private readonly heap: Array<{ timeMs: number; arrival: number; item: T }> = [];
    private arrivals = 0;
    /** Items offered, kept or not. */
    offered = 0;

    constructor(private readonly capacity: number) {}

    /** The time of the latest item kept when full (nothing later can be kept), or undefined while not full. */
    cutoffMs(): number | undefined {
        return this.heap.length < this.capacity ? undefined : this.heap[0].timeMs;
    }

    offer(timeMs: number, item: T): void {
        this.offered += 1;
        const entry = { timeMs, arrival: this.arrivals++, item };
        if (this.heap.length < this.capacity) {
            this.heap.push(entry);
            this.siftUp(this.heap.length - 1);
            return;
        }
        if (this.capacity === 0 || !later(this.heap[0], entry)) return;
        this.heap[0] = entry;
        this.siftDown(0);
    }

    /** The kept items, earliest first. */
    sorted(): T[] {
        return [...this.heap].sort((a, b) => a.timeMs - b.timeMs || a.arrival - b.arrival).map((entry) => entry.item);
    }

    get size(): number {
        return this.heap.length;
    }

    private siftUp(index: number): void {
        let child = index;
        while (child > 0) {
            const parent = (child - 1) >> 1;
            if (!later(this.heap[child], this.heap[parent])) return;
            [this.heap[child], this.heap[parent]] = [this.heap[parent], this.heap[child]];
            child = parent;
        }
    }

    private siftDown(index: number): void {
        let parent = index;
        for (;;) {
            const left = 2 * parent + 1;
            const right = left + 1;
            let largest = parent;
            if (left < this.heap.length && later(this.heap[left], this.heap[largest])) largest = left;
            if (right < this.heap.length && later(this.heap[right], this.heap[largest])) largest = right;
            if (largest === parent) return;
            [this.heap[parent], this.heap[largest]] = [this.heap[largest], this.heap[parent]];
            parent = largest;
        }
    }
}

function later(a: { timeMs: number; arrival: number }, b: { timeMs: number; arrival: number }): boolean {
    return a.timeMs > b.timeMs || (a.timeMs === b.timeMs && a.arrival > b.arrival);
}
