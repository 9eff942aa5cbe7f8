// Not a plugin: the CLI must say so.
export const answer = 42
