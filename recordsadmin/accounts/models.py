from django.db import models


class LoginFailures(models.Model):
    """Failed sign-ins of one username from one address (hashed together), shared by every
    process through the database so that a lockout set by one is kept by all."""

    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    until = models.FloatField(default=0)  # time.time() when the count is forgotten

    def __str__(self) -> str:
        return f"{self.count} failures until {self.until:.0f}"


class Preference(models.Model):
    """One remembered choice of one user (a table's columns, the theme, the fields a form
    carries over), by name; the value is whatever JSON the feature keeps
    (recordsadmin/accounts/preferences.py)."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="preferences")
    name = models.CharField(max_length=200)
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="accounts_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.name}"
