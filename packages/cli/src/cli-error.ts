// A failure the CLI reports as one line on stderr and exit code 1; `code` is the API's error code when there is one.
export class CliError extends Error {
  constructor(
    message: string,
    readonly code?: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
