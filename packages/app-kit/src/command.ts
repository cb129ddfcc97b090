import { parseArgs } from 'node:util';

/** One command-line option: its kind, default and one line of help. */
export type OptionSpec =
  | { type: 'boolean'; help: string; short?: string }
  | { type: 'string'; help: string; default?: string; choices?: readonly string[] }
  | { type: 'number'; help: string; default?: number; min?: number; max?: number; integer?: boolean };

/** A command: its name, what it does, and its options by long name (`kv-heads`, not `kvHeads`). */
export interface CommandSpec {
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
}

type ValueOf<O extends OptionSpec> = O extends { type: 'boolean' }
  ? boolean
  : O extends { type: 'string'; choices: readonly (infer C extends string)[]; default: string }
    ? C
    : O extends { type: 'string'; choices: readonly (infer C extends string)[] }
      ? C | undefined
      : O extends { type: 'string'; default: string }
        ? string
        : O extends { type: 'string' }
          ? string | undefined
          : O extends { type: 'number'; default: number }
            ? number
            : number | undefined;

/** The parsed values, keyed by the option's long name, plus `help`. */
export type ParsedOptions<S extends CommandSpec> = { [K in keyof S['options']]: ValueOf<S['options'][K]> } & {
  help: boolean;
};

/** The `--help` text: the summary, then one aligned line per option with its default. */
export function usage(spec: CommandSpec): string {
  const rows = Object.entries(spec.options).map(([name, o]) => {
    let flag = `--${name}`;
    if (o.type === 'string') flag += o.choices ? ` ${o.choices.join('|')}` : ' S';
    if (o.type === 'number') flag += o.integer ? ' N' : ' X';
    const fallback = o.type !== 'boolean' && o.default !== undefined ? ` (default ${o.default})` : '';
    return [flag, `${o.help}${fallback}`] as const;
  });
  rows.push(['--help, -h', 'print this text']);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return `${spec.name}: ${spec.summary}\n\n${rows.map(([f, h]) => `  ${f.padEnd(width)}${h}`).join('\n')}\n`;
}

/**
 * Parses `argv` against `spec` with node:util's parseArgs (strict: unknown flags are errors), checks every
 * value, and returns them typed. The `--` that `pnpm start -- …` passes through is dropped, and a
 * negative number may follow its flag (`--reward -1`). Errors name the flag, the value and what was
 * expected, and end with the usage text.
 */
export function parseCommand<S extends CommandSpec>(spec: S, argv: readonly string[]): ParsedOptions<S> {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, o] of Object.entries(spec.options)) {
    options[name] =
      o.type === 'boolean' ? { type: 'boolean', ...(o.short ? { short: o.short } : {}) } : { type: 'string' };
  }
  const fail = (message: string): never => {
    throw new Error(`${spec.name}: ${message}\n\n${usage(spec)}`);
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: joinNegativeValues(argv.filter((a) => a !== '--')),
      options,
      strict: true,
    }));
  } catch (e) {
    return fail((e as Error).message);
  }
  const out: Record<string, string | number | boolean | undefined> = { help: values.help === true };
  for (const [name, o] of Object.entries(spec.options)) {
    const raw = values[name];
    if (o.type === 'boolean') {
      out[name] = raw === true;
    } else if (o.type === 'string') {
      const value = (raw as string | undefined) ?? o.default;
      if (value !== undefined && o.choices && !o.choices.includes(value)) {
        fail(`--${name} must be one of ${o.choices.join(', ')}, got '${value}'`);
      }
      out[name] = value;
    } else {
      if (raw === undefined) {
        out[name] = o.default;
        continue;
      }
      const x = Number(raw);
      const text = raw as string;
      if (text.trim() === '' || !Number.isFinite(x)) fail(`--${name} needs a number, got '${text}'`);
      if (o.integer && !Number.isSafeInteger(x)) fail(`--${name} needs an integer, got '${text}'`);
      if (o.min !== undefined && x < o.min) fail(`--${name} must be at least ${o.min}, got ${x}`);
      if (o.max !== undefined && x > o.max) fail(`--${name} must be at most ${o.max}, got ${x}`);
      out[name] = x;
    }
  }
  return out as ParsedOptions<S>;
}

/** parseArgs reads `--reward -1` as two flags; join such pairs as `--reward=-1`. */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const next = args[i + 1];
    if (args[i].startsWith('--') && !args[i].includes('=') && next !== undefined && /^-\.?\d/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}
