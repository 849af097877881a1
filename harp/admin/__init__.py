"""The admin. Rights and credentials are a superuser's alone (issue 10, finding 1).

A group or a permission given to non-superuser staff never lets them grant rights
(staff status, groups, permissions), set or read another person's credentials
(password, second-factor devices and their keys, email addresses) or change a
superuser. The third-party admins for groups, devices and email addresses are
registered again with those limits (credentials.py). The table of who may do what
is tests/security/test_admin_rights.py.
"""

from harp.admin import credentials, messages, records, users

__all__ = ["credentials", "messages", "records", "users"]
