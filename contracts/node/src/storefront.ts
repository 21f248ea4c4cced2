/**
 * The direct-order flow (POST /orders), typed from contracts/openapi.yaml through client.ts. It is
 * type-checked (`npm run typecheck`); the checkout flow (checkout-flow.ts) is the one run against
 * a live server.
 */
import { Client, type Schemas } from "./client.js";

type Product = Schemas["Product"];
type Order = Schemas["Order"];
type OrderStatus = Schemas["OrderStatusEnum"];

/** Sign in, pick the cheapest product in stock, order two, read the order back, cancel it. */
export async function buyAndCancel(baseUrl: string, email: string, password: string): Promise<OrderStatus | undefined> {
    const api = new Client(baseUrl);
    const request: Client["request"] = (method, template, expected, call) =>
        api.request(method, template, expected, call);
    const { token } = await request("post", "/api/v1/auth/token", 200, { body: { email, password } });

    const page = await request("get", "/api/v1/products", 200, { query: { in_stock: true, limit: 50 } });
    const cheapest = page.results.reduce<Product | undefined>(
        (best, product) => (best === undefined || product.price.amount < best.price.amount ? product : best),
        undefined,
    );
    if (cheapest === undefined) throw new Error("nothing in stock");

    const placed: Order = await request("post", "/api/v1/orders", 201, {
        token,
        headers: { "Idempotency-Key": crypto.randomUUID() },
        body: {
            lines: [{ sku: cheapest.sku, quantity: 2 }],
            shipping_address: {
                name: "Ada Lovelace",
                line1: "12 Analytical Row",
                city: "London",
                postal_code: "N1 9GU",
                country: "GB",
            },
            payment: { provider: "sandbox", method: "pm_sandbox_ok" },
        },
    });
    const expectedTotal = cheapest.price.amount * 2;
    if (placed.total_amount !== expectedTotal || placed.currency !== cheapest.price.currency) {
        throw new Error(`order ${placed.number} totals ${placed.total_amount} ${placed.currency}`);
    }

    const again = await request("get", "/api/v1/orders/{order_id}", 200, {
        token,
        path: { order_id: placed.id },
    });
    if (!again.allowed_actions.includes("cancel")) return again.status;

    const cancelled = await request("post", "/api/v1/orders/{order_id}/cancel", 200, {
        token,
        path: { order_id: placed.id },
        headers: { "Idempotency-Key": crypto.randomUUID() },
        body: { reason: "Changed my mind" },
    });
    return cancelled.status;
}

/** Delete the signed-in account: the one DELETE that takes a body (the current password). */
export async function deleteAccount(baseUrl: string, token: string, password: string): Promise<void> {
    await new Client(baseUrl).request("delete", "/api/v1/accounts/me", 204, {
        token,
        body: { current_password: password },
    });
}
