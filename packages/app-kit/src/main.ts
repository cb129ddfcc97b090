import { progressByLabel } from './progress.js';

/** What `runApp` reports progress through: one bar per label (see `progressByLabel`). */
export type LabelledProgress = (label: string, done: number, total: number, info?: string) => void;

export interface AppEntry<O extends { help?: boolean; quiet?: boolean }> {
  /** Parses the command line (throws a message for bad input). */
  parse(argv: string[]): O;
  /** Printed for `--help`. */
  usage: string;
  /** The app's work, logging result lines and reporting progress unless `--quiet`. */
  run(options: O, log: (line: string) => void, progress: LabelledProgress | undefined): Promise<unknown>;
}

/**
 * An app's entry point: parse `process.argv`, print the usage for `--help`, run with progress bars
 * on stderr unless `--quiet`; an error prints its message and exits with status 1.
 */
export async function runApp<O extends { help?: boolean; quiet?: boolean }>(app: AppEntry<O>): Promise<void> {
  try {
    const options = app.parse(process.argv.slice(2));
    if (options.help) {
      process.stdout.write(app.usage);
      process.exit(0);
    }
    await app.run(
      options,
      (line) => console.log(line),
      options.quiet ? undefined : progressByLabel({ out: process.stderr }),
    );
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
}
