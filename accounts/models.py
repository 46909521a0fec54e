from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """A learner; `is_instructor` lets them author courses."""

    # The name printed on certificates: what the learner wants to be called.
    display_name = models.CharField(max_length=120, blank=True)
    is_instructor = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def shown_name(self) -> str:
        return self.display_name or self.get_full_name() or self.username
