"""The settings module: embedded default with nothing set, production form with env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from config import settings as settings_module
from harp.models import SystemComponent, User

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "x7!kq2#Lr9@vB4$wZ1^mN8&tY6*pC3(hJ5)sD0_fG-eU+aQ=oI[]{};:,.<>?/~",
    "FIELD_ENCRYPTION_KEY": "Zv6PSFkIm5Y04aaJJJYjpfxxo4Fv5_SCTVRim6KKicY=",
    "SSN_FINGERPRINT_KEY": "fingerprint-key-for-the-settings-test-only",
    "PROOFING_VENDOR": "proofing.vendors.base.ProofingVendor",
    "ALLOWED_HOSTS": "hub.example.org",
    "DATABASE_URL": "postgres://hub:hub@127.0.0.1:5432/hub",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.org:587",
    "SMS_GATEWAY": "harp.gateways.TwilioGateway",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "auth-token-for-the-settings-test-only",
    "TWILIO_FROM_NUMBER": "+14105550100",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


_SHOW = """
import json
from django.conf import settings
print(json.dumps({
    "debug": settings.DEBUG,
    "engine": settings.DATABASES["default"]["ENGINE"],
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "delivery": settings.OUTBOX_DELIVERY_BACKEND,
    "email_backend": settings.EMAIL_BACKEND,
    "cache": settings.CACHES["default"]["BACKEND"],
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def _show(env: dict[str, str]) -> dict[str, object]:
    result = _manage("shell", "-c", _SHOW, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_nothing_set_runs_the_embedded_default():
    assert _show({}) == {
        "debug": True,
        "engine": "django.db.backends.sqlite3",
        "eager": True,
        "delivery": "django.core.mail.backends.console.EmailBackend",
        "email_backend": "harp.outbox.OutboxEmailBackend",
        "cache": "django.core.cache.backends.locmem.LocMemCache",
        "static": "django.contrib.staticfiles.storage.StaticFilesStorage",
    }


def test_email_file_path_writes_email_to_a_folder(tmp_path):
    shown = _show({"EMAIL_FILE_PATH": str(tmp_path)})
    assert shown["delivery"] == "django.core.mail.backends.filebased.EmailBackend"


def test_production_form_reads_services_from_the_environment():
    assert _show(PRODUCTION_ENV) == {
        "debug": False,
        "engine": "django.db.backends.postgresql",
        "eager": False,
        "delivery": "django.core.mail.backends.smtp.EmailBackend",
        "email_backend": "harp.outbox.OutboxEmailBackend",
        "cache": "harp.redis_cache.SharedClientRedisCache",
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }


def test_production_form_passes_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_form_refuses_to_start_with_the_stub_vendor():
    env = {
        **PRODUCTION_ENV,
        "PROOFING_VENDOR": "proofing.vendors.experian_stub.ExperianStub",
    }
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "PROOFING_ALLOW_STUB=1" in result.stderr
    allowed = _manage("check", env={**env, "PROOFING_ALLOW_STUB": "1"})
    assert allowed.returncode == 0, allowed.stderr


def test_production_form_refuses_to_start_with_the_console_text_gateway():
    env = {**PRODUCTION_ENV, "SMS_GATEWAY": "harp.gateways.ConsoleGateway"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SMS_GATEWAY is the console gateway" in result.stderr
    assert "ALLOW_CONSOLE_DELIVERY=1" in result.stderr
    allowed = _manage("check", env={**env, "ALLOW_CONSOLE_DELIVERY": "1"})
    assert allowed.returncode == 0, allowed.stderr


def test_production_form_refuses_to_start_with_console_email():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "EMAIL_URL"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "Email goes to the console" in result.stderr
    allowed = _manage("check", env={**env, "ALLOW_CONSOLE_DELIVERY": "1"})
    assert allowed.returncode == 0, allowed.stderr


def test_production_form_with_the_default_delivery_refuses_to_start():
    """The production form as a first try sets it: no SMS_GATEWAY, no EMAIL_URL."""
    env = {
        key: value
        for key, value in PRODUCTION_ENV.items()
        if key != "EMAIL_URL" and not key.startswith(("SMS_", "TWILIO_"))
    }
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "console gateway" in result.stderr
    assert "Email goes to the console" in result.stderr


def test_production_form_refuses_the_twilio_gateway_without_credentials():
    env = {
        key: value
        for key, value in PRODUCTION_ENV.items()
        if key != "TWILIO_AUTH_TOKEN"
    }
    result = _manage("check", env={**env, "ALLOW_CONSOLE_DELIVERY": "1"})
    assert result.returncode != 0
    assert "set TWILIO_AUTH_TOKEN" in result.stderr


def test_production_form_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DJANGO_DEBUG=0" in result.stderr


def test_passwords_are_hashed_with_argon2():
    assert settings_module.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )


@pytest.mark.django_db
def test_demo_data_refuses_to_run_in_production_form(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="refuses to run in production form"):
        call_command("demo_data")
    assert not User.objects.exists()


@pytest.mark.django_db
def test_demo_data_is_idempotent_and_gives_a_working_admin(settings, capsys):
    settings.DEBUG = True
    call_command("demo_data")
    call_command("demo_data")
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.check_password("demo-password-2026")
    assert SystemComponent.objects.filter(name="HARP").count() == 1
    assert "admin" in capsys.readouterr().out
    for username in (
        "helpdesk",
        "cmsapprover",
        "secofficial",
        "coordinator",
        "learner",
    ):
        assert User.objects.filter(username=username).count() == 1
    helpdesk = User.objects.get(username="helpdesk")
    assert helpdesk.has_perm("harp.unlock_user")
    assert helpdesk.has_perm("proofing.work_proofing_queue")
    from proofing.models import ManualProofingCase

    assert (
        ManualProofingCase.objects.get(user__username="proofpending").documents.count()
        == 3
    )


@pytest.mark.django_db
def test_demo_accounts_sign_in_with_their_published_key(client, settings):
    settings.DEBUG = True
    call_command("demo_data")
    response = client.post(
        "/login/", {"login": "helpdesk", "password": "demo-password-2026"}
    )
    assert response.url == "/login/verify/"
    out = StringIO()
    call_command("demo_code", "helpdesk", stdout=out)
    device = TOTPDevice.objects.get(user__username="helpdesk")
    response = client.post(
        "/login/verify/",
        {"device": device.persistent_id, "action": "verify", "token": out.getvalue()},
    )
    assert response.url == "/profile/"
    assert client.get("/admin/").status_code == 200
