/**
 * Ajv's options for the scenario schema, shared by the loader and the ahead-of-time compiler
 * (scripts/write-scenario-validator.mjs), so the two validators are the same.
 * strictNumbers: YAML's .inf and .nan are numbers to Ajv otherwise, and .nan passes every bound.
 */
export const AJV_OPTIONS = { allErrors: true, verbose: true, strict: false, strictNumbers: true } as const;
