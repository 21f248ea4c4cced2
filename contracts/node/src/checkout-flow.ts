/**
 * The whole storefront flow against a live server, every call typed by client.ts:
 * sign in, list products, start a checkout, add lines, save an address to the address book and
 * ship the checkout to it, pick a shipping method,
 * apply a voucher, complete it, read the order. Totals are asserted against the expectation the
 * caller passes (tests/checkout/test_node_storefront.py seeds the shop and starts the server).
 *
 *   node dist/checkout-flow.js   with BASE_URL, EMAIL, PASSWORD and EXPECT (JSON) in the environment
 */
import { ApiError, Client, type Schemas } from "./client.js";

type Money = Schemas["Money"];

interface Expectation {
    lines: { sku: string; quantity: number; tax: number; discount: number }[];
    shipping_method: string;
    voucher: string;
    totals: { subtotal: number; discount: number; shipping: number; tax: number; total: number };
}

function check(what: string, actual: unknown, expected: unknown): void {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
}

function amounts(totals: Schemas["CheckoutTotals"] | Schemas["OrderTotals"]): Expectation["totals"] {
    const of = (money: Money) => money.amount;
    return {
        subtotal: of(totals.subtotal),
        discount: of(totals.discount),
        shipping: of(totals.shipping),
        tax: of(totals.tax),
        total: of(totals.total),
    };
}

export async function storefrontCheckout(baseUrl: string, email: string, password: string, expect: Expectation) {
    const api = new Client(baseUrl);
    const { token } = await api.request("post", "/api/v1/auth/token", 200, { body: { email, password } });

    const page = await api.request("get", "/api/v1/products", 200, { query: { in_stock: true, limit: 100 } });
    const listed = new Set(page.results.map((product) => product.sku));
    for (const line of expect.lines) if (!listed.has(line.sku)) throw new Error(`${line.sku} is not listed in stock`);

    const started = await api.request("post", "/api/v1/checkouts", 201, { token, body: {} });
    const path = { checkout_id: started.id };
    for (const { sku, quantity } of expect.lines) {
        await api.request("post", "/api/v1/checkouts/{checkout_id}/lines", 200, { token, path, body: { sku, quantity } });
    }
    // The address comes from the customer's address book: the checkout keeps a copy.
    const saved = await api.request("post", "/api/v1/accounts/me/addresses", 201, {
        token,
        body: { name: "Ada Lovelace", line1: "Unter den Linden 1", city: "Berlin", postal_code: "10117", country: "DE" },
    });
    const addressed = await api.request("patch", "/api/v1/checkouts/{checkout_id}", 200, {
        token,
        path,
        body: { shipping_address_id: saved.id },
    });
    check("checkout address from the book", addressed.shipping_address?.city, "Berlin");
    const methods = await api.request("get", "/api/v1/checkouts/{checkout_id}/shipping-methods", 200, { token, path });
    const method = methods.find((m) => m.name === expect.shipping_method);
    if (method === undefined) throw new Error(`no shipping method ${expect.shipping_method} in ${JSON.stringify(methods)}`);
    await api.request("put", "/api/v1/checkouts/{checkout_id}/shipping-method", 200, { token, path, body: { id: method.id } });
    const ready = await api.request("put", "/api/v1/checkouts/{checkout_id}/voucher", 200, {
        token,
        path,
        body: { code: expect.voucher },
    });
    check("problems before completing", ready.problems, []);
    check("checkout totals", amounts(ready.totals), expect.totals);
    check("shipping price", ready.shipping_method?.price.amount, expect.totals.shipping);

    const completed = await api.request("post", "/api/v1/checkouts/{checkout_id}/complete", 201, {
        token,
        path,
        headers: { "Idempotency-Key": crypto.randomUUID() },
        body: { payment: { provider: "sandbox", method: "pm_sandbox_ok" } },
    });
    if (completed.order === null) throw new Error("completed without an order");

    const order = await api.request("get", "/api/v1/orders/{order_id}", 200, { token, path: { order_id: completed.order.id } });
    check("order totals", amounts(order.totals), expect.totals);
    check("order total_amount", order.total_amount, expect.totals.total);
    check(
        "order lines",
        order.lines.map((line) => ({ sku: line.sku, quantity: line.quantity, tax: line.tax.amount, discount: line.discount.amount })),
        expect.lines,
    );
    check("order shipping method and voucher", [order.shipping_method, order.voucher_code], [expect.shipping_method, expect.voucher]);
    return { checkout_id: started.id, order_id: order.id, number: order.number, totals: amounts(order.totals) };
}

function required(name: string): string {
    const value = process.env[name];
    if (value === undefined || value === "") throw new Error(`${name} is not set`);
    return value;
}

const isMain = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
    storefrontCheckout(required("BASE_URL"), required("EMAIL"), required("PASSWORD"), JSON.parse(required("EXPECT")) as Expectation)
        .then((result) => console.log(JSON.stringify(result)))
        .catch((error: unknown) => {
            console.error(error instanceof ApiError ? JSON.stringify(error.problem) : String(error));
            process.exit(1);
        });
}
