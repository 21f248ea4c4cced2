"""Test-only routes that exercise the error paths no production endpoint has yet."""

from django.urls import include, path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

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


test_api = [path("cart", CartView.as_view()), path("broken", BrokenView.as_view())]

urlpatterns = [path("api/v1/test/", include((test_api, "v1"))), *project_urlpatterns]
handler404 = "apps.common.views.page_not_found"
handler500 = "apps.common.views.server_error"
