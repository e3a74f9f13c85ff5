from django.contrib import admin

from smarketing.roles import Role, user_roles


class SmarketingAdminSite(admin.AdminSite):
    """The Django admin, open to the ``admin`` role only."""

    site_header = "Smarketing administration"
    site_title = "Smarketing admin"
    index_title = "Revenue operations"

    def has_permission(self, request) -> bool:
        return Role.ADMIN in user_roles(request.user)
