from django.db import models


class LoginFailures(models.Model):
    """Failed sign-ins of one username from one address (hashed together), shared by every
    process through the database so that a lockout set by one is kept by all."""

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    until = models.FloatField(default=0)  # time.time() when the count is forgotten

    def __str__(self) -> str:
        return f"{self.count} failures until {self.until:.0f}"
