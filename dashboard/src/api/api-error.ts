import type { components } from "./schema";

export type ErrorBody = components["schemas"]["ErrorBody"];

/** Why a call to core-server did not produce the data it promises. */
export type ApiFailure =
  /** No HTTP answer at all: server down, offline, connection refused. */
  | { kind: "network" }
  /** A success status, but a body that is not the JSON the API describes. */
  | { kind: "unreadable"; status: number | null }
  /** An error status; `body` is the server's ErrorBody when it sent one. */
  | { kind: "http"; status: number; body: ErrorBody | null };

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly failure: ApiFailure;

  constructor(failure: ApiFailure, options?: ErrorOptions) {
    super(`core-server call failed (${failure.kind})`, options);
    this.failure = failure;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** True when `value` has the shape of core-server's ErrorBody. */
export function isErrorBody(value: unknown): value is ErrorBody {
  if (!isRecord(value) || !isRecord(value.error)) return false;
  return typeof value.error.code === "string" && typeof value.error.message === "string";
}

/** An error status answer; openapi-fetch hands over the parsed body, or raw text. */
export function httpFailure(status: number, body: unknown): ApiError {
  return new ApiError({ kind: "http", status, body: isErrorBody(body) ? body : null });
}

/**
 * What openapi-fetch threw: fetch rejects with a TypeError when there is no
 * answer; parsing a success body that is not JSON throws a SyntaxError.
 * Cancellation (AbortError) is passed through untouched for TanStack Query.
 */
export function thrownFailure(cause: unknown): unknown {
  if (cause instanceof DOMException && cause.name === "AbortError") return cause;
  if (cause instanceof SyntaxError) return new ApiError({ kind: "unreadable", status: null }, { cause });
  return new ApiError({ kind: "network" }, { cause });
}
