"""Signing in with the city's identity systems (issue 16; guide: docs/identity.md).

- ``settings.py``: the QUICKWIN_OIDC_*, QUICKWIN_LDAP_*, QUICKWIN_IDENTITY_RULES, password
  sign-in and break-glass settings, checked at start-up;
- ``mapping.py``: the rules that turn groups and claims into a role and a unit;
- ``accounts.py``: finding, linking or creating the user an external sign-in stands for, and
  applying the mapping (every sign-in);
- ``oidc.py``: OpenID Connect with Authlib's Flask client (the ``oidc`` blueprint);
- ``directory.py``: LDAP with ldap3 (bind as the user, or search then bind), and the admin's
  connection test;
- ``password_form.py``: what the password form does: break-glass, the directory first, then the
  local password.

Every sign-in ends in ``auth.sessions.sign_in``, so session tokens, remember-me and "sign out
everywhere" work the same whatever the source.
"""
