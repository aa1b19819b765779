/** An error `npm start` reports as one sentence saying what to do, without a stack trace. */
export class DevError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DevError";
  }
}
