/** Throttled progress on stderr: one line a second at most, rewritten in place on a terminal. */
export class Progress {
    private lastPrint = 0;
    private printed = false;

    constructor(
        private readonly stream: NodeJS.WritableStream,
        private readonly enabled: boolean,
        private readonly inPlace: boolean,
        private readonly intervalMs = 1000,
        private readonly now: () => number = Date.now,
    ) {}

    update(files: number, records: number, bytes: number, current: string): void {
        if (!this.enabled) return;
        const now = this.now();
        if (this.printed && now - this.lastPrint < this.intervalMs) return;
        this.lastPrint = now;
        this.write(`audit: ${files} files, ${records} records, ${(bytes / 1048576).toFixed(1)} MB read; at ${current}`);
    }

    done(files: number, records: number, bytes: number): void {
        if (!this.enabled) return;
        this.write(`audit: done, ${files} files, ${records} records, ${(bytes / 1048576).toFixed(1)} MB read`);
        if (this.inPlace) this.stream.write("\n");
    }

    private write(line: string): void {
        this.printed = true;
        this.stream.write(this.inPlace ? `\r\x1b[2K${line}` : `${line}\n`);
    }
}
