export { type CommandSpec, type OptionSpec, type ParsedOptions, parseCommand, usage } from './command.js';
export { contextOn } from './device.js';
export { type AppEntry, type LabelledProgress, runApp } from './main.js';
export { ProgressBar, type ProgressOptions, progressByLabel, trainingStatus } from './progress.js';
