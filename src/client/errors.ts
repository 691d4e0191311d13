// What a client call can fail with, so callers can map it to an exit code.

/** The server refused a request (4xx/5xx): its status and its one-line message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** No server answers (exit code 3). */
export class ServerUnreachable extends Error {
  readonly exitCode = 3;
  constructor(message: string) {
    super(message);
    this.name = "ServerUnreachable";
  }
}
