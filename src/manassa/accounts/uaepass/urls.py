from allauth.socialaccount.providers.oauth2.urls import default_urlpatterns

from manassa.accounts.uaepass.provider import UaePassProvider

urlpatterns = default_urlpatterns(UaePassProvider)
