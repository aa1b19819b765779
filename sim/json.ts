/** Plain JSON values as the fake Messages API reads them (on its own, not through the worker's code it checks). */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
