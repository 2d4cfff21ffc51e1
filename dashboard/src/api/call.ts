import { ApiError, httpFailure, thrownFailure } from "./api-error";

/** What an openapi-fetch call resolves to, reduced to what `call` needs. */
interface Answer<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

async function settle<D>(pending: Promise<Answer<D>>): Promise<Answer<D>> {
  try {
    return await pending;
  } catch (cause) {
    throw thrownFailure(cause);
  }
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError
 * (network, unreadable, or the server's ErrorBody). Every fetcher uses this.
 */
export async function call<D>(pending: Promise<Answer<D>>): Promise<D> {
  const { data, error, response } = await settle(pending);
  if (!response.ok) throw httpFailure(response.status, error);
  if (data === undefined) throw new ApiError({ kind: "unreadable", status: response.status });
  return data;
}

/** Like `call`, for operations that answer 204 No Content. */
export async function callNoContent(pending: Promise<Answer<unknown>>): Promise<void> {
  const { error, response } = await settle(pending);
  if (!response.ok) throw httpFailure(response.status, error);
}
