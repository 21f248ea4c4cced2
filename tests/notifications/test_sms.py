"""SMS splitting (GSM 03.38 / UCS-2) and the HTTP gateway provider against a real local server."""

import json

import pytest

from apps.notifications.sms import HttpGatewaySmsProvider, SmsError, sms_segments
from tests.notifications.receiver import Answer


@pytest.mark.parametrize(
    ("text", "lengths"),
    [
        ("a" * 160, [160]),
        ("a" * 161, [153, 8]),
        ("a" * 306, [153, 153]),
        ("a" * 307, [153, 153, 1]),
        ("€" * 80, [80]),  # two septets each: exactly 160
        ("a" + "€" * 80, [1 + 76, 4]),  # 1 + 76 * 2 = 153 septets exactly
        ("aa" + "€" * 80, [2 + 75, 5]),  # 152 septets: the next escape pair never straddles two parts
        ("é" * 160, [160]),  # in the GSM basic set
        ("ç" * 70, [70]),  # not GSM-7 (only Ç is): UCS-2, 70 characters
        ("ç" * 71, [67, 4]),
    ],
)
def test_messages_split_into_gsm7_or_ucs2_parts(text, lengths):
    assert [len(part) for part in sms_segments(text)] == lengths
    assert "".join(sms_segments(text)) == text


def test_the_gateway_provider_posts_the_message_with_its_token(receiver):
    receiver.always(Answer(200, b'{"id": "msg-42"}'))
    provider = HttpGatewaySmsProvider(url=receiver.url, token="t0ken")

    result = provider.send(to="+447700900123", text="a" * 161)

    [request] = receiver.requests
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert json.loads(request.body) == {
        "to": "+447700900123",
        "text": "a" * 161,
        "parts": ["a" * 153, "a" * 8],
    }
    assert (result.provider_id, result.parts) == ("msg-42", 2)


@pytest.mark.parametrize(("status", "retryable"), [(400, False), (422, False), (429, True), (503, True)])
def test_gateway_refusals_say_whether_retrying_can_help(receiver, status, retryable):
    receiver.always(Answer(status, b"nope"))

    with pytest.raises(SmsError) as refused:
        HttpGatewaySmsProvider(url=receiver.url, token="t").send(to="+1", text="hi")

    assert (refused.value.retryable, refused.value.status) == (retryable, status)
    assert str(refused.value) == f"gateway answered {status}: nope"
