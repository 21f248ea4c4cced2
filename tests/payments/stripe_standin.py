"""A local HTTP stand-in for the slice of Stripe's API that StripeProvider uses.

A real server (ThreadingHTTPServer on 127.0.0.1, a free port) so the official SDK runs unmocked:
its form encoding, headers, HTTP client, timeouts and error parsing are all exercised.

Endpoints: `POST /v1/payment_intents`, `/v1/payment_intents/{id}/capture`,
`/v1/payment_intents/{id}/cancel`, `/v1/refunds`; `GET /v1/payment_intents/{id}` (with
`expand[]=latest_charge`). Stripe's test payment methods decide the outcome:

| payment_method                          | outcome                                                   |
|-----------------------------------------|-----------------------------------------------------------|
| `pm_card_visa`                          | authorized (`requires_capture`, or `succeeded` if automatic) |
| `pm_card_chargeDeclined`                | 402 card_error, code `card_declined`, decline_code `generic_decline` |
| `pm_card_chargeDeclinedInsufficientFunds` | 402 card_error, code `card_declined`, decline_code `insufficient_funds` |
| anything else                           | 400 invalid_request_error `resource_missing`              |

Like Stripe it checks `Authorization: Bearer <key>` (401), replays the stored answer for a
repeated `Idempotency-Key` (400 `idempotency_error` if the parameters differ), refuses a capture
above what is capturable and a refund above what is left (400 `amount_too_large`), and an action
on an intent in the wrong state (400 `payment_intent_unexpected_state`).

Switches: `hang_next = N` makes the next N requests take effect and then hold the answer back for
`hang_seconds` (the client times out not knowing the outcome: what idempotency keys are for);
`fail_next = N` answers the next N with a 500 `api_error` without doing anything.
"""

import copy
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

DECLINES = {
    "pm_card_chargeDeclined": ("generic_decline", "Your card was declined."),
    "pm_card_chargeDeclinedInsufficientFunds": ("insufficient_funds", "Your card has insufficient funds."),
}
CARDS = {"pm_card_visa", *DECLINES}
CANCELABLE = ("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action")

Response = tuple[int, dict[str, Any]]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    form: dict[str, Any]  # nested as Stripe reads it: metadata[order_id] -> form["metadata"]["order_id"]


class StripeError(Exception):
    """An error answer: raised inside a handler, turned into Stripe's error JSON."""

    def __init__(self, status: int, type_: str, message: str, **fields: Any):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message, **fields}}


class StripeStandin:
    def __init__(self, *, api_key: str):
        self.api_key = api_key
        self.intents: dict[str, dict[str, Any]] = {}
        self.charges: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.requests: list[RecordedRequest] = []
        self.hang_next = 0
        self.hang_seconds = 5.0
        self.fail_next = 0
        self._idempotent: dict[str, tuple[tuple, Response]] = {}
        self._lock = threading.Lock()
        self._released = threading.Event()  # set on stop, so held-back answers do not delay it
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.standin = self  # type: ignore[attr-defined]

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "StripeStandin":
        # A short poll interval: shutdown() waits up to one, and every test stops a server.
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def handle(self, method: str, path: str, headers: dict[str, str], body: str) -> tuple[Response, bool]:
        """Answer one request: ((status, json body), replayed?). Called from the handler threads."""
        form = parse_form(body)
        with self._lock:
            self.requests.append(RecordedRequest(method, path, headers, form))
            if self.fail_next:
                self.fail_next -= 1
                return (500, {"error": {"type": "api_error", "message": "An unknown error occurred."}}), False
            hang = self.hang_next > 0
            if hang:
                self.hang_next -= 1
            if headers.get("authorization") != f"Bearer {self.api_key}":
                return _error(StripeError(401, "invalid_request_error", "Invalid API Key provided.")), False
            key = headers.get("idempotency-key")
            stored = self._idempotent.get(key) if key else None
            if stored is not None and stored[0] != (method, path, body):
                error = StripeError(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters they were first used with.",
                )
                response, replayed = _error(error), False
            elif stored is not None:
                response, replayed = stored[1], True
            else:
                # A snapshot: later changes to the intent must not alter what a replay returns.
                response, replayed = copy.deepcopy(self._route(method, path, form)), False
                if key:
                    self._idempotent[key] = ((method, path, body), response)
        if hang:
            self._released.wait(self.hang_seconds)
        return response, replayed

    def _route(self, method: str, path: str, form: dict[str, Any]) -> Response:
        try:
            if method == "POST" and path == "/v1/payment_intents":
                return 200, self._create_intent(form)
            if method == "POST" and path == "/v1/refunds":
                return 200, self._refund(form)
            match = re.fullmatch(r"/v1/payment_intents/([^/?]+)(?:\?(.*))?", path)
            if method == "GET" and match:
                return 200, self._retrieve(self._intent(match[1], param="intent"), parse_form(match[2] or ""))
            match = re.fullmatch(r"/v1/payment_intents/([^/]+)/(capture|cancel)", path)
            if method == "POST" and match:
                intent = self._intent(match[1], param="intent")
                action = self._capture if match[2] == "capture" else self._cancel
                return 200, action(intent, form)
            raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")
        except StripeError as exc:
            return _error(exc)

    def _create_intent(self, form: dict[str, Any]) -> dict[str, Any]:
        payment_method = form.get("payment_method", "")
        if payment_method not in CARDS:
            raise StripeError(
                400,
                "invalid_request_error",
                f"No such PaymentMethod: '{payment_method}'",
                code="resource_missing",
                param="payment_method",
            )
        amount = int(form["amount"])
        intent = {
            "id": _id("pi"),
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "currency": form["currency"],
            "capture_method": form.get("capture_method", "automatic"),
            "payment_method": payment_method,
            "metadata": form.get("metadata", {}),
            "status": "requires_confirmation",
            "latest_charge": None,
            "last_payment_error": None,
            "canceled_at": None,
            "cancellation_reason": None,
            "created": int(time.time()),
            "livemode": False,
        }
        self.intents[intent["id"]] = intent
        if form.get("confirm") != "true":
            return intent
        charge = self._charge(intent)
        if payment_method in DECLINES:
            decline_code, message = DECLINES[payment_method]
            error = StripeError(
                402,
                "card_error",
                message,
                code="card_declined",
                decline_code=decline_code,
                charge=charge["id"],
            )
            charge.update(status="failed", failure_code="card_declined")
            intent.update(status="requires_payment_method", last_payment_error=dict(error.body["error"]))
            error.body["error"]["payment_intent"] = intent
            raise error
        if intent["capture_method"] == "manual":
            intent.update(status="requires_capture", amount_capturable=amount)
        else:
            intent.update(status="succeeded", amount_received=amount)
            charge.update(captured=True, amount_captured=amount)
        return intent

    def _capture(self, intent: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
        _require_status(intent, "requires_capture", action="captured")
        amount = int(form.get("amount_to_capture", intent["amount_capturable"]))
        if not 0 < amount <= intent["amount_capturable"]:
            raise StripeError(
                400,
                "invalid_request_error",
                f"The amount to capture ({amount}) must be between 1 and {intent['amount_capturable']}.",
                code="amount_too_large",
                param="amount_to_capture",
            )
        intent.update(status="succeeded", amount_received=amount, amount_capturable=0)
        self.charges[intent["latest_charge"]].update(captured=True, amount_captured=amount)
        return intent

    def _cancel(self, intent: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
        _require_status(intent, *CANCELABLE, action="canceled")
        intent.update(
            status="canceled",
            amount_capturable=0,
            canceled_at=int(time.time()),
            cancellation_reason=form.get("cancellation_reason"),
        )
        return intent

    def _retrieve(self, intent: dict[str, Any], query: dict[str, Any]) -> dict[str, Any]:
        """GET an intent; `expand[]=latest_charge` puts the charge object in place of its id."""
        answer = dict(intent)
        if "latest_charge" in query.get("expand", {}).values() and intent["latest_charge"]:
            answer["latest_charge"] = dict(self.charges[intent["latest_charge"]])
        return answer

    def _refund(self, form: dict[str, Any]) -> dict[str, Any]:
        intent = self._intent(form.get("payment_intent", ""), param="payment_intent")
        _require_status(intent, "succeeded", action="refunded")
        charge = self.charges[intent["latest_charge"]]
        left = charge["amount_captured"] - charge["amount_refunded"]
        amount = int(form.get("amount", left))
        if not 0 < amount <= left:
            raise StripeError(
                400,
                "invalid_request_error",
                f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left}).",
                code="amount_too_large",
                param="amount",
            )
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount_captured"]
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "payment_intent": intent["id"],
            "currency": intent["currency"],
            "status": "succeeded",
            "created": int(time.time()),
        }
        self.refunds[refund["id"]] = refund
        return refund

    def _charge(self, intent: dict[str, Any]) -> dict[str, Any]:
        charge = {
            "id": _id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": 0,
            "amount_refunded": 0,
            "captured": False,
            "refunded": False,
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
            "failure_code": None,
        }
        self.charges[charge["id"]] = charge
        intent["latest_charge"] = charge["id"]
        return charge

    def _intent(self, intent_id: str, *, param: str) -> dict[str, Any]:
        if intent_id not in self.intents:
            raise StripeError(
                404,
                "invalid_request_error",
                f"No such payment_intent: '{intent_id}'",
                code="resource_missing",
                param=param,
            )
        return self.intents[intent_id]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        headers = {name.lower(): value for name, value in self.headers.items()}
        (status, payload), replayed = self.server.standin.handle(self.command, self.path, headers, body)  # type: ignore[attr-defined]
        data = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", _id("req"))
            if replayed:
                self.send_header("Idempotent-Replayed", "true")
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (the hang switch): nobody to answer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the recorded requests are the log; keep pytest's output clean


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding, nested: `a[b][c]=v` -> {"a": {"b": {"c": "v"}}}; values stay strings."""
    form: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        *parents, leaf = re.findall(r"[^\[\]]+", key)
        node = form
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return form


def _require_status(intent: dict[str, Any], *allowed: str, action: str) -> None:
    if intent["status"] not in allowed:
        raise StripeError(
            400,
            "invalid_request_error",
            f"This PaymentIntent could not be {action} because it has a status of {intent['status']}.",
            code="payment_intent_unexpected_state",
        )


def _error(exc: StripeError) -> Response:
    return exc.status, exc.body


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"
