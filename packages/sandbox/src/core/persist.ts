import fs from 'node:fs';
import path from 'node:path';

export type Persistable = {
  /** A JSON-serialisable snapshot of the part's state. */
  save(): unknown;
  /** Restores from a snapshot written by `save` (called once, before serving). */
  load(data: unknown): void;
};

/**
 * Saves registered parts of the sandbox's state as JSON files under `<dataDir>/state/` on an
 * interval and at shutdown (atomically: write to a temp file, then rename), and restores them
 * at start. `--reset` deletes the folder first.
 */
export class StatePersistence {
  #dir: string;
  #parts = new Map<string, Persistable>();
  #timer?: NodeJS.Timeout;

  constructor(dataDir: string) {
    this.#dir = path.join(dataDir, 'state');
    fs.mkdirSync(this.#dir, { recursive: true });
  }

  register(name: string, part: Persistable): boolean {
    this.#parts.set(name, part);
    const file = path.join(this.#dir, `${name}.json`);
    if (fs.existsSync(file)) {
      part.load(JSON.parse(fs.readFileSync(file, 'utf8')));
      return true;
    }
    return false;
  }

  has(name: string): boolean {
    return fs.existsSync(path.join(this.#dir, `${name}.json`));
  }

  saveAll() {
    for (const [name, part] of this.#parts) {
      const file = path.join(this.#dir, `${name}.json`);
      const tmp = `${file}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(part.save()));
      fs.renameSync(tmp, file);
    }
  }

  start(intervalMs = 2000) {
    this.#timer = setInterval(() => this.saveAll(), intervalMs);
    this.#timer.unref();
  }

  stop() {
    if (this.#timer) clearInterval(this.#timer);
    this.saveAll();
  }
}
