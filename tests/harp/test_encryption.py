import datetime

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from harp.encryption import _fernet
from harp.models import User
from tests.harp.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_rotation_re_encrypts_with_the_new_key_so_the_old_one_can_go(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = old
    UserFactory(
        username="rotated01", date_of_birth=datetime.date(1975, 5, 6), city="Towson"
    )

    settings.FIELD_ENCRYPTION_KEY = f"{new},{old}"
    call_command("rotate_field_encryption")

    settings.FIELD_ENCRYPTION_KEY = new
    _fernet.cache_clear()
    user = User.objects.get(username="rotated01")
    assert (user.date_of_birth, user.city) == (datetime.date(1975, 5, 6), "Towson")


def test_a_value_under_an_unknown_key_fails_loudly(settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    UserFactory(username="lostkey01", city="Towson")
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with pytest.raises(ValueError, match="could not be decrypted"):
        User.objects.get(username="lostkey01")
