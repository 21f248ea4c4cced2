/**
 * A small typed fetch client over the generated types (src/api.d.ts): every path, method,
 * parameter, body and response is checked by tsc against contracts/openapi.yaml.
 */
import type { components, paths } from "./api.js";

export type Schemas = components["schemas"];
type Method = "get" | "post" | "put" | "patch" | "delete";
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;

export type ResponseBody<
    P extends keyof paths,
    M extends Method,
    S extends keyof Operation<P, M>["responses"],
> = Json<Operation<P, M>["responses"][S]>;

/** A request part the operation requires is required here, an optional one optional, and one
 * it does not document (`?: never` in the generated types) cannot be given at all. */
type Part<K extends string, T> = [NonNullable<T>] extends [never]
    ? { [key in K]?: never }
    : undefined extends T
      ? { [key in K]?: NonNullable<T> }
      : { [key in K]: T };
type BodyPart<O> = O extends { requestBody: infer Body }
    ? { body: Json<Body> }
    : O extends { requestBody?: infer Body }
      ? Part<"body", Json<NonNullable<Body>> | undefined>
      : { body?: never };

/** Who calls: an account's API token, or a guest's checkout token. */
export type Credentials = { token: string; guestToken?: never } | { guestToken: string; token?: never } | { token?: never; guestToken?: never };

export type Call<P extends keyof paths, M extends Method> = Part<"path", Operation<P, M>["parameters"]["path"]> &
    Part<"query", Operation<P, M>["parameters"]["query"]> &
    Part<"headers", Operation<P, M>["parameters"]["header"]> &
    BodyPart<Operation<P, M>> &
    Credentials;

/** How request() reads any Call once its callers are checked. */
interface Parts {
    path?: Record<string, string | number> | undefined;
    query?: Record<string, string | number | boolean | null | undefined> | undefined;
    headers?: Record<string, string | undefined> | undefined;
    body?: object | undefined;
    token?: string | undefined;
    guestToken?: string | undefined;
}

export type Problem = Schemas["Problem"] & Record<string, unknown>;

export class ApiError extends Error {
    constructor(readonly problem: Problem) {
        super(`${problem.status} ${problem.title}: ${problem.detail}`);
    }
}

export class Client {
    constructor(readonly baseUrl: string) {}

    /** One request; resolves with the documented body of the expected status, else throws the problem. */
    async request<P extends keyof paths & string, M extends Method, S extends keyof Operation<P, M>["responses"] & number>(
        method: M,
        template: P,
        expected: S,
        call: Call<P, M>,
    ): Promise<ResponseBody<P, M, S>> {
        const parts: Parts = call;
        const path = Object.entries(parts.path ?? {}).reduce<string>(
            (url, [name, value]) => url.replace(`{${name}}`, encodeURIComponent(String(value))),
            template,
        );
        const query = new URLSearchParams(
            Object.entries(parts.query ?? {})
                .filter(([, value]) => value !== undefined)
                .map(([name, value]): [string, string] => [name, String(value)]),
        );
        const headers: Record<string, string> = { Accept: "application/json", ...definedOnly(parts.headers ?? {}) };
        if (parts.token !== undefined) headers.Authorization = `Token ${parts.token}`;
        if (parts.guestToken !== undefined) headers.Authorization = `Checkout ${parts.guestToken}`;
        if (parts.body !== undefined) headers["Content-Type"] = "application/json";
        const response = await fetch(`${this.baseUrl}${path}${query.size ? `?${query}` : ""}`, {
            method: method.toUpperCase(),
            headers,
            body: parts.body === undefined ? null : JSON.stringify(parts.body),
        });
        const payload: unknown = response.status === 204 ? undefined : await response.json();
        if (response.status !== expected) throw new ApiError(payload as Problem);
        // The one unchecked step: the server's JSON is taken to be what the schema documents
        // (schemathesis checks that side in tests/contracts/test_api_fuzz.py).
        return payload as ResponseBody<P, M, S>;
    }
}

function definedOnly(record: Record<string, string | undefined>): Record<string, string> {
    return Object.fromEntries(
        Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
}
