from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from certificates import receivers
        from courseware import certificate_hooks

        # Progress payloads (API and pages) then carry the learner's certificate code.
        certificate_hooks.register_lookup(receivers.certificate_code)
