from django.urls import path

from certificates import views

app_name = "certificates"

urlpatterns = [
    path("certificates/", views.mine, name="mine"),
    path("certificates/name/", views.set_name, name="set_name"),
    path("verify/<str:code>/", views.verify, name="verify"),
    path("verify/<str:code>/credential.json", views.credential, name="credential"),
    path("verify/<str:code>/revoke/", views.revoke, name="revoke"),
    path(".well-known/glassbook-certificate-key.json", views.public_key, name="public_key"),
    path(".well-known/did.json", views.did_document, name="did_document"),
    path("did.json", views.did_document),  # where did:web looks when SITE_URL has a path
    path("issuer/", views.issuer, name="issuer"),
    path("credentials/status/<int:number>", views.status_list, name="status_list"),
    path("credentials/seal.png", views.seal, name="seal"),
]
