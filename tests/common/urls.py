"""Test-only routes that exercise the error paths no production endpoint has yet."""

import time
import uuid

from django.contrib.auth.models import Group
from django.urls import include, path
from django.utils import timezone
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.idempotency import idempotent
from config.urls import urlpatterns as project_urlpatterns


class LineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=8)
    quantity = serializers.IntegerField(min_value=1)


class CartSerializer(serializers.Serializer):
    email = serializers.EmailField()
    lines = LineSerializer(many=True)

    def validate(self, attrs):
        if len(attrs["lines"]) > 2:
            raise serializers.ValidationError("At most two lines.")
        return attrs


class CartView(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        CartSerializer(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


class BrokenView(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("deliberate failure")


class WidgetSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    price = serializers.DecimalField(max_digits=8, decimal_places=2, min_value=0)


def _widget_create(request) -> Response:
    """The effect is a Group row named after the widget, so tests can count effects."""
    widget = WidgetSerializer(data=request.data)
    widget.is_valid(raise_exception=True)
    ref = uuid.uuid4()  # differs on every run: a replayed body proves the view did not run again
    group = Group.objects.create(name=f"widget {widget.validated_data['name']} {ref}")
    body = {
        "id": group.pk,
        "name": widget.validated_data["name"],
        "price": widget.validated_data["price"],  # Decimal, UUID, datetime: as DRF's encoder renders them
        "ref": ref,
        "created_at": timezone.now(),
    }
    return Response(body, status=201)


class WidgetView(APIView):
    @idempotent
    def post(self, request):
        return _widget_create(request)


class SlowWidgetView(APIView):
    @idempotent
    def post(self, request):
        time.sleep(0.5)  # every concurrent duplicate arrives while the first one runs
        return _widget_create(request)


class WidgetConflict(exceptions.APIException):
    status_code = 409
    default_code = "widget_conflict"


class ConflictingWidgetView(APIView):
    @idempotent
    def post(self, request):
        raise WidgetConflict(f"Widget {request.data['name']} clashes with {uuid.uuid4()}.")


class FailingWidgetView(APIView):
    @idempotent
    def post(self, request):
        raise RuntimeError("deliberate failure")


test_api = [
    path("cart", CartView.as_view()),
    path("broken", BrokenView.as_view()),
    path("idempotent/widgets", WidgetView.as_view()),
    path("idempotent/gadgets", WidgetView.as_view()),  # the same view on another endpoint
    path("idempotent/slow-widgets", SlowWidgetView.as_view()),
    path("idempotent/conflicting-widgets", ConflictingWidgetView.as_view()),
    path("idempotent/failing-widgets", FailingWidgetView.as_view()),
]

urlpatterns = [path("api/v1/test/", include((test_api, "v1"))), *project_urlpatterns]
handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"
