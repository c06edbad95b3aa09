"""Web plumbing shared by every blueprint: how requests become answers.

- ``htmx``: page or fragment, redirects and events under htmx;
- ``forms``: the base of every form (messages in the user's language, plausible dates, …);
- ``actions``: one user action, one transaction (``user_action``), and ``require`` (403);
- ``errors``: one error page for every HTTP error;
- ``security``: headers on every answer, safe redirects;
- ``assets``: static files with content-hashed URLs;
- ``routing``: the URL converters (ids that fit the database);
- ``runtime``: how a serving process runs Python (the garbage collector).
"""
