from django.urls import path

from apps.accounts.api.views import TokenObtainView

urlpatterns = [
    path("auth/token", TokenObtainView.as_view(), name="auth-token"),
]
